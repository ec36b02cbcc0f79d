// electron-builder `msiProjectCreated` hook (electron-builder.yml): adds to the
// WiX project electron-builder generates for the MSI what build/installer.nsh
// adds to the NSIS installer, so Group Policy / Intune installs behave alike:
//
// - tel:, callto: and sip: for Windows' Default Apps (Capabilities,
//   RegisteredApplications, one ProgID per scheme whose command ends
//   Sidecall's options with `--` before the link), and the scheme key itself
//   only where nothing handles the scheme yet, or where the handler is
//   Sidecall's own command (a major upgrade: AppSearch finds the old version's
//   key, which the old version's removal then deletes, so the new version
//   must install it again or the upgrade leaves the scheme without a handler);
// - public properties (PBX_HOST, AMI_USER, ... from build/installer-options.json)
//   written as Sidecall policy under HKLM\Software\Policies\Sidecall\Recommended,
//   or under HKLM\Software\Policies\Sidecall (locked) with LOCK_SETTINGS=1:
//       msiexec /i Sidecall-1.0.0.msi /qn PBX_HOST=pbx.corp.lan AMI_USER=sidecall LOCK_SETTINGS=1
//   Those components are permanent: an uninstall, or a major upgrade run
//   without the properties, leaves IT's policy where it is (as NSIS does).
//
// The project is the one electron-builder writes from
// app-builder-lib/templates/msi/template.xml; if that template ever loses the
// two anchors used here, the build stops instead of shipping an MSI without them.
import crypto from 'node:crypto';
import fs from 'node:fs';
import path from 'node:path';

const HERE = import.meta.dirname;
const PRODUCT = 'Sidecall';
export const SCHEMES = Object.freeze([
  { scheme: 'tel', description: 'URL:Telephone number' },
  { scheme: 'callto', description: 'URL:Callto link' },
  { scheme: 'sip', description: 'URL:SIP address' },
]);
const FEATURE_ANCHOR = '<ComponentGroupRef Id="ProductComponents"/>';
const PRODUCT_END = '</Product>';
const POLICY_KEY = `Software\\Policies\\${PRODUCT}`;
/** The launch command of every link: [#mainExecutable] is the installed Sidecall.exe (the File Id electron-builder gives it). */
export const LINK_COMMAND = '"[#mainExecutable]" -- "%1"';

/** Windows file name of the installed Sidecall ([#mainExecutable]: electron-builder's productFilename.exe). */
export const MAIN_EXECUTABLE = `${PRODUCT}.exe`;

/**
 * When the scheme key is Sidecall's to write: nothing handles the scheme, or
 * the handler found is Sidecall's own command (any version, any folder:
 * `"...\Sidecall.exe" -- "%1"`). MSI conditions cannot hold a double quote
 * nor resolve [#mainExecutable], so "own" is: the executable's name
 * (case-insensitive, ~><) and the ` -- ` that ends its options.
 */
export function schemeCondition(scheme) {
  const handler = `SIDECALL_${scheme.toUpperCase()}_HANDLER`;
  return `NOT ${handler} OR (${handler} ~>< "\\${MAIN_EXECUTABLE}" AND ${handler} >< " -- ")`;
}

/** build/installer-options.json. */
export function installerOptions() {
  return JSON.parse(fs.readFileSync(path.join(HERE, 'installer-options.json'), 'utf8'));
}

const xml = (s) => String(s).replace(/&/g, '&amp;').replace(/</g, '&lt;').replace(/>/g, '&gt;').replace(/"/g, '&quot;');

/** A stable component GUID from its id (UUID v5 layout over SHA-1), so upgrades keep recognising each component. */
export function componentGuid(id) {
  const h = crypto.createHash('sha1').update(`com.sidecall.desktop/msi/${id}`).digest();
  h[6] = (h[6] & 0x0f) | 0x50;
  h[8] = (h[8] & 0x3f) | 0x80;
  const hex = h.subarray(0, 16).toString('hex').toUpperCase();
  return `${hex.slice(0, 8)}-${hex.slice(8, 12)}-${hex.slice(12, 16)}-${hex.slice(16, 20)}-${hex.slice(20)}`;
}

const value = (key, name, type, data, keyPath = false) =>
  `<RegistryValue Root="HKLM" Key="${xml(key)}"${name === null ? '' : ` Name="${xml(name)}"`} Type="${type}" Value="${xml(data)}"${keyPath ? ' KeyPath="yes"' : ''}/>`;

function component(id, body, { condition, permanent = false } = {}) {
  return [
    `      <Component Id="${id}" Guid="{${componentGuid(id)}}"${permanent ? ' Permanent="yes"' : ''}>`,
    ...(condition ? [`        <Condition><![CDATA[${condition}]]></Condition>`] : []),
    ...body.map((line) => `        ${line}`),
    '      </Component>',
  ].join('\n');
}

/** The WiX elements Sidecall adds (properties, searches and one component group). */
export function sidecallWix(options = installerOptions()) {
  const lock = options.lockProperty;
  const caps = `Software\\${PRODUCT}\\Capabilities`;
  const properties = [...options.options.map((o) => o.property), lock].map((p) => `    <Property Id="${p}" Secure="yes"/>`);
  const searches = SCHEMES.map(
    ({ scheme }) =>
      `    <Property Id="SIDECALL_${scheme.toUpperCase()}_HANDLER"><RegistrySearch Id="SidecallExisting_${scheme}" Root="HKCR" Key="${scheme}\\shell\\open\\command" Type="raw"/></Property>`,
  );
  const registration = component('SidecallDefaultApps', [
    value(caps, 'ApplicationName', 'string', PRODUCT, true),
    value(caps, 'ApplicationDescription', 'string', 'Calls phone numbers from tel:, callto: and sip: links through your Asterisk PBX.'),
    value(caps, 'ApplicationIcon', 'string', '[#mainExecutable],0'),
    value('Software\\RegisteredApplications', PRODUCT, 'string', caps),
    ...SCHEMES.flatMap(({ scheme, description }) => {
      const progId = `Software\\Classes\\${PRODUCT}.${scheme}`;
      return [
        value(`${caps}\\URLAssociations`, scheme, 'string', `${PRODUCT}.${scheme}`),
        value(progId, null, 'string', description),
        value(progId, 'URL Protocol', 'string', ''),
        value(`${progId}\\DefaultIcon`, null, 'string', '[#mainExecutable],0'),
        value(`${progId}\\shell\\open\\command`, null, 'string', LINK_COMMAND),
      ];
    }),
  ]);
  const schemeKeys = SCHEMES.map(({ scheme, description }) =>
    component(
      `SidecallScheme_${scheme}`,
      [
        value(`Software\\Classes\\${scheme}\\shell\\open\\command`, null, 'string', LINK_COMMAND, true),
        value(`Software\\Classes\\${scheme}`, null, 'string', description),
        value(`Software\\Classes\\${scheme}`, 'URL Protocol', 'string', ''),
      ],
      { condition: schemeCondition(scheme) },
    ),
  );
  const policy = options.options.flatMap((o) =>
    [
      { suffix: 'Default', key: `${POLICY_KEY}\\Recommended`, when: `NOT (${lock} = "1")` },
      { suffix: 'Locked', key: POLICY_KEY, when: `${lock} = "1"` },
    ].map(({ suffix, key, when }) =>
      component(`SidecallPolicy_${o.property}_${suffix}`, [value(key, o.path, o.type === 'boolean' ? 'integer' : 'string', `[${o.property}]`, true)], {
        condition: `${o.property} AND ${when}`,
        permanent: true,
      }),
    ),
  );
  return [
    '    <!-- Sidecall: Default Apps registration and install-time policy (build/msi-project.mjs) -->',
    ...properties,
    ...searches,
    '    <ComponentGroup Id="SidecallRegistration" Directory="APPLICATIONFOLDER">',
    registration,
    ...schemeKeys,
    ...policy,
    '    </ComponentGroup>',
    '',
  ].join('\n');
}

/** The project text with Sidecall's elements added; throws if electron-builder's template has changed shape. */
export function addSidecallToWxs(wxs, options = installerOptions()) {
  if (wxs.includes('Id="SidecallRegistration"')) return wxs;
  const feature = wxs.indexOf(FEATURE_ANCHOR);
  const end = wxs.lastIndexOf(PRODUCT_END);
  if (feature < 0 || end < 0 || end < feature) {
    throw new Error(`msi-project: the WiX project has no ${FEATURE_ANCHOR} inside <Feature> or no ${PRODUCT_END}; electron-builder's MSI template changed, update build/msi-project.mjs`);
  }
  const afterFeature = feature + FEATURE_ANCHOR.length;
  const withRef = `${wxs.slice(0, afterFeature)}\n      <ComponentGroupRef Id="SidecallRegistration"/>${wxs.slice(afterFeature)}`;
  const at = withRef.lastIndexOf(PRODUCT_END);
  return `${withRef.slice(0, at)}${sidecallWix(options)}  ${withRef.slice(at)}`;
}

export async function msiProjectCreated(projectFile) {
  const text = await fs.promises.readFile(projectFile, 'utf8');
  await fs.promises.writeFile(projectFile, addSidecallToWxs(text));
}
