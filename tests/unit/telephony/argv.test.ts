// How the OS hands a link to Sidecall: Windows and Linux start a second instance
// whose argv the single-instance lock forwards (`second-instance`); the
// installers register `Sidecall -- %1`. Chromium adds its own switches to that
// argv, and a crafted link once could smuggle switches in (CVE-2018-1000006), so
// no argument starting with `-` is ever a link.
import { describe, expect, it } from 'vitest';
import { dialTargetFromLink, linkFromArgv, parseCallLink } from '../../../src-shared/telephony';

const EXE = 'C:\\Program Files\\Sidecall\\Sidecall.exe';

describe('linkFromArgv', () => {
  it('takes the link after -- (how the Windows installer registers the handler)', () => {
    expect(linkFromArgv([EXE, '--allow-file-access-from-files', '--', 'tel:+79161234567'])).toBe('tel:+79161234567');
  });

  it('ignores Chromium switches Electron adds after the link in a second instance', () => {
    expect(linkFromArgv([EXE, '--', 'tel:+79161234567', '--allow-file-access-from-files', '--original-process-start-time=13380000000000000'])).toBe(
      'tel:+79161234567',
    );
  });

  it('never returns a switch, even one that carries a link', () => {
    expect(linkFromArgv(['app', '--gpu-launcher=calc', 'tel:1'])).toBe('tel:1');
    expect(linkFromArgv(['app', '--gpu-launcher=tel:1'])).toBeUndefined();
    expect(linkFromArgv(['app', '--', '--gpu-launcher=calc', 'tel:1'])).toBe('tel:1');
    expect(linkFromArgv(['app', '--', '-tel:1'])).toBeUndefined();
    expect(linkFromArgv(['app', '--renderer-cmd-prefix=tel:1', '--', '--utility-cmd-prefix=sip:2'])).toBeUndefined();
  });

  it('takes the first link after --, else the last link anywhere', () => {
    expect(linkFromArgv(['app', 'tel:1', '--', 'https://evil.example', 'callto:2', 'tel:3'])).toBe('callto:2');
    expect(linkFromArgv(['app', 'tel:1', '--', 'not-a-link'])).toBe('tel:1');
    expect(linkFromArgv(['app', 'tel:1', 'tel:2'])).toBe('tel:2');
    expect(linkFromArgv(['/usr/bin/sidecall', 'sip:101@pbx', 'sips:102@pbx'])).toBe('sips:102@pbx');
  });

  it('matches schemes case-insensitively and nothing else', () => {
    expect(linkFromArgv(['/usr/bin/sidecall', 'TEL:+79161234567'])).toBe('TEL:+79161234567');
    expect(linkFromArgv(['app', 'CallTo://+79161234567'])).toBe('CallTo://+79161234567');
    expect(linkFromArgv(['app', 'javascript:alert(1)', 'file:///etc/passwd', 'telnet:host', 'tel'])).toBeUndefined();
    expect(linkFromArgv(['app', ' tel:1'])).toBeUndefined();
  });

  it('returns nothing for an empty or link-less command line', () => {
    expect(linkFromArgv([])).toBeUndefined();
    expect(linkFromArgv([EXE])).toBeUndefined();
    expect(linkFromArgv([EXE, '--'])).toBeUndefined();
    expect(linkFromArgv([EXE, '--', ''])).toBeUndefined();
    expect(linkFromArgv([EXE, '--hidden'])).toBeUndefined();
  });

  it('hands a quoting-escape attempt over as one argument, which the parser then refuses', () => {
    // With `"%1"` registered without `--`, `tel:1" --gpu-launcher="calc` broke out of the quotes;
    // with `--` it arrives whole and is only ever data.
    const link = linkFromArgv([EXE, '--', 'tel:1" --gpu-launcher="calc']);
    expect(link).toBe('tel:1" --gpu-launcher="calc');
    expect(parseCallLink(link ?? '')).toMatchObject({ ok: false, error: { code: 'dialplanSyntax' } });
  });

  it('a link from argv ends as a dial target (the path call control runs)', () => {
    const link = linkFromArgv([EXE, '--allow-file-access-from-files', '--', 'tel:+7-916-123-45-67;ext=12']);
    expect(dialTargetFromLink(link ?? '', { defaultRegion: 'RU' })).toMatchObject({
      ok: true,
      target: { kind: 'external', dial: '+79161234567', e164: '+79161234567', extension: '12' },
    });
    const hostile = linkFromArgv([EXE, '--', 'tel:123%0d%0aChannel: Local/666@evil']);
    expect(dialTargetFromLink(hostile ?? '', { defaultRegion: 'RU' })).toMatchObject({ ok: false, error: { code: 'controlCharacter' } });
  });
});
