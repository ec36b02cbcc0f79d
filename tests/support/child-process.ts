// A test's child process (`node --import tsx <script>`) whose output can be
// waited on line by line, and killed with SIGKILL at any point: the scaffolding
// of the crash tests (a real process killed at random points and restarted).
import { spawn, type ChildProcess } from 'node:child_process';
import { REPO } from './web-app';

export interface TestChild {
  readonly process: ChildProcess;
  /** stdout and stderr so far. */
  readonly output: () => string;
  /** The exit code, or the signal that ended it. */
  readonly exited: Promise<number | string>;
  /** Resolves with the first output line that matches; rejects if the child exits first. */
  line(re: RegExp): Promise<string>;
  /** Whether it is still running. */
  running(): boolean;
  /** SIGKILL (no cleanup of any kind in the child) and wait for the exit. */
  kill9(): Promise<number | string>;
}

export function startTestChild(script: string, env: Readonly<Record<string, string>>): TestChild {
  const child = spawn(process.execPath, ['--import', 'tsx', script], { cwd: REPO, env: { ...process.env, ...env }, stdio: ['ignore', 'pipe', 'pipe'] });
  let out = '';
  const waiters: { re: RegExp; resolve: (l: string) => void }[] = [];
  const onData = (d: Buffer): void => {
    out += d.toString();
    for (const w of [...waiters]) {
      const m = out.split('\n').find((l) => w.re.test(l));
      if (m !== undefined) {
        waiters.splice(waiters.indexOf(w), 1);
        w.resolve(m);
      }
    }
  };
  child.stdout.on('data', onData);
  child.stderr.on('data', onData);
  const exited = new Promise<number | string>((resolve) => child.once('exit', (code, signal) => resolve(code ?? signal ?? 'unknown')));
  const running = (): boolean => child.exitCode === null && child.signalCode === null;
  return {
    process: child,
    output: () => out,
    exited,
    running,
    line: (re) =>
      new Promise<string>((resolve, reject) => {
        waiters.push({ re, resolve });
        onData(Buffer.alloc(0));
        void exited.then((code) => reject(new Error(`child exited (${code}) before printing ${re}:\n${out.slice(-2000)}`)));
      }),
    async kill9() {
      if (running()) child.kill('SIGKILL');
      return exited;
    },
  };
}
