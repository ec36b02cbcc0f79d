import { createHash } from 'node:crypto';
import { describe, expect, it } from 'vitest';
import { checkRecordingTemplate, recordingLink, signSecureLink } from '../../../src-main/core/reporting/recording-link';

const input = { file: '/var/spool/asterisk/monitor/in 101+x.wav', linkedid: '1764.1', uniqueid: '1764.2', extension: '101', startedAt: new Date(2026, 0, 5, 23, 59).getTime() };

describe('recording links', () => {
  it('fills every placeholder, file names URL-encoded, date parts in local time', () => {
    expect(recordingLink('https://pbx/rec/{yyyy}/{mm}/{dd}/{file}?l={linkedid}&u={uniqueid}&e={extension}&b={file_base}', input)).toBe(
      'https://pbx/rec/2026/01/05/in%20101%2Bx.wav?l=1764.1&u=1764.2&e=101&b=in%20101%2Bx',
    );
    expect(recordingLink('https://pbx/{path}', input)).toBe('https://pbx/var/spool/asterisk/monitor/in%20101%2Bx.wav');
  });

  it('refuses unusable templates with a message that says what to write', () => {
    expect(checkRecordingTemplate('')).toBeUndefined();
    expect(checkRecordingTemplate('ftp://pbx/{file}')).toMatch(/http/);
    expect(checkRecordingTemplate('https://pbx/{name}')).toMatch(/Unknown placeholder \{name\}/);
    expect(checkRecordingTemplate('https://pbx/rec/')).toMatch(/\{file\}/);
    expect(recordingLink('https://pbx/{nope}/{file}', input)).toBeUndefined();
    expect(recordingLink('', input)).toBeUndefined();
  });

  it('signs as nginx secure_link computes it: base64url(md5(expires + uri + " " + secret))', () => {
    const url = signSecureLink('https://pbx.example.com/rec/a.wav?x=1', { secret: 's3cr3t', expiresAt: 2147483647 });
    const want = createHash('md5').update('2147483647/rec/a.wav s3cr3t').digest('base64').replace(/=+$/, '').replace(/\+/g, '-').replace(/\//g, '_');
    expect(url).toBe(`https://pbx.example.com/rec/a.wav?x=1&md5=${want}&expires=2147483647`);
  });

  it('signs the decoded path nginx compares ($uri), while the link itself stays percent-encoded', () => {
    const file = 'in-+79161234567-101 Иван.wav';
    const url = recordingLink('https://pbx.example.com/rec/{file}', { ...input, file }, { secret: 's3cr3t', expiresAt: 2147483647 });
    const encoded = `/rec/${encodeURIComponent(file)}`;
    const want = createHash('md5').update(`2147483647/rec/${file} s3cr3t`, 'utf8').digest('base64url');
    expect(url).toBe(`https://pbx.example.com${encoded}?md5=${want}&expires=2147483647`);
    // Not the hash of the encoded form nginx never sees.
    expect(url).not.toContain(createHash('md5').update(`2147483647${encoded} s3cr3t`).digest('base64url'));
    // A stray '%' in the template (no escape sequence) does not throw: it is signed as written.
    const odd = signSecureLink('https://pbx.example.com/rec/100%.wav', { secret: 's3cr3t' });
    expect(odd).toBe(`https://pbx.example.com/rec/100%.wav?md5=${createHash('md5').update('/rec/100%.wav s3cr3t').digest('base64url')}`);
  });
});
