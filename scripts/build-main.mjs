// Bundles the Electron host: src-main/hosts/electron/main.ts -> dist/main/main.mjs
// (ESM, Node 22 inside Electron 45) and preload.ts -> dist/main/preload.cjs
// (CommonJS: a sandboxed preload cannot be an ES module and can require only
// 'electron'), and copies the tray icons next to them. `npm run build:main`
// runs it; `npm start` and the bundle tests import buildMain().
// The preload gets the contract's channel names as a constant (SIDECALL_CHANNELS)
// read from src-shared/ipc/contract.ts at build time, so it checks names
// without carrying zod and every schema into each window.
import fs from 'node:fs';
import path from 'node:path';
import { build } from 'esbuild';

const ROOT = path.resolve(import.meta.dirname, '..');

/** Object.keys of the contract's request and event maps, read by bundling and importing contract.ts. */
export async function contractChannelNames() {
  const result = await build({
    entryPoints: [path.join(ROOT, 'src-shared/ipc/contract.ts')],
    absWorkingDir: ROOT,
    bundle: true,
    write: false,
    platform: 'node',
    format: 'esm',
    logLevel: 'silent',
  });
  const code = result.outputFiles[0]?.text ?? '';
  const contract = await import(`data:text/javascript;base64,${Buffer.from(code).toString('base64')}`);
  return { request: Object.keys(contract.requestChannels), event: Object.keys(contract.eventChannels) };
}

/** Builds into `outDir` (dist/main by default); resolves to the files written. */
export async function buildMain({ outDir = path.join(ROOT, 'dist/main'), logLevel = 'warning' } = {}) {
  const common = {
    bundle: true,
    sourcemap: 'linked',
    sourcesContent: false,
    logLevel,
    absWorkingDir: ROOT,
    legalComments: 'none',
  };
  const main = path.join(outDir, 'main.mjs');
  const preload = path.join(outDir, 'preload.cjs');
  const channels = await contractChannelNames();
  await Promise.all([
    build({
      ...common,
      entryPoints: [path.join(ROOT, 'src-main/hosts/electron/main.ts')],
      outfile: main,
      platform: 'node',
      format: 'esm',
      target: 'node22',
      // keytar is native (and optional): loaded from node_modules at run time.
      external: ['electron', 'keytar'],
      // Bundled CommonJS code that calls require() needs one in an ES module.
      banner: { js: "import { createRequire as __sidecallCreateRequire } from 'node:module'; const require = __sidecallCreateRequire(import.meta.url);" },
    }),
    build({
      ...common,
      entryPoints: [path.join(ROOT, 'src-main/hosts/electron/preload.ts')],
      outfile: preload,
      // 'browser' makes any Node import a build error: the sandbox would refuse it at run time.
      platform: 'browser',
      format: 'cjs',
      target: 'chrome130',
      external: ['electron'],
      define: { SIDECALL_CHANNELS: JSON.stringify(channels) },
    }),
  ]);
  const trayOut = path.join(outDir, 'tray');
  fs.mkdirSync(trayOut, { recursive: true });
  const icons = fs.readdirSync(path.join(ROOT, 'resources/tray')).filter((f) => /\.(png|ico)$/.test(f));
  for (const icon of icons) fs.copyFileSync(path.join(ROOT, 'resources/tray', icon), path.join(trayOut, icon));
  return { main, preload, trayIcons: icons.map((i) => path.join(trayOut, i)) };
}

if (process.argv[1] && path.resolve(process.argv[1]) === path.resolve(import.meta.filename)) {
  try {
    const out = await buildMain({ logLevel: 'info' });
    process.stdout.write(`built ${path.relative(ROOT, out.main)}, ${path.relative(ROOT, out.preload)} and ${out.trayIcons.length} tray icons\n`);
  } catch (error) {
    process.stderr.write(`build-main: ${error instanceof Error ? error.message : String(error)}\n`);
    process.exit(1);
  }
}
