// Runs Electronegativity's own parser, atomic checks and global checks over
// source folders, without its CLI runner: the runner fetches translations from
// S3 and the AvailableSecurityFixes check fetches Electron's release list from
// GitHub on every run, and tests here never reach the internet. Translations
// come from the package's bundled en-US file instead, and that one check is
// left out (keeping Electron current is the release checklist's job, see
// docs/deployment.md). Everything else is exactly what `electronegativity -i`
// runs, including `eng-disable` comments and the global second pass.
import fs from 'node:fs';
import path from 'node:path';
import { createRequire } from 'node:module';

const require = createRequire(import.meta.url);
const ENG_DIR = path.dirname(require.resolve('@doyensec/electronegativity/package.json'));
const engRequire = createRequire(path.join(ENG_DIR, 'dist', 'runner.js'));

/** Global checks that need the network; never run here. */
export const NETWORK_CHECKS = ['AvailableSecurityFixesGlobalCheck'] as const;

interface Level {
  readonly name: string;
  readonly value: number;
}
interface RawIssue {
  readonly file: string;
  readonly id: string;
  readonly sample?: string;
  readonly location: { readonly line: number; readonly column: number };
  readonly description: string;
  readonly severity: Level;
  readonly confidence: Level;
  readonly manualReview: boolean;
  readonly visibility?: { readonly inlineDisabled?: boolean; readonly globalCheckDisabled?: boolean };
}
interface Parser {
  parse(file: string, content: Buffer): [type: unknown, data: unknown, content: string, warnings?: { message: string }[]];
}
interface FinderInstance {
  readonly _enabled_checks: readonly unknown[];
  find(file: string, data: unknown, type: unknown, content: string, unused: null, electronVersion: string): Promise<RawIssue[]>;
}
interface GlobalChecksInstance {
  readonly _enabled_checks: readonly { readonly name: string }[];
  getResults(issues: RawIssue[], output?: string): Promise<RawIssue[]>;
}

export interface EngFinding {
  /** The check's id, e.g. CONTEXT_ISOLATION_JS_CHECK. */
  readonly check: string;
  /** Relative to the scan root, with forward slashes; `N/A` for a global finding about the whole app. */
  readonly file: string;
  readonly line: number;
  /** The source line (trimmed), or '' for a global finding. */
  readonly sample: string;
  readonly severity: string;
  readonly confidence: string;
  readonly description: string;
}

export interface EngScan {
  readonly findings: readonly EngFinding[];
  /** Files Electronegativity could not parse (they would go unscanned). */
  readonly parseErrors: readonly { readonly file: string; readonly message: string }[];
  readonly scannedFiles: readonly string[];
  readonly checks: { readonly atomic: number; readonly global: readonly string[] };
}

const SCANNED = /\.(?:[cm]?js|jsx|ts|tsx|html?)$/;

function listFiles(dir: string): string[] {
  const out: string[] = [];
  for (const entry of fs.readdirSync(dir, { withFileTypes: true })) {
    const full = path.join(dir, entry.name);
    if (entry.isDirectory()) {
      if (entry.name !== 'node_modules' && !entry.name.startsWith('.')) out.push(...listFiles(full));
    } else if (SCANNED.test(entry.name) && !entry.name.endsWith('.d.ts')) out.push(full);
  }
  return out.sort();
}

let i18nReady = false;
/** Electronegativity's checks call a global `__()` for their texts: point it at the bundled en-US file. */
function setUpTranslations(): void {
  if (i18nReady) return;
  const i18n = engRequire('i18n') as { configure(o: Record<string, unknown>): void; setLocale(l: string): void };
  i18n.configure({
    locales: ['en-US'],
    defaultLocale: 'en-US',
    directory: path.join(ENG_DIR, 'dist', 'locales'),
    updateFiles: false,
    objectNotation: true,
    retryInDefaultLocale: true,
    register: globalThis,
  });
  i18n.setLocale('en-US');
  i18nReady = true;
}

export async function scanWithElectronegativity(opts: { readonly root: string; readonly dirs: readonly string[]; readonly electronVersion: string }): Promise<EngScan> {
  setUpTranslations();
  const { Parser } = engRequire('./parser') as { Parser: new (babelFirst: boolean, typescriptBabelFirst: boolean) => Parser };
  const { Finder, GlobalChecks } = engRequire('./finder') as {
    Finder: new (customScan: string[], exclude: string[], upgrade?: string) => FinderInstance;
    GlobalChecks: new (customScan: string[], exclude: string[], upgrade?: string) => GlobalChecksInstance;
  };
  // As the CLI: TypeScript through Babel first, then typescript-estree.
  const parser = new Parser(false, true);
  const globalChecks = new GlobalChecks([], NETWORK_CHECKS.map((c) => c.toLowerCase()));
  const finder = await new Finder([], []);
  const files = opts.dirs.flatMap((d) => listFiles(path.join(opts.root, d)));
  const issues: RawIssue[] = [];
  const parseErrors: { file: string; message: string }[] = [];
  for (const file of files) {
    try {
      const [type, data, content] = parser.parse(file, fs.readFileSync(file));
      if (data === null || data === undefined) continue;
      issues.push(...(await finder.find(file, data, type, content, null, opts.electronVersion)));
    } catch (error) {
      parseErrors.push({ file: path.relative(opts.root, file), message: (error as Error).message });
    }
  }
  const results = (await globalChecks.getResults(issues)).filter((i) => !i.visibility?.inlineDisabled && !i.visibility?.globalCheckDisabled);
  const findings = results.map((i) => ({
    check: i.id,
    file: i.file === 'N/A' ? 'N/A' : path.relative(opts.root, i.file).split(path.sep).join('/'),
    line: i.location.line,
    sample: (i.sample ?? '').trim(),
    severity: i.severity.name,
    confidence: i.confidence.name,
    description: i.description,
  }));
  return {
    findings,
    parseErrors,
    scannedFiles: files.map((f) => path.relative(opts.root, f).split(path.sep).join('/')),
    checks: { atomic: finder._enabled_checks.length, global: globalChecks._enabled_checks.map((c) => c.name) },
  };
}
