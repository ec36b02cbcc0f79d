// Signed recording links against a real nginx with the secure_link module, set
// up as docs/crm-reporting.md tells IT to: our link opens the recording, a
// tampered or expired one does not.
import { spawn, type ChildProcess } from 'node:child_process';
import fs from 'node:fs';
import net from 'node:net';
import os from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { recordingLink as makeLink, type RecordingLinkInput, type RecordingLinkSigning } from '../../../src-main/core/reporting/recording-link';
import { freePort } from '../../support/loopback';

function recordingLink(template: string, input: RecordingLinkInput, signing?: RecordingLinkSigning): string {
  const url = makeLink(template, input, signing);
  if (url === undefined) throw new Error(`no link from ${template}`);
  return url;
}

const NGINX = '/usr/sbin/nginx';
const SECRET = 'rec-secret-🙂-42';
let dir = '';
let port = 0;
let child: ChildProcess | undefined;
/** A name with characters the link percent-encodes: '+', a space, Cyrillic. */
const ENCODED_NAME = 'in-+79161234567-101 Иван.wav';

async function untilListening(p: number): Promise<void> {
  for (let i = 0; i < 100; i += 1) {
    const ok = await new Promise<boolean>((resolve) => {
      const s = net.connect(p, '127.0.0.1', () => {
        s.end();
        resolve(true);
      });
      s.once('error', () => resolve(false));
    });
    if (ok) return;
    await new Promise((r) => setTimeout(r, 50));
  }
  throw new Error(`nginx did not listen on ${p}`);
}

beforeAll(async () => {
  if (!fs.existsSync(NGINX)) throw new Error('nginx is not installed: .ci/run installs nginx-light (apt-get install nginx-light)');
  dir = fs.mkdtempSync(path.join(os.tmpdir(), 'sidecall-nginx-'));
  port = await freePort();
  const root = path.join(dir, 'spool');
  fs.mkdirSync(path.join(root, 'rec', '2026', '11', '26'), { recursive: true });
  fs.writeFileSync(path.join(root, 'rec', '2026', '11', '26', 'in-101-1764150000.1.wav'), 'RIFF-demo-audio');
  fs.writeFileSync(path.join(root, 'rec', '2026', '11', '26', ENCODED_NAME), 'RIFF-named-audio');
  fs.writeFileSync(
    path.join(dir, 'nginx.conf'),
    `daemon off;
master_process off;
worker_processes 1;
pid ${dir}/nginx.pid;
error_log ${dir}/error.log warn;
events { worker_connections 64; }
http {
  access_log off;
  client_body_temp_path ${dir}/tmp-body;
  proxy_temp_path ${dir}/tmp-proxy;
  fastcgi_temp_path ${dir}/tmp-fcgi;
  uwsgi_temp_path ${dir}/tmp-uwsgi;
  scgi_temp_path ${dir}/tmp-scgi;
  server {
    listen 127.0.0.1:${port};
    root ${root};
    location /rec/ {
      secure_link $arg_md5,$arg_expires;
      secure_link_md5 "$secure_link_expires$uri ${SECRET}";
      if ($secure_link = "") { return 403; }
      if ($secure_link = "0") { return 410; }
    }
    # Links that never expire (Settings -> Reporting, lifetime 0) need secure_link without the expiry part.
    location /perm/ {
      secure_link $arg_md5;
      secure_link_md5 "$secure_link_expires$uri ${SECRET}";
      if ($secure_link = "") { return 403; }
      alias ${root}/rec/;
    }
  }
}
`,
  );
  child = spawn(NGINX, ['-c', path.join(dir, 'nginx.conf'), '-p', dir], { stdio: ['ignore', 'ignore', 'pipe'] });
  let stderr = '';
  child.stderr?.on('data', (d: Buffer) => (stderr += d.toString()));
  child.once('exit', (code) => {
    if (code) console.error(`nginx exited ${code}: ${stderr}`);
  });
  await untilListening(port);
});

afterAll(() => {
  child?.kill('SIGTERM');
  if (dir) fs.rmSync(dir, { recursive: true, force: true });
});

const input = {
  file: '/var/spool/asterisk/monitor/in-101-1764150000.1.wav',
  linkedid: '1764150000.1',
  uniqueid: '1764150000.1',
  extension: '101',
  startedAt: new Date(2026, 10, 26, 10, 0, 0).getTime(),
};

async function status(url: string): Promise<number> {
  return (await fetch(url)).status;
}

describe('recording links signed as nginx secure_link', () => {
  const template = () => `http://127.0.0.1:${port}/rec/{yyyy}/{mm}/{dd}/{file}`;

  it('opens the recording with a valid expiring link', async () => {
    const url = recordingLink(template(), input, { secret: SECRET, expiresAt: Math.floor(Date.now() / 1000) + 3600 });
    expect(url).toMatch(/\/rec\/2026\/11\/26\/in-101-1764150000\.1\.wav\?md5=[A-Za-z0-9_-]{22}&expires=\d+$/);
    const res = await fetch(url);
    expect(res.status).toBe(200);
    expect(await res.text()).toBe('RIFF-demo-audio');
  });

  it('opens it with a link that never expires where nginx is set up for those', async () => {
    const url = recordingLink(`http://127.0.0.1:${port}/perm/{yyyy}/{mm}/{dd}/{file}`, input, { secret: SECRET });
    expect(url).not.toContain('expires=');
    expect(await status(url)).toBe(200);
    // A location that demands an expiry refuses it (docs/crm-reporting.md says which config goes with which).
    expect(await status(recordingLink(template(), input, { secret: SECRET }))).toBe(403);
  });

  it('refuses a link signed with another secret, a changed path or a changed expiry', async () => {
    const expiresAt = Math.floor(Date.now() / 1000) + 3600;
    expect(await status(recordingLink(template(), input, { secret: 'wrong', expiresAt }))).toBe(403);
    const good = recordingLink(template(), input, { secret: SECRET, expiresAt });
    expect(await status(good.replace('in-101', 'in-102'))).toBe(403);
    expect(await status(good.replace(/expires=(\d+)/, (_, e: string) => `expires=${Number(e) + 60}`))).toBe(403);
    expect(await status(good.replace(/\?.*$/, ''))).toBe(403);
  });

  it('refuses an expired link as gone', async () => {
    const url = recordingLink(template(), input, { secret: SECRET, expiresAt: Math.floor(Date.now() / 1000) - 10 });
    expect(await status(url)).toBe(410);
  });

  it("opens a recording whose name is percent-encoded in the link ('+', space, Cyrillic): signed as nginx's decoded $uri", async () => {
    const named = { ...input, file: `/var/spool/asterisk/monitor/${ENCODED_NAME}` };
    const url = recordingLink(template(), named, { secret: SECRET, expiresAt: Math.floor(Date.now() / 1000) + 3600 });
    expect(url).toContain(`/rec/2026/11/26/${encodeURIComponent(ENCODED_NAME)}?md5=`);
    const res = await fetch(url);
    expect(res.status).toBe(200);
    expect(await res.text()).toBe('RIFF-named-audio');
    const never = recordingLink(`http://127.0.0.1:${port}/perm/{yyyy}/{mm}/{dd}/{file}`, named, { secret: SECRET });
    expect(await status(never)).toBe(200);
    // Still bound to the name: another caller's recording is refused.
    expect(await status(url.replace('79161234567', '79161234568'))).toBe(403);
  });
});
