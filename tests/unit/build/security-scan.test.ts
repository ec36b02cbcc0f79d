// Static security scan of the Electron code with Electronegativity (its own
// parser and checks; see tests/support/electronegativity.ts for why not its
// CLI runner): the main-process host (src-main/hosts/electron) and the UI
// (src-renderer) in one pass, so the global checks see the navigation and
// permission handlers. Every finding must be explained in
// build/electronegativity-allowlist.json with evidence still present in the
// code; an explanation that no longer matches a finding must go. The CSP,
// which the scanner cannot see (it is a response header built by a function),
// is evaluated here with the evaluator the scanner's CSP check uses.
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { createRequire } from 'node:module';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { NETWORK_CHECKS, scanWithElectronegativity, type EngFinding, type EngScan } from '../../support/electronegativity';
import { contentSecurityPolicy } from '../../../src-main/core/security/csp';

const require = createRequire(import.meta.url);
const ROOT = path.resolve(import.meta.dirname, '../../..');
const SCANNED_DIRS = ['src-main/hosts/electron', 'src-renderer'];
const ELECTRON_VERSION = (JSON.parse(fs.readFileSync(require.resolve('electron/package.json'), 'utf8')) as { version: string }).version;

interface Evidence {
  readonly file: string;
  readonly contains: string;
}
interface Explained {
  readonly check: string;
  readonly file: string;
  readonly match?: string;
  readonly reason: string;
  readonly evidence: readonly Evidence[];
}
interface Allowlist {
  readonly excludedChecks: readonly { readonly check: string; readonly reason: string }[];
  readonly findings: readonly Explained[];
}
const allowlist = JSON.parse(fs.readFileSync(path.join(ROOT, 'build/electronegativity-allowlist.json'), 'utf8')) as Allowlist;

const explains = (e: Explained, f: EngFinding): boolean => e.check === f.check && e.file === f.file && (e.match === undefined || f.sample.includes(e.match));
const show = (f: EngFinding): string => `${f.check} ${f.file}:${f.line} [${f.severity}/${f.confidence}] ${f.sample}`;

let scan: EngScan;
beforeAll(async () => {
  scan = await scanWithElectronegativity({ root: ROOT, dirs: SCANNED_DIRS, electronVersion: ELECTRON_VERSION });
});

describe('Electronegativity scan of the Electron code', () => {
  it('parses every file it is given, and runs every check but the network one', () => {
    expect(scan.parseErrors).toEqual([]);
    for (const f of ['src-main/hosts/electron/main.ts', 'src-main/hosts/electron/windows.ts', 'src-main/hosts/electron/preload.ts', 'src-main/hosts/electron/hardening.ts', 'src-renderer/index.html', 'src-renderer/App.tsx']) {
      expect(scan.scannedFiles).toContain(f);
    }
    expect(scan.checks.atomic).toBeGreaterThanOrEqual(36);
    expect(scan.checks.global).toEqual(expect.arrayContaining(['CSPGlobalCheck', 'LimitNavigationGlobalCheck', 'PermissionRequestHandlerGlobalCheck']));
    expect(scan.checks.global).not.toContain(NETWORK_CHECKS[0]);
    expect(allowlist.excludedChecks.map((c) => c.check)).toEqual([...NETWORK_CHECKS]);
  });

  it('leaves no finding unexplained', () => {
    const unexplained = scan.findings.filter((f) => !allowlist.findings.some((e) => explains(e, f)));
    expect(unexplained.map(show)).toEqual([]);
  });

  it('has no explanation left over for a finding that is gone', () => {
    const stale = allowlist.findings.filter((e) => !scan.findings.some((f) => explains(e, f)));
    expect(stale.map((e) => `${e.check} ${e.file} ${e.match ?? ''}`)).toEqual([]);
  });

  it('backs every explanation with evidence that is still in the code', () => {
    for (const e of allowlist.findings) {
      expect(e.reason.length, `${e.check} ${e.file}`).toBeGreaterThan(40);
      expect(e.evidence.length, `${e.check} ${e.file}`).toBeGreaterThan(0);
      for (const ev of e.evidence) {
        const text = fs.readFileSync(path.join(ROOT, ev.file), 'utf8');
        expect(text.includes(ev.contains), `${e.check} ${e.file}: "${ev.contains}" in ${ev.file}`).toBe(true);
      }
    }
  });

  it('finds the navigation and permission handlers (no global "missing" finding)', () => {
    expect(scan.findings.filter((f) => f.check === 'LIMIT_NAVIGATION_GLOBAL_CHECK' || f.check === 'PERMISSION_REQUEST_HANDLER_GLOBAL_CHECK').map(show)).toEqual([]);
  });
});

describe('the scanner itself', () => {
  let dir: string;
  beforeAll(() => {
    dir = fs.mkdtempSync(path.join(os.tmpdir(), 'sidecall-eng-'));
    fs.mkdirSync(path.join(dir, 'app'));
    fs.writeFileSync(
      path.join(dir, 'app/main.ts'),
      [
        "import { BrowserWindow, shell } from 'electron';",
        'export function open(url: string): void {',
        "  const w = new BrowserWindow({ webPreferences: { nodeIntegration: true, contextIsolation: false, sandbox: false, webSecurity: false } });",
        '  void w.loadURL(url);',
        '  void shell.openExternal(url);',
        '}',
      ].join('\n'),
    );
  });
  afterAll(() => fs.rmSync(dir, { recursive: true, force: true }));

  it('reports a window without isolation, sandbox or web security, openExternal and missing guards (so a clean result means something)', async () => {
    const result = await scanWithElectronegativity({ root: dir, dirs: ['app'], electronVersion: ELECTRON_VERSION });
    const ids = new Set(result.findings.map((f) => f.check));
    for (const id of ['CONTEXT_ISOLATION_JS_CHECK', 'SANDBOX_JS_CHECK', 'WEB_SECURITY_JS_CHECK', 'OPEN_EXTERNAL_JS_CHECK', 'LIMIT_NAVIGATION_GLOBAL_CHECK']) {
      expect(ids, id).toContain(id);
    }
  });
});

describe('the Content-Security-Policy of app:// (what CSP_GLOBAL_CHECK cannot see)', () => {
  const csp = require('@doyensec/csp-evaluator') as {
    CspParser: new (policy: string) => { csp: unknown };
    CspEvaluator: new (csp: unknown, version: unknown) => { evaluate(): { severity: number; directive: string; description: string }[] };
    Version: { CSP3: unknown };
    severities: Record<string, number>;
  };
  const evaluate = (policy: string) => new csp.CspEvaluator(new csp.CspParser(policy).csp, csp.Version.CSP3).evaluate();

  it("has no finding but the evaluator's standing note on 'self' (app:// serves only Sidecall's own bundle: no JSONP, no uploads)", () => {
    const findings = evaluate(contentSecurityPolicy()).map((f) => ({ severity: f.severity, directive: f.directive }));
    expect(findings).toEqual([{ severity: csp.severities['MEDIUM_MAYBE'], directive: 'script-src' }]);
    // With the softphone's PBX WebSocket allowed, still nothing more.
    expect(evaluate(contentSecurityPolicy(['wss://pbx.corp.lan:8089'])).map((f) => f.directive)).toEqual(['script-src']);
  });

  it('would be caught if it were weakened', () => {
    const weak = contentSecurityPolicy().replace("script-src 'self'", "script-src 'self' 'unsafe-inline'");
    expect(evaluate(weak).some((f) => f.severity <= (csp.severities['MEDIUM'] ?? 0))).toBe(true);
  });
});
