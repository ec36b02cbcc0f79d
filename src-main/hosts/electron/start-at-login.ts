// Applies Settings -> shell.startAtLogin to the OS (login-item.ts decides how):
// Electron's login item on Windows and macOS, an XDG autostart file on Linux.
// Applied at start and when the setting changes; a failure is logged and the
// app carries on (the operator can still start it by hand).
import fs from 'node:fs';
import path from 'node:path';
import type { Logger } from '../../ports';
import { loginItemPlan } from './login-item';

export interface LoginItemApp {
  readonly isPackaged: boolean;
  setLoginItemSettings(settings: { openAtLogin: boolean; path?: string; args?: string[] }): void;
}

export function createStartAtLogin(deps: { readonly app: LoginItemApp; readonly platform: string; readonly env: NodeJS.ProcessEnv; readonly execPath: string; readonly home: string; readonly log: Logger }): (enabled: boolean) => void {
  let applied: boolean | undefined;
  return (enabled) => {
    if (applied === enabled) return;
    applied = enabled;
    const plan = loginItemPlan({
      platform: deps.platform,
      packaged: deps.app.isPackaged,
      enabled,
      execPath: deps.execPath,
      home: deps.home,
      ...(deps.env['APPIMAGE'] ? { appImage: deps.env['APPIMAGE'] } : {}),
      ...(deps.env['XDG_CONFIG_HOME'] ? { xdgConfigHome: deps.env['XDG_CONFIG_HOME'] } : {}),
    });
    try {
      switch (plan.kind) {
        case 'none':
          deps.log.info('start at login not applied', { enabled, reason: plan.reason });
          return;
        case 'electron':
          deps.app.setLoginItemSettings({
            openAtLogin: plan.settings.openAtLogin,
            ...(plan.settings.path === undefined ? {} : { path: plan.settings.path }),
            ...(plan.settings.args === undefined ? {} : { args: [...plan.settings.args] }),
          });
          break;
        case 'autostartFile':
          if (plan.content === null) fs.rmSync(plan.file, { force: true });
          else {
            fs.mkdirSync(path.dirname(plan.file), { recursive: true });
            fs.writeFileSync(plan.file, plan.content);
          }
          break;
      }
      deps.log.info('start at login', { enabled, how: plan.kind });
    } catch (error) {
      applied = undefined;
      deps.log.warn('could not change start at login', { enabled, error });
    }
  };
}
