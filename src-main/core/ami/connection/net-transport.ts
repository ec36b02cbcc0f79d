// The real AmiTransport: node:net for plain AMI (5038), node:tls for AMI over TLS
// (5039 on Asterisk's tlsbindaddr). TCP keepalive and no Nagle: AMI actions are
// small and a click-to-call should leave at once; the AMI Ping keepalive in the
// connection is what detects a dead PBX, TCP keepalive only helps NAT tables.
import net from 'node:net';
import tls from 'node:tls';
import type { AmiSocket, AmiTransport, AmiTransportTarget } from './transport';

/** node:net / node:tls sockets. */
export const netTransport: AmiTransport = {
  connect(target: AmiTransportTarget): AmiSocket {
    const socket = target.tls
      ? tls.connect({
          host: target.host,
          port: target.port,
          rejectUnauthorized: target.rejectUnauthorized ?? true,
          ...(target.ca === undefined ? {} : { ca: target.ca }),
          // SNI only for names: Node warns when servername is an IP address.
          ...(net.isIP(target.host) === 0 ? { servername: target.host } : {}),
        })
      : net.connect({ host: target.host, port: target.port });
    socket.setNoDelay(true);
    socket.setKeepAlive(true, 30_000);
    return socket;
  },
};
