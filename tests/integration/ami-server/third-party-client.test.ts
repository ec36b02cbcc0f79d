// A client we did not write, asterisk-ami-client 1.1.5 (a devDependency), logs
// in to the test server, gets a response to an action and receives events:
// the server speaks AMI well enough for the clients people use today.
import { createRequire } from 'node:module';
import { afterEach, describe, expect, it } from 'vitest';
import { flush, simulateInbound, startHarness, type Harness } from '../../support/ami-server';

/** The part of asterisk-ami-client's API this test uses (the package ships no types). */
interface AmiClientMessage {
  readonly [header: string]: string | undefined;
}
interface AmiClientInstance {
  connect(user: string, secret: string, opts: { host: string; port: number }): Promise<unknown>;
  action(message: Readonly<Record<string, string>>, promisable: true): Promise<AmiClientMessage>;
  on(event: 'event', listener: (e: AmiClientMessage) => void): AmiClientInstance;
  on(event: string, listener: (...args: unknown[]) => void): AmiClientInstance;
  disconnect(): AmiClientInstance;
  readonly isConnected: boolean;
}
type AmiClientClass = new (options?: Readonly<Record<string, unknown>>) => AmiClientInstance;

const requireCjs = createRequire(import.meta.url);
const AmiClient = requireCjs('asterisk-ami-client') as AmiClientClass;

let h: Harness | undefined;
let client: AmiClientInstance | undefined;
afterEach(async () => {
  client?.disconnect();
  client = undefined;
  await h?.close();
  h = undefined;
});

describe('asterisk-ami-client against the test server', () => {
  it('logs in, gets Pong for a Ping and receives call events', async () => {
    h = await startHarness();
    const c = new AmiClient({ reconnect: false, keepAlive: false });
    client = c;
    const events: AmiClientMessage[] = [];
    await c.connect('crm', 'crmsecret', { host: '127.0.0.1', port: h.server.port });
    c.on('event', (e) => events.push(e));
    expect(h.server.connections[0]?.username).toBe('crm');

    const pong = await c.action({ Action: 'Ping', ActionID: 'third-party-ping' }, true);
    expect(pong.Response).toBe('Success');
    expect(pong.Ping).toBe('Pong');

    simulateInbound(h.server.pbx, { from: '79161234567', fromName: 'Ivan Petrov', to: '101', talkMs: 2000 });
    await flush(20);
    await h.advance(2000);
    await flush(20);
    const names = events.map((e) => e.Event);
    expect(names).toContain('Newchannel');
    expect(names).toContain('DialBegin');
    expect(names).toContain('BridgeEnter');
    expect(names).toContain('Hangup');
    const ringing = events.find((e) => e.Event === 'Newstate' && e.ChannelStateDesc === 'Ringing' && (e.Channel ?? '').startsWith('PJSIP/101-'));
    expect(ringing?.ConnectedLineNum).toBe('79161234567');
    // The server recorded what the library sent, parsed by our codec.
    const sent = h.server.connections[0]?.actions.map((a) => a.headers.find(([k]) => k.toLowerCase() === 'action')?.[1]);
    expect(sent).toEqual(['login', 'Ping']);
  });

  it('is refused with the server\'s error when the secret is wrong', async () => {
    h = await startHarness();
    const c = new AmiClient({ reconnect: false });
    client = c;
    await expect(c.connect('crm', 'wrong', { host: '127.0.0.1', port: h.server.port })).rejects.toThrow(/Authentication failed/);
  });
});
