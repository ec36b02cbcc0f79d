// The AmiTransport port: how the connection gets a byte stream to the PBX. The
// real one (net-transport.ts) is node:net / node:tls; unit tests hand in an
// in-memory socket. The socket shape is the subset of net.Socket the connection
// uses, so a real net.Socket / tls.TLSSocket is returned as is (and tests can
// count its listeners).
import type { Buffer } from 'node:buffer';

/** Where to connect. */
export interface AmiTransportTarget {
  readonly host: string;
  readonly port: number;
  readonly tls: boolean;
  /** Check the PBX's TLS certificate (default true). */
  readonly rejectUnauthorized?: boolean;
  /** Extra trusted CA certificates (PEM) for a PBX with a private CA. */
  readonly ca?: string;
}

/**
 * A connected (or connecting) byte stream; emits data, error, then close exactly
 * once. Like net.Socket it never emits from inside write() or destroy(): events
 * come from later turns of the event loop.
 */
export interface AmiSocket {
  on(event: 'data', listener: (chunk: Buffer) => void): unknown;
  on(event: 'error', listener: (error: Error) => void): unknown;
  on(event: 'close', listener: () => void): unknown;
  off(event: 'data', listener: (chunk: Buffer) => void): unknown;
  off(event: 'error', listener: (error: Error) => void): unknown;
  off(event: 'close', listener: () => void): unknown;
  write(chunk: Buffer): unknown;
  /** Half-closes after pending writes (used after Logoff). */
  end(): unknown;
  /** Closes now; `close` follows. */
  destroy(): unknown;
}

/** Opens sockets; connect() returns at once and reports failure through `error` + `close`. */
export interface AmiTransport {
  connect(target: AmiTransportTarget): AmiSocket;
}
