// A bare AMI client over a real net.Socket (or TLS): writes exactly the bytes a
// test gives it and records exactly the bytes it gets, decoded with the shared
// codec. Used to observe the test server without any client library in between.
import { Buffer } from 'node:buffer';
import net from 'node:net';
import tls from 'node:tls';
import { AmiDecoder, getHeader, type AmiMessage } from '../../../src-main/core/ami/codec';

export interface RawClientOptions {
  readonly host?: string;
  readonly tls?: boolean;
  /** CA for TLS; the test certificate is self-signed. */
  readonly ca?: string | Buffer;
}

export class RawAmiClient {
  readonly #chunks: Buffer[] = [];
  #length = 0;
  readonly messages: AmiMessage[] = [];
  greeting: string | undefined;
  readonly errors: string[] = [];
  closed = false;
  readonly done: Promise<void>;
  readonly #decoder = new AmiDecoder({ greeting: true });
  readonly #waiters = new Set<() => void>();

  private constructor(readonly socket: net.Socket) {
    this.done = new Promise((resolve) => socket.once('close', () => resolve()));
    socket.on('data', (chunk: Buffer) => {
      this.#chunks.push(chunk);
      this.#length += chunk.length;
      this.#decoder.push(chunk, (f) => {
        if (f.type === 'greeting') this.greeting = f.version;
        else if (f.type === 'message') this.messages.push(f.message);
        else this.errors.push(f.error.message);
      });
      this.#wake();
    });
    socket.on('close', () => {
      this.closed = true;
      this.#wake();
    });
    socket.on('error', () => undefined);
  }

  static connect(port: number, opts: RawClientOptions = {}): Promise<RawAmiClient> {
    const host = opts.host ?? '127.0.0.1';
    return new Promise((resolve, reject) => {
      const socket = opts.tls
        ? tls.connect({ port, host, ...(opts.ca ? { ca: opts.ca } : { rejectUnauthorized: false }), servername: 'localhost' })
        : net.connect(port, host);
      const ready = opts.tls ? 'secureConnect' : 'connect';
      socket.once(ready, () => {
        socket.off('error', reject);
        resolve(new RawAmiClient(socket));
      });
      socket.once('error', reject);
    });
  }

  #wake(): void {
    for (const w of [...this.#waiters]) w();
  }

  /** Everything received so far. */
  get bytes(): Buffer {
    return Buffer.concat(this.#chunks, this.#length);
  }

  get byteLength(): number {
    return this.#length;
  }

  /** How many separate reads the bytes arrived in (split-write tests). */
  get chunkCount(): number {
    return this.#chunks.length;
  }

  write(data: string | Buffer): void {
    this.socket.write(data);
  }

  /** Writes one action; fields in order, ActionID last unless given. */
  action(name: string, fields: Readonly<Record<string, string>> = {}, actionId?: string): void {
    let text = `Action: ${name}\r\n`;
    for (const [k, v] of Object.entries(fields)) text += `${k}: ${v}\r\n`;
    if (actionId !== undefined) text += `ActionID: ${actionId}\r\n`;
    this.write(`${text}\r\n`);
  }

  /** Resolves when `check` is true, re-checked on every chunk; rejects after `timeoutMs`. */
  until<T>(check: () => T | undefined | false, timeoutMs = 5000, what = 'condition'): Promise<T> {
    return new Promise((resolve, reject) => {
      const first = check();
      if (first) {
        resolve(first);
        return;
      }
      const timer = setTimeout(() => {
        this.#waiters.delete(probe);
        reject(new Error(`timed out waiting for ${what}`));
      }, timeoutMs);
      const probe = (): void => {
        const v = check();
        if (v) {
          clearTimeout(timer);
          this.#waiters.delete(probe);
          resolve(v);
        } else if (this.closed) {
          clearTimeout(timer);
          this.#waiters.delete(probe);
          reject(new Error(`socket closed while waiting for ${what}`));
        }
      };
      this.#waiters.add(probe);
    });
  }

  /** The first message (from index `from`) matching the predicate. */
  waitFor(pred: (m: AmiMessage) => boolean, timeoutMs = 5000, from = 0, what = 'message'): Promise<AmiMessage> {
    return this.until(() => this.messages.slice(from).find(pred), timeoutMs, what);
  }

  /** The response carrying this ActionID. */
  response(actionId: string, timeoutMs = 5000): Promise<AmiMessage> {
    return this.waitFor((m) => getHeader(m, 'ActionID') === actionId && getHeader(m, 'Response') !== undefined && getHeader(m, 'Event') === undefined, timeoutMs, 0, `response ${actionId}`);
  }

  /** Waits until at least `n` bytes have arrived. */
  waitForBytes(n: number, timeoutMs = 5000): Promise<void> {
    return this.until(() => this.#length >= n || undefined, timeoutMs, `${n} bytes`).then(() => undefined);
  }

  /** Resolves when the server closed the connection. */
  waitClosed(timeoutMs = 5000): Promise<void> {
    return this.until(() => this.closed || undefined, timeoutMs, 'close').then(() => undefined);
  }

  /** Logs in with a plain secret and waits for the response. */
  async login(username: string, secret: string, actionId = 'login-1'): Promise<AmiMessage> {
    this.action('Login', { Username: username, Secret: secret }, actionId);
    return this.response(actionId);
  }

  events(name?: string): AmiMessage[] {
    return this.messages.filter((m) => {
      const e = getHeader(m, 'Event');
      return e !== undefined && (name === undefined || e === name);
    });
  }

  close(): Promise<void> {
    if (!this.closed) this.socket.destroy();
    return this.done;
  }
}
