// SettingsStore over two JSON files: the user's own (written by the app) and an
// optional IT / `--config` file (read-only; its values win and are locked),
// plus the machine policy (adapters/policy: defaults and locked values).
import fs from 'node:fs';
import { SettingsPatchSchema, type SettingsPatch, type SettingsProblem } from '../../../src-shared/domain/settings';
import { AppError, issuesFromZod } from '../../../src-shared/errors';
import { applyPatch, refuseLockedPaths, resolveSettings, type SourceDocument } from '../../core/settings/layered-settings';
import type { PolicyProvider } from '../../core/policy/policy';
import type { SettingsLoadResult, SettingsStore } from '../../ports';
import { JsonFileDocument } from './json-file-document';
import { fileStamp } from '../file-stamp';

export interface FileSettingsStoreOptions {
  readonly userFile: string;
  /** IT / test configuration (`--config FILE` or SIDECALL_CONFIG). */
  readonly overrideFile?: string;
  /** The machine policy IT deployed (adapters/policy/policy-provider.ts). */
  readonly policy?: PolicyProvider;
}

export class FileSettingsStore implements SettingsStore {
  private readonly user: JsonFileDocument;
  private readonly overrideFile: string | undefined;
  private readonly policy: PolicyProvider | undefined;
  /** The last resolution and the file stamps it was made from: load() is on the ring path, a stat is cheaper than a parse. */
  private cached: { readonly stamp: string; readonly result: SettingsLoadResult } | undefined;

  constructor(options: FileSettingsStoreOptions) {
    this.user = new JsonFileDocument(options.userFile);
    this.overrideFile = options.overrideFile;
    this.policy = options.policy;
  }

  get location(): string {
    return this.user.path;
  }

  load(): SettingsLoadResult {
    const stamp = `${fileStamp(this.user.path)}|${this.overrideFile ? fileStamp(this.overrideFile) : ''}|${this.policy?.stamp() ?? ''}`;
    if (this.cached?.stamp === stamp) return this.cached.result;
    const result = this.resolve();
    this.cached = { stamp, result };
    return result;
  }

  private resolve(): SettingsLoadResult {
    const problems: SettingsProblem[] = [];
    const userDoc = this.readUser(problems);
    const override = this.readOverride(problems);
    const resolved = resolveSettings({ source: this.user.path, doc: userDoc }, override, this.policy?.load());
    return { settings: resolved.settings, problems: [...problems, ...resolved.problems], lockedPaths: resolved.lockedPaths };
  }

  update(patch: SettingsPatch): SettingsLoadResult {
    const parsed = SettingsPatchSchema.safeParse(patch);
    if (!parsed.success) {
      throw new AppError('settings.invalid', 'Some settings are not valid; nothing was saved.', { issues: issuesFromZod(parsed.error) });
    }
    const before = this.load();
    refuseLockedPaths(parsed.data, before.lockedPaths);
    const current = this.user.read();
    const base = current.kind === 'ok' ? current.doc : current.kind === 'corrupt' ? current.fallback : undefined;
    this.user.write(applyPatch(base, parsed.data));
    this.cached = undefined;
    return this.load();
  }

  private readUser(problems: SettingsProblem[]): unknown {
    const r = this.user.read();
    if (r.kind === 'ok') return r.doc;
    if (r.kind === 'corrupt') {
      problems.push({
        path: '(file)',
        message: `The settings file is not valid JSON (${r.error}); ${r.fallback === undefined ? 'defaults are used' : 'the last good copy is used'} and the file is kept as it is.`,
        source: this.user.path,
      });
      return r.fallback;
    }
    return undefined;
  }

  private readOverride(problems: SettingsProblem[]): SourceDocument | undefined {
    if (!this.overrideFile) return undefined;
    try {
      return { source: this.overrideFile, doc: JSON.parse(fs.readFileSync(this.overrideFile, 'utf8')) as unknown };
    } catch (error) {
      problems.push({ path: '(file)', message: `Cannot read the configuration file: ${(error as Error).message}`, source: this.overrideFile });
      return undefined;
    }
  }
}
