// Launch command lines and protocol registration, as pure decisions. The OS
// hands a tel:/callto:/sip: link to Sidecall in argv (a cold start on Windows
// and Linux, or a second instance the single-instance lock forwards); which
// argument is the link is decided by src-shared/telephony's linkFromArgv, the
// one place that knows how a link can hide among Chromium's switches. main.ts
// only glues these answers to `app`.
import { linkFromArgv } from '../../../src-shared/telephony';

/** The URI schemes Sidecall asks the OS to hand it (sips: is parsed, but no OS needs it registered separately). */
export const PROTOCOL_SCHEMES = ['tel', 'callto', 'sip'] as const;
export type ProtocolScheme = (typeof PROTOCOL_SCHEMES)[number];

/** The developer switch that registers an unpackaged build as the handler (never done otherwise). */
export const REGISTER_PROTOCOLS_SWITCH = '--register-protocols';

/**
 * The link in a launch command line, or undefined. Chromium inserts its own
 * switches into a second instance's argv (and a crafted link may try to look
 * like one), so this never reads an argument starting with `-` as a link and
 * prefers what follows `--`, where the registration puts the link.
 */
export function launchLink(argv: readonly string[]): string | undefined {
  return linkFromArgv(argv);
}

/** True when `name` is among the options, i.e. before `--` (after it everything is data, maybe a hostile link). */
export function hasSwitch(argv: readonly string[], name: string): boolean {
  for (const arg of argv) {
    if (arg === '--') return false;
    if (arg === name) return true;
  }
  return false;
}

export interface RegistrationInput {
  /** process.platform. */
  readonly platform: string;
  /** app.isPackaged. */
  readonly packaged: boolean;
  /** REGISTER_PROTOCOLS_SWITCH was given (a developer trying links against `npm start`). */
  readonly devFlag: boolean;
  /** process.execPath: the installed Sidecall, or the Electron binary in development. */
  readonly execPath: string;
  /** Development only: the app folder Electron was started with, already absolute (path.resolve(process.argv[1])). */
  readonly appPath?: string;
  /** Development only: --data-dir, so a link reaches this running profile's lock instead of starting a default one. */
  readonly dataDir?: string;
}

export interface Registration {
  readonly scheme: ProtocolScheme;
  /** app.setAsDefaultProtocolClient(scheme, path, args); path and args count on Windows only. */
  readonly path: string;
  readonly args: readonly string[];
}

/**
 * Which setAsDefaultProtocolClient calls to make at startup. Packaged builds
 * on macOS and Linux register themselves. A packaged build on Windows never
 * does: the NSIS and MSI installers register it per machine (Capabilities +
 * RegisteredApplications, leaving an existing handler alone), while
 * setAsDefaultProtocolClient would write HKCU\Software\Classes on every start,
 * overriding that rule and outliving a per-machine uninstall. A development or test run never does unless asked, or
 * every `npm start` and every test run would take tel: away from the
 * developer's real softphone. The args end with `--` so Windows writes
 * `"exe" ... -- "%1"`: whatever a web page puts into the link stays data after
 * `--` and can never become a Chromium switch (CVE-2018-1000006).
 */
export function protocolRegistrations(input: RegistrationInput): readonly Registration[] {
  if (input.packaged && input.platform === 'win32') return [];
  if (input.packaged) return PROTOCOL_SCHEMES.map((scheme) => ({ scheme, path: input.execPath, args: ['--'] }));
  if (!input.devFlag || input.appPath === undefined) return [];
  const args = [input.appPath, ...(input.dataDir === undefined ? [] : ['--data-dir', input.dataDir]), '--'];
  return PROTOCOL_SCHEMES.map((scheme) => ({ scheme, path: input.execPath, args }));
}
