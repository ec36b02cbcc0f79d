// The Windows installers' additions, checked without Windows:
// - build/installer.nsh (NSIS include): Default Apps registration for tel:,
//   callto: and sip: with `-- "%1"` after Sidecall's options, the command-line
//   policy options, the "start at login" page, and -WX discipline (installer-
//   only code out of the uninstaller build);
// - build/msi-project.mjs (msiProjectCreated hook): the same registration and
//   properties added to a WiX project shaped like electron-builder's template,
//   parsed back as XML;
// - both against build/installer-options.json, the Settings schema, and the
//   policy reader of src-main/core/policy (what the installers write is what
//   the app reads back).
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { createRequire } from 'node:module';
import { afterEach, describe, expect, it } from 'vitest';
import { LINK_COMMAND, MAIN_EXECUTABLE, SCHEMES, addSidecallToWxs, schemeCondition, componentGuid, installerOptions, type InstallerOption } from '../../../build/msi-project.mjs';
import { hasSwitch, launchLink, PROTOCOL_SCHEMES } from '../../../src-main/hosts/electron/launch-args';
import { SETTINGS_PATHS, settingsLeafSchema } from '../../../src-main/core/settings/layered-settings';
import { policyFromSources } from '../../../src-main/core/policy/policy';
import { registryPolicyDocument } from '../../../src-main/adapters/policy/registry';

const require = createRequire(import.meta.url);
const { parseXml } = require('builder-util-runtime') as { parseXml(text: string): XElement };
interface XElement {
  readonly name: string;
  readonly attributes: Record<string, string> | null;
  readonly elements: XElement[] | null;
  readonly value: string;
  attribute(name: string): string;
  element(name: string): XElement;
  getElements(name: string): XElement[];
}

const ROOT = path.resolve(import.meta.dirname, '../../..');
const nsh = fs.readFileSync(path.join(ROOT, 'build/installer.nsh'), 'utf8');
const yml = fs.readFileSync(path.join(ROOT, 'electron-builder.yml'), 'utf8');
const options = installerOptions();
const deployment = fs.readFileSync(path.join(ROOT, 'docs/deployment.md'), 'utf8');
/** Options whose value is a URL: ${GetOptions} would cut it at its first "/". */
const isUrlOption = (o: InstallerOption): boolean => o.type === 'string' && /(^|_)URL$/.test(o.property);

/** Windows' CommandLineToArgvW for the cases here: whitespace separates, double quotes group. */
function splitCommandLine(line: string): string[] {
  const args: string[] = [];
  let current = '';
  let quoted = false;
  let started = false;
  for (const ch of line) {
    if (ch === '"') {
      quoted = !quoted;
      started = true;
    } else if (/\s/.test(ch) && !quoted) {
      if (started) args.push(current);
      current = '';
      started = false;
    } else {
      current += ch;
      started = true;
    }
  }
  if (started) args.push(current);
  return args;
}

/** The NSIS define's value, with the compile-time and install-time variables filled in. */
function nsisDefine(name: string): string {
  const m = new RegExp(`^!define ${name} (['"])(.*)\\1$`, 'm').exec(nsh);
  if (!m?.[2]) throw new Error(`no !define ${name}`);
  return m[2];
}

describe('NSIS include (build/installer.nsh)', () => {
  it('is the include electron-builder.yml names', () => {
    expect(/^ {2}include: (.+)$/m.exec(yml)?.[1]).toBe('build/installer.nsh');
  });

  it('registers the three schemes for Default Apps: Capabilities, URLAssociations, RegisteredApplications, one ProgID each', () => {
    expect(nsisDefine('SIDECALL_CAPABILITIES')).toBe('Software\\${PRODUCT_NAME}\\Capabilities');
    expect(nsh).toContain('WriteRegStr HKLM "Software\\RegisteredApplications" "${PRODUCT_NAME}" "${SIDECALL_CAPABILITIES}"');
    expect(nsh).toContain('WriteRegStr HKLM "${SIDECALL_CAPABILITIES}" "ApplicationName" "${PRODUCT_NAME}"');
    expect(nsh).toContain('WriteRegStr HKLM "${SIDECALL_CAPABILITIES}\\URLAssociations" "${SCHEME}" "${PRODUCT_NAME}.${SCHEME}"');
    expect(nsh).toContain('WriteRegStr HKLM "Software\\Classes\\${PRODUCT_NAME}.${SCHEME}\\shell\\open\\command" "" \'${SIDECALL_COMMAND}\'');
    const registered = [...nsh.matchAll(/^\s*!insertmacro sidecallProgId "([a-z]+)"/gm)].map((m) => m[1]);
    expect(registered).toEqual([...PROTOCOL_SCHEMES]);
    const removed = [...nsh.matchAll(/^\s*!insertmacro sidecallRemoveProgId "([a-z]+)"/gm)].map((m) => m[1]);
    expect(removed).toEqual([...PROTOCOL_SCHEMES]);
    // The scheme key itself is claimed only where no handler exists, and removed only if it is still ours.
    expect(nsh).toMatch(/ReadRegStr \$0 HKCR "\$\{SCHEME\}\\shell\\open\\command" ""\s+\$\{If\} \$\{Errors\}\s+\$\{OrIf\} \$0 == ""/);
    expect(nsh).toMatch(/\$\{AndIf\} \$0 == '\$\{SIDECALL_COMMAND\}'\s+DeleteRegKey HKLM "Software\\Classes\\\$\{SCHEME\}"/);
  });

  it('registers a command that ends the options with -- before the link, so a link cannot become a switch', () => {
    const command = nsisDefine('SIDECALL_COMMAND');
    expect(command).toBe('"$INSTDIR\\${APP_EXECUTABLE_FILENAME}" -- "%1"');
    const launch = (link: string): string[] =>
      splitCommandLine(command.replace('$INSTDIR', 'C:\\Program Files\\Sidecall').replace('${APP_EXECUTABLE_FILENAME}', 'Sidecall.exe').replace('%1', link));
    expect(launch('tel:+74951234567')).toEqual(['C:\\Program Files\\Sidecall\\Sidecall.exe', '--', 'tel:+74951234567']);
    expect(launchLink(launch('tel:+74951234567'))).toBe('tel:+74951234567');
    // A link that closes the quote and adds switches: they land after --, where Chromium and Sidecall read no switch.
    const hostile = launch('tel:1" --inspect=9229 --gpu-launcher="calc.exe');
    expect(hostile.slice(0, 3)).toEqual(['C:\\Program Files\\Sidecall\\Sidecall.exe', '--', 'tel:1']);
    expect(hostile).toContain('--inspect=9229');
    expect(hasSwitch(hostile, '--inspect=9229')).toBe(false);
    expect(launchLink(hostile)).toBe('tel:1');
  });

  it('takes the options of installer-options.json and writes them where the policy reader looks', () => {
    expect(nsisDefine('SIDECALL_POLICY_KEY')).toBe('Software\\Policies\\${PRODUCT_NAME}');
    const listed = [...nsh.matchAll(/^\s*!insertmacro (?:sidecallPolicyOption "([A-Z_]+)" "([a-zA-Z.]+)" (string|boolean)|sidecallUrlOption "([A-Z_]+)" "([a-zA-Z.]+)")$/gm)].map((m) =>
      m[4] ? { property: m[4], path: m[5], type: 'string' } : { property: m[1], path: m[2], type: m[3] },
    );
    const fromTable = options.options.filter((o) => o.property !== 'START_AT_LOGIN');
    expect(listed).toEqual(fromTable);
    // START_AT_LOGIN comes from the page or /START_AT_LOGIN=, into the same key.
    expect(options.options.find((o) => o.property === 'START_AT_LOGIN')).toEqual({ property: 'START_AT_LOGIN', path: 'shell.startAtLogin', type: 'boolean' });
    expect(nsh).toContain('${GetOptions} $R9 "/START_AT_LOGIN=" $R8');
    expect(nsh).toContain('WriteRegDWORD HKLM "$R7" "shell.startAtLogin" 1');
    expect(nsh).toContain('WriteRegDWORD HKLM "$R7" "shell.startAtLogin" 0');
    // Recommended (defaults) unless /LOCK_SETTINGS=1.
    expect(nsh).toContain(`\${GetOptions} $R9 "/${options.lockProperty}=" $R8`);
    expect(nsh).toContain('StrCpy $R7 "${SIDECALL_POLICY_KEY}\\Recommended"');
    expect(nsh).toContain('StrCpy $R7 "${SIDECALL_POLICY_KEY}"');
  });

  it('reads URL-valued options past their slashes (${GetOptions} would end /UPDATE_URL=https://... at "https:")', () => {
    const urlOptions = options.options.filter(isUrlOption);
    expect(urlOptions.map((o) => o.property)).toEqual(['UPDATE_URL']);
    for (const o of urlOptions) {
      expect(nsh).toMatch(new RegExp(`^\\s*!insertmacro sidecallUrlOption "${o.property}" "${o.path}"$`, 'm'));
      expect(nsh).not.toContain(`"/${o.property}="  $R8`);
      expect(nsh).not.toMatch(new RegExp(`sidecallPolicyOption "${o.property}"`));
    }
    // The macro reads to the next space, or between quotes, never by ${GetOptions}.
    const macro = nsh.slice(nsh.indexOf('!macro sidecallUrlOption'), nsh.indexOf('!macroend', nsh.indexOf('!macro sidecallUrlOption')));
    expect(macro).not.toContain('GetOptions');
    expect(macro).toContain('StrCpy $R6 " "');
    expect(macro).toContain(`StrCpy $R6 '"'`);
    expect(macro).toContain('WriteRegStr HKLM "$R7" "${PATH}" "$R8"');
  });

  it('documents URL-valued options quoted in every example command of docs/deployment.md', () => {
    const urlOptions = options.options.filter(isUrlOption);
    const commands = [...deployment.matchAll(/```bat\n([\s\S]*?)```/g)].flatMap((m) => (m[1] ?? '').split('\n')).filter((l) => /msiexec|Setup.*\.exe/.test(l));
    expect(commands.length).toBeGreaterThanOrEqual(2);
    for (const o of urlOptions) {
      const uses = commands.filter((c) => c.includes(`${o.property}=`));
      // Both installers' examples show the option, and every use quotes its value.
      expect(uses.some((c) => c.includes('msiexec'))).toBe(true);
      expect(uses.some((c) => c.includes(`/${o.property}=`))).toBe(true);
      for (const c of uses) {
        const args = splitCommandLine(c);
        expect(c, c).toMatch(new RegExp(`${o.property}="https://[^"\\s]+"`));
        expect(args.find((a) => a.replace(/^\//, '').startsWith(`${o.property}=`))).toMatch(new RegExp(`^/?${o.property}=https://`));
      }
      expect(deployment).toContain(`\`/${o.property}="https://`);
    }
  });

  it('keeps installer-only variables and functions out of the uninstaller build (electron-builder compiles with -WX)', () => {
    const lines = nsh.split('\n');
    const open = lines.findIndex((l) => l === '!ifndef BUILD_UNINSTALLER');
    const close = lines.findIndex((l, i) => i > open && l === '!endif');
    expect(open).toBeGreaterThan(0);
    expect(close).toBeGreaterThan(open);
    lines.forEach((line, i) => {
      if (/^\s*(Var|Function)\s/.test(line)) expect(i > open && i < close, `line ${i + 1}: ${line.trim()}`).toBe(true);
    });
    // The uninstaller's macro is outside (the uninstaller build needs it) and does nothing during an update.
    const uninstall = lines.findIndex((l) => l.startsWith('!macro customUnInstall'));
    expect(uninstall).toBeGreaterThan(close);
    expect(nsh.slice(nsh.indexOf('!macro customUnInstall'))).toMatch(/^\s+\$\{IfNot\} \$\{isUpdated\}/m);
  });

  it('never removes IT policy on uninstall', () => {
    const uninstall = nsh.slice(nsh.indexOf('!macro customUnInstall'));
    expect(uninstall).toContain('DeleteRegValue HKLM "Software\\RegisteredApplications" "${PRODUCT_NAME}"');
    expect(uninstall).not.toMatch(/Policies|SIDECALL_POLICY_KEY/);
  });

  it('offers "Start Sidecall when I sign in" on a page of the interactive installer, skipped on updates', () => {
    expect(nsh).toMatch(/!macro customPageAfterChangeDir\s+Page custom sidecallStartPage sidecallStartPageLeave/);
    expect(nsh).toContain('${NSD_CreateCheckbox} 0 30u 100% 12u "Start Sidecall when I sign in"');
    expect(nsh).toMatch(/Function sidecallStartPage\s+;[^\n]*\n\s+\$\{If\} \$\{isUpdated\}\s+Abort/);
  });
});

/** A project as electron-builder writes it from app-builder-lib/templates/msi/template.xml (assisted, per machine). */
const WXS = `<?xml version="1.0" encoding="UTF-8"?>
<Wix xmlns="http://wixtoolset.org/schemas/v4/wxs">
  <Product Id="*" Name="Sidecall" UpgradeCode="8f0b8c5e-4f6e-4c1b-9a51-2f3b7c4d9e10" Version="1.0.0" Language="1033" Codepage="65001" Manufacturer="Sidecall">
    <Package Compressed="yes" InstallerVersion="500"/>
    <MajorUpgrade AllowSameVersionUpgrades="yes" DowngradeErrorMessage='A newer version of "[ProductName]" is already installed.'/>
    <MediaTemplate CompressionLevel="high" EmbedCab="yes"/>
    <Property Id="ALLUSERS" Secure="yes" Value="1"/>
    <Directory Id="TARGETDIR" Name="SourceDir">
      <Directory Id="ProgramFiles64Folder">
        <Directory Id="APPLICATIONFOLDER" Name="Sidecall"/>
      </Directory>
    </Directory>
    <Feature Id="ProductFeature" Absent="disallow">
      <ComponentGroupRef Id="ProductComponents"/>
    </Feature>
    <ComponentGroup Id="ProductComponents" Directory="APPLICATIONFOLDER">
      <Component>
        <File Name="Sidecall.exe" Source="$(var.appDir)\\Sidecall.exe" ReadOnly="yes" KeyPath="yes" Id="mainExecutable"/>
      </Component>
    </ComponentGroup>
  </Product>
</Wix>
`;

const children = (e: XElement, name: string): XElement[] => (e.elements ?? []).filter((c) => c.name === name);
const registryValues = (component: XElement): Record<string, string>[] => children(component, 'RegistryValue').map((v) => ({ ...(v.attributes ?? {}) }));

describe('MSI hook (build/msi-project.mjs)', () => {
  const dirs: string[] = [];
  afterEach(() => {
    for (const d of dirs.splice(0)) fs.rmSync(d, { recursive: true, force: true });
  });

  const product = parseXml(addSidecallToWxs(WXS)).element('Product');
  const group = children(product, 'ComponentGroup').find((g) => g.attribute('Id') === 'SidecallRegistration');
  const components = group ? children(group, 'Component') : [];
  const byId = (id: string): XElement => {
    const c = components.find((x) => x.attribute('Id') === id);
    if (!c) throw new Error(`no component ${id}`);
    return c;
  };

  it("fits electron-builder's MSI template: both anchors are in it", () => {
    const template = fs.readFileSync(require.resolve('app-builder-lib/templates/msi/template.xml'), 'utf8');
    expect(template).toContain('<ComponentGroupRef Id="ProductComponents"/>');
    expect(template).toContain('</Product>');
    expect(template).toContain('FileKey="mainExecutable"');
  });

  it('adds one component group to the product feature, once', () => {
    expect(group).toBeDefined();
    const refs = children(product.element('Feature'), 'ComponentGroupRef').map((r) => r.attribute('Id'));
    expect(refs).toEqual(['ProductComponents', 'SidecallRegistration']);
    expect(addSidecallToWxs(addSidecallToWxs(WXS))).toBe(addSidecallToWxs(WXS));
    expect(() => addSidecallToWxs('<Wix><Product></Product></Wix>')).toThrow(/template changed/);
  });

  it('registers the schemes for Default Apps with -- before the link', () => {
    expect(LINK_COMMAND).toBe('"[#mainExecutable]" -- "%1"');
    const values = registryValues(byId('SidecallDefaultApps'));
    const at = (key: string, name?: string): string | undefined => values.find((v) => v['Key'] === key && v['Name'] === name)?.['Value'];
    expect(at('Software\\RegisteredApplications', 'Sidecall')).toBe('Software\\Sidecall\\Capabilities');
    expect(at('Software\\Sidecall\\Capabilities', 'ApplicationName')).toBe('Sidecall');
    expect(SCHEMES.map((s) => s.scheme)).toEqual([...PROTOCOL_SCHEMES]);
    for (const scheme of PROTOCOL_SCHEMES) {
      expect(at('Software\\Sidecall\\Capabilities\\URLAssociations', scheme)).toBe(`Sidecall.${scheme}`);
      expect(at(`Software\\Classes\\Sidecall.${scheme}\\shell\\open\\command`)).toBe('"[#mainExecutable]" -- "%1"');
      // The scheme key only where nothing handles the scheme (an AppSearch of its command), or Sidecall does (an upgrade).
      const own = byId(`SidecallScheme_${scheme}`);
      const h = `SIDECALL_${scheme.toUpperCase()}_HANDLER`;
      expect(children(own, 'Condition')[0]?.value).toBe(`NOT ${h} OR (${h} ~>< "\\Sidecall.exe" AND ${h} >< " -- ")`);
      expect(children(own, 'Condition')[0]?.value).toBe(schemeCondition(scheme));
      expect(registryValues(own)).toContainEqual(expect.objectContaining({ Key: `Software\\Classes\\${scheme}`, Name: 'URL Protocol', Value: '' }));
      const search = children(product, 'Property').find((p) => p.attribute('Id') === `SIDECALL_${scheme.toUpperCase()}_HANDLER`);
      expect(search?.element('RegistrySearch').attributes).toMatchObject({ Root: 'HKCR', Key: `${scheme}\\shell\\open\\command` });
    }
    for (const v of values) expect(v['Root']).toBe('HKLM');
  });

  it('a major upgrade keeps the scheme key: the condition holds for the old version\'s own command, not for another app\'s', () => {
    // The MSI condition operators used: ~>< contains (case-insensitive), >< contains.
    const holds = (condition: string, handler: string | undefined): boolean => {
      const m = /^NOT (\w+) OR \(\1 ~>< "([^"]+)" AND \1 >< "([^"]+)"\)$/.exec(condition);
      if (!m) throw new Error(`unexpected condition shape: ${condition}`);
      if (!handler) return true;
      return handler.toLowerCase().includes((m[2] ?? '').toLowerCase()) && handler.includes(m[3] ?? '');
    };
    expect(MAIN_EXECUTABLE).toBe('Sidecall.exe');
    const condition = schemeCondition('tel');
    // What an earlier Sidecall wrote, wherever it was installed (LINK_COMMAND with [#mainExecutable] resolved).
    for (const exe of ['C:\\Program Files\\Sidecall\\Sidecall.exe', 'D:\\Apps\\SIDECALL\\sidecall.exe']) {
      expect(holds(condition, LINK_COMMAND.replace('[#mainExecutable]', exe))).toBe(true);
    }
    expect(holds(condition, undefined)).toBe(true);
    // Another app's handler stays alone.
    expect(holds(condition, '"C:\\Program Files\\Microsoft\\Teams\\ms-teams.exe" "%1"')).toBe(false);
    expect(holds(condition, '"C:\\Program Files\\MicroSIP\\microsip.exe" "%1"')).toBe(false);
  });

  it('declares every option as a secure public property and writes it, permanently, as a default or locked', () => {
    const properties = children(product, 'Property').filter((p) => p.attributes?.['Secure'] === 'yes').map((p) => p.attribute('Id'));
    expect(properties).toEqual(expect.arrayContaining([...options.options.map((o) => o.property), options.lockProperty]));
    for (const o of options.options) {
      const byKind = { Default: byId(`SidecallPolicy_${o.property}_Default`), Locked: byId(`SidecallPolicy_${o.property}_Locked`) };
      for (const [kind, c] of Object.entries(byKind)) {
        expect(c.attribute('Permanent')).toBe('yes');
        expect(registryValues(c)).toEqual([
          { Root: 'HKLM', Key: kind === 'Locked' ? 'Software\\Policies\\Sidecall' : 'Software\\Policies\\Sidecall\\Recommended', Name: o.path, Type: o.type === 'boolean' ? 'integer' : 'string', Value: `[${o.property}]`, KeyPath: 'yes' },
        ]);
      }
      expect(children(byKind.Default, 'Condition')[0]?.value).toBe(`${o.property} AND NOT (LOCK_SETTINGS = "1")`);
      expect(children(byKind.Locked, 'Condition')[0]?.value).toBe(`${o.property} AND LOCK_SETTINGS = "1"`);
    }
  });

  it('gives every component its own stable GUID', () => {
    const guids = components.map((c) => c.attribute('Guid'));
    expect(new Set(guids).size).toBe(components.length);
    for (const g of guids) expect(g).toMatch(/^\{[0-9A-F]{8}-[0-9A-F]{4}-5[0-9A-F]{3}-[89AB][0-9A-F]{3}-[0-9A-F]{12}\}$/);
    expect(componentGuid('SidecallDefaultApps')).toBe(componentGuid('SidecallDefaultApps'));
    expect(componentGuid('SidecallDefaultApps')).not.toBe(componentGuid('SidecallScheme_tel'));
  });

  it('is the msiProjectCreated electron-builder loads, and rewrites the project file', async () => {
    const { resolveFunction } = require('app-builder-lib/out/util/resolve') as { resolveFunction(type: string | undefined, executor: unknown, name: string, root: string): Promise<unknown> };
    const hook = /^msiProjectCreated: (.+)$/m.exec(yml)?.[1]?.trim();
    expect(hook).toBe('./build/msi-project.mjs');
    const cwd = process.cwd();
    process.chdir(ROOT);
    let loaded: unknown;
    try {
      loaded = await resolveFunction('module', hook, 'msiProjectCreated', ROOT);
    } finally {
      process.chdir(cwd);
    }
    expect(loaded).toBeTypeOf('function');
    const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'sidecall-msi-'));
    dirs.push(dir);
    const file = path.join(dir, 'project.wxs');
    fs.writeFileSync(file, WXS);
    await (loaded as (f: string) => Promise<void>)(file);
    expect(fs.readFileSync(file, 'utf8')).toBe(addSidecallToWxs(WXS));
  });
});

describe('installer options (build/installer-options.json)', () => {
  it('name existing settings with the types the installers write', () => {
    for (const o of options.options) {
      expect(SETTINGS_PATHS, o.path).toContain(o.path);
      expect(o.property).toMatch(/^[A-Z][A-Z_]+$/);
    }
    expect(new Set(options.options.map((o) => o.property)).size).toBe(options.options.length);
    expect(options.lockProperty).toBe('LOCK_SETTINGS');
  });

  /** What the installers write for `given` (REG_SZ text, REG_DWORD 0/1), read back by the app's policy reader. */
  function readBack(given: Readonly<Record<string, string>>, locked: boolean) {
    const values: Record<string, unknown> = {};
    for (const o of options.options as readonly InstallerOption[]) {
      const v = given[o.property];
      if (v !== undefined) values[o.path] = o.type === 'boolean' ? Number(v) : v;
    }
    const doc = registryPolicyDocument(locked ? { mandatory: values, recommended: {} } : { mandatory: {}, recommended: values });
    return policyFromSources([{ source: 'HKLM\\Software\\Policies\\Sidecall', doc, lenient: true }]);
  }

  const given = { PBX_HOST: 'pbx.corp.lan', PBX_PORT: '5039', PBX_TLS: '1', AMI_USER: 'sidecall', UPDATE_URL: 'https://updates.corp.lan/sidecall/', UPDATES_ENABLED: '0', START_AT_LOGIN: '0' };

  it('become typed settings for the app: defaults without LOCK_SETTINGS, locked with it', () => {
    const layer = readBack(given, false);
    expect(layer.problems).toEqual([]);
    expect(Object.fromEntries([...layer.values].map(([k, v]) => [k, v.value]))).toEqual({
      'pbx.host': 'pbx.corp.lan',
      'pbx.port': 5039,
      'pbx.tls': true,
      'pbx.amiUser': 'sidecall',
      'updates.url': 'https://updates.corp.lan/sidecall/',
      'updates.enabled': false,
      'shell.startAtLogin': false,
    });
    expect([...layer.locked.keys()]).toEqual([]);
    expect([...readBack(given, true).locked.keys()].sort()).toEqual(options.options.map((o) => o.path).sort());
    for (const o of options.options) expect(settingsLeafSchema(o.path), o.path).toBeDefined();
  });

  it('reports a bad value instead of applying it', () => {
    const layer = readBack({ PBX_PORT: 'five', UPDATE_URL: 'http://plain.lan/' }, false);
    expect(layer.values.size).toBe(0);
    expect(layer.problems.map((p) => p.path).sort()).toEqual(['pbx.port', 'updates.url']);
  });
});
