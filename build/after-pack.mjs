// electron-builder `afterPack` hook (electron-builder.yml): flips Electron's
// fuses in the packed app before it is signed, then reads them back and fails
// the build if any is not as wanted. Fuses are bits in the Electron binary
// that turn features off for good, whatever the command line or environment:
//
//   RunAsNode                              off  ELECTRON_RUN_AS_NODE would turn Sidecall into a plain Node.js
//   EnableCookieEncryption                 on   cookies on disk encrypted with the OS keychain key
//   EnableNodeOptionsEnvironmentVariable   off  NODE_OPTIONS cannot inject code into the main process
//   EnableNodeCliInspectArguments          off  --inspect cannot attach a debugger to an installed copy
//   EnableEmbeddedAsarIntegrityValidation  on   app.asar must match the hash electron-builder embeds
//   OnlyLoadAppFromAsar                    on   no app folder next to the asar is ever loaded instead
//   LoadBrowserProcessSpecificV8Snapshot   off  (Electron's default; Sidecall ships no snapshot)
//   GrantFileProtocolExtraPrivileges       off  pages come from app://, file:// needs no privileges
//
// Tested by tests/unit/build/after-pack.test.ts against fake packed apps.
import path from 'node:path';
import { FuseV1Options, FuseVersion, flipFuses, getCurrentFuseWire } from '@electron/fuses';

/** The wanted state of every fuse @electron/fuses knows, by wire index. */
export const SIDECALL_FUSES = Object.freeze({
  [FuseV1Options.RunAsNode]: false,
  [FuseV1Options.EnableCookieEncryption]: true,
  [FuseV1Options.EnableNodeOptionsEnvironmentVariable]: false,
  [FuseV1Options.EnableNodeCliInspectArguments]: false,
  [FuseV1Options.EnableEmbeddedAsarIntegrityValidation]: true,
  [FuseV1Options.OnlyLoadAppFromAsar]: true,
  [FuseV1Options.LoadBrowserProcessSpecificV8Snapshot]: false,
  [FuseV1Options.GrantFileProtocolExtraPrivileges]: false,
});

/** Bytes of a fuse's state in the wire ('0' and '1'; @electron/fuses FuseState). */
const ENABLED = 0x31;
const DISABLED = 0x30;
/** builder-util's Arch.arm64 and Arch.universal. */
const ARM64 = 3;
const UNIVERSAL = 4;

/**
 * The file electron-builder itself hands to @electron/fuses
 * (PlatformPackager.addElectronFuses): the .app on macOS (the library finds the
 * Electron Framework inside), the .exe on Windows, the executable on Linux.
 */
export function electronBinary(context) {
  const { appOutDir, electronPlatformName, packager } = context;
  switch (electronPlatformName) {
    case 'darwin':
    case 'mas':
      return path.join(appOutDir, `${packager.appInfo.productFilename}.app`);
    case 'win32':
      return path.join(appOutDir, `${packager.appInfo.productFilename}.exe`);
    case 'linux':
      return path.join(appOutDir, packager.executableName);
    default:
      throw new Error(`after-pack: no fuses for platform ${String(electronPlatformName)}`);
  }
}

/** Names of the fuses whose state in `wire` (getCurrentFuseWire) is not the wanted one. */
export function wrongFuses(wire) {
  return Object.entries(SIDECALL_FUSES)
    .filter(([index, on]) => wire[index] !== (on ? ENABLED : DISABLED))
    .map(([index]) => FuseV1Options[Number(index)]);
}

export async function afterPack(context) {
  const binary = electronBinary(context);
  const darwin = context.electronPlatformName === 'darwin' || context.electronPlatformName === 'mas';
  await flipFuses(binary, {
    version: FuseVersion.V1,
    // Changing the binary breaks the ad-hoc signature Apple Silicon requires to launch at all;
    // a Developer ID signature made later replaces it.
    resetAdHocDarwinSignature: darwin && (context.arch === ARM64 || context.arch === UNIVERSAL),
    ...SIDECALL_FUSES,
  });
  const wrong = wrongFuses(await getCurrentFuseWire(binary));
  if (wrong.length > 0) throw new Error(`after-pack: fuses not as wanted in ${binary}: ${wrong.join(', ')}`);
}
