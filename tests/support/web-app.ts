// Starts browser mode as a real child process (as `npm run start:web` does),
// optionally inside its own D-Bus session with an unlocked gnome-keyring, and
// waits for its `Sidecall ready at <url>` line.
import { spawn, type ChildProcess } from 'node:child_process';
import path from 'node:path';

export const REPO = path.resolve(import.meta.dirname, '../..');

export interface WebApp {
  readonly url: string;
  readonly process: ChildProcess;
  readonly output: () => string;
  stop(): Promise<void>;
}

export interface WebAppOptions {
  readonly dataDir: string;
  readonly configFile?: string;
  readonly env?: Readonly<Record<string, string>>;
  /** Run in a private D-Bus session with gnome-keyring (a real keychain). */
  readonly keyring?: boolean;
  readonly extraArgs?: readonly string[];
  /** The host's entry script (default src-main/hosts/web/main.ts; tests/support/web-main-memory-keychain.ts where keytar is not built). */
  readonly entry?: string;
}

function shellQuote(s: string): string {
  return `'${s.replace(/'/g, `'\\''`)}'`;
}

export async function startWebApp(opts: WebAppOptions): Promise<WebApp> {
  const args = [
    '--import',
    'tsx',
    opts.entry ?? path.join(REPO, 'src-main/hosts/web/main.ts'),
    '--data-dir',
    opts.dataDir,
    '--port',
    '0',
    ...(opts.configFile ? ['--config', opts.configFile] : []),
    ...(opts.extraArgs ?? []),
  ];
  const env: NodeJS.ProcessEnv = { ...process.env, SIDECALL_KEYCHAIN_SERVICE: `Sidecall-e2e-${process.pid}`, ...opts.env };
  let child: ChildProcess;
  if (opts.keyring) {
    delete env['DBUS_SESSION_BUS_ADDRESS'];
    // A keyring folder of its own: an existing login keyring with another password would make the daemon prompt.
    env['XDG_DATA_HOME'] = path.join(opts.dataDir, 'xdg-data');
    const script = `echo -n e2e | gnome-keyring-daemon -r -d --unlock --components=secrets >/dev/null && sleep 0.5 && exec ${[process.execPath, ...args].map(shellQuote).join(' ')}`;
    child = spawn('dbus-run-session', ['--', 'sh', '-c', script], { cwd: REPO, env, stdio: ['ignore', 'pipe', 'pipe'], detached: true });
  } else {
    child = spawn(process.execPath, args, { cwd: REPO, env, stdio: ['ignore', 'pipe', 'pipe'], detached: true });
  }
  let out = '';
  child.stdout?.on('data', (d: Buffer) => (out += d.toString()));
  child.stderr?.on('data', (d: Buffer) => (out += d.toString()));
  const url = await new Promise<string>((resolve, reject) => {
    const timer = setTimeout(() => reject(new Error(`browser mode did not start in 30 s:\n${out}`)), 30_000);
    const onData = (): void => {
      const m = /Sidecall ready at (http:\/\/127\.0\.0\.1:\d+\/s\/[A-Za-z0-9_-]+\/)/.exec(out);
      if (m?.[1]) {
        clearTimeout(timer);
        resolve(m[1]);
      }
    };
    child.stdout?.on('data', onData);
    child.once('exit', (code) => {
      clearTimeout(timer);
      reject(new Error(`browser mode exited with ${code}:\n${out}`));
    });
  });
  return {
    url,
    process: child,
    output: () => out,
    async stop() {
      if (child.exitCode !== null || child.pid === undefined) return;
      const exited = new Promise<void>((res) => child.once('exit', () => res()));
      // The whole process group: dbus-run-session, the keyring daemon and node.
      try {
        process.kill(-child.pid, 'SIGTERM');
      } catch {
        // already gone
      }
      const t = setTimeout(() => {
        try {
          process.kill(-(child.pid ?? 0), 'SIGKILL');
        } catch {
          // already gone
        }
      }, 5000);
      await exited;
      clearTimeout(t);
    },
  };
}
