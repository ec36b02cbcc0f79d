// Small helpers for tests that run their own servers on 127.0.0.1: a port
// nothing listens on (for a redirect URI, a server started later, or a refused
// connection), listening on port 0, and a close that leaves no socket behind.
import net from 'node:net';

/** A loopback port that was free a moment ago: bound on port 0, then released. */
export function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const srv = net.createServer();
    srv.once('error', reject);
    srv.listen(0, '127.0.0.1', () => {
      const { port } = srv.address() as net.AddressInfo;
      srv.close(() => resolve(port));
    });
  });
}

/** Starts `server` (node:http or node:net) on 127.0.0.1 at a port the OS picks; answers the port. */
export async function listenOnLoopback(server: net.Server): Promise<number> {
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  return (server.address() as net.AddressInfo).port;
}

/** Closes `server`, dropping kept-alive connections first so close() does not wait for them. */
export async function closeServer(server: net.Server & { closeAllConnections?: () => void }): Promise<void> {
  server.closeAllConnections?.();
  await new Promise<void>((resolve) => server.close(() => resolve()));
}
