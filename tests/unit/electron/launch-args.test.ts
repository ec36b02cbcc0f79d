// Launch command lines (first launch or second instance): which argument is the
// link, which switches count, and when Sidecall registers itself for tel:,
// callto: and sip:.
import { describe, expect, it } from 'vitest';
import { PROTOCOL_SCHEMES, REGISTER_PROTOCOLS_SWITCH, hasSwitch, launchLink, protocolRegistrations } from '../../../src-main/hosts/electron/launch-args';

describe('launchLink', () => {
  it('takes the link after --, as the registration puts it', () => {
    expect(launchLink(['/opt/Sidecall/sidecall', '--', 'tel:+74951234567'])).toBe('tel:+74951234567');
    expect(launchLink(['C:\\Program Files\\Sidecall\\Sidecall.exe', '--', 'callto:101'])).toBe('callto:101');
  });

  it('never reads a Chromium switch as the link, even one inserted into a second instance or placed after --', () => {
    // Chromium adds its own switches to a second instance's argv, some before the separator.
    expect(launchLink(['/opt/Sidecall/sidecall', '--gpu-launcher=calc', '--', 'tel:+7-916-123-45-67'])).toBe('tel:+7-916-123-45-67');
    expect(launchLink(['/opt/Sidecall/sidecall', '--allow-file-access-from-files', '--original-process-start-time=1', '--', 'sip:101@pbx'])).toBe('sip:101@pbx');
    // A link crafted to look like a switch is not a link.
    expect(launchLink(['sidecall', '--', '--inspect=9229'])).toBeUndefined();
    expect(launchLink(['electron', '--tel:123'])).toBeUndefined();
  });

  it('takes a bare link without -- (macOS and some Linux desktops), the last one when there are several', () => {
    expect(launchLink(['Sidecall', 'SIP:op@pbx.example.com'])).toBe('SIP:op@pbx.example.com');
    expect(launchLink(['Sidecall', 'callto:101', 'sips:x@y'])).toBe('sips:x@y');
  });

  it('prefers what follows -- over a link-looking argument before it', () => {
    expect(launchLink(['sidecall', 'tel:111', '--', 'tel:222'])).toBe('tel:222');
  });

  it('finds nothing in a plain launch', () => {
    expect(launchLink(['electron', '/work/main', '--data-dir', '/tmp/x', 'https://x.example/'])).toBeUndefined();
    expect(launchLink([])).toBeUndefined();
  });

  it('hands over a hostile link unchanged: refusing it is the core\'s job, not the command line\'s', () => {
    expect(launchLink(['sidecall', '--', 'tel:123%0d%0aChannel: Local/666@evil'])).toBe('tel:123%0d%0aChannel: Local/666@evil');
  });
});

describe('hasSwitch', () => {
  it('sees options before -- only: after it, everything is data (maybe a hostile link)', () => {
    expect(hasSwitch(['electron', '.', REGISTER_PROTOCOLS_SWITCH], REGISTER_PROTOCOLS_SWITCH)).toBe(true);
    expect(hasSwitch(['sidecall', '--', REGISTER_PROTOCOLS_SWITCH], REGISTER_PROTOCOLS_SWITCH)).toBe(false);
    expect(hasSwitch(['sidecall', `${REGISTER_PROTOCOLS_SWITCH}=1`], REGISTER_PROTOCOLS_SWITCH)).toBe(false);
  });
});

describe('protocolRegistrations', () => {
  it('registers tel, callto and sip in packaged builds on macOS and Linux, with -- before the link', () => {
    for (const platform of ['darwin', 'linux']) {
      const regs = protocolRegistrations({ platform, packaged: true, devFlag: false, execPath: '/opt/Sidecall/sidecall' });
      expect(regs.map((r) => r.scheme)).toEqual([...PROTOCOL_SCHEMES]);
      for (const r of regs) expect(r).toMatchObject({ path: '/opt/Sidecall/sidecall', args: ['--'] });
    }
    expect(PROTOCOL_SCHEMES).toEqual(['tel', 'callto', 'sip']);
  });

  it('a packaged build on Windows never registers itself (the installer does, per machine; HKCU would override it)', () => {
    expect(protocolRegistrations({ platform: 'win32', packaged: true, devFlag: false, execPath: 'C:\\Sidecall\\Sidecall.exe' })).toEqual([]);
    expect(protocolRegistrations({ platform: 'win32', packaged: true, devFlag: true, execPath: 'C:\\Sidecall\\Sidecall.exe', appPath: 'C:\\x' })).toEqual([]);
  });

  it('never registers a development or test run unless asked', () => {
    expect(protocolRegistrations({ platform: 'linux', packaged: false, devFlag: false, execPath: '/x/electron', appPath: '/work/main' })).toEqual([]);
    // Asked, but without an app path Electron could not start the right app.
    expect(protocolRegistrations({ platform: 'linux', packaged: false, devFlag: true, execPath: '/x/electron' })).toEqual([]);
  });

  it('in development, when asked, starts Electron with the app folder (and this profile), then -- before the link', () => {
    const regs = protocolRegistrations({ platform: 'linux', packaged: false, devFlag: true, execPath: '/x/electron', appPath: '/work/main', dataDir: '/tmp/profile' });
    expect(regs).toHaveLength(3);
    for (const r of regs) expect(r).toMatchObject({ path: '/x/electron', args: ['/work/main', '--data-dir', '/tmp/profile', '--'] });
    expect(protocolRegistrations({ platform: 'linux', packaged: false, devFlag: true, execPath: '/x/electron', appPath: '/work/main' })[0]?.args).toEqual(['/work/main', '--']);
  });
});
