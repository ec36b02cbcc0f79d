// The operator's Do not disturb on the PBX (tray item, `dnd.set`/`dnd.get`).
// Two ways, chosen in Settings -> shell.dnd (see src-shared/domain/shell-settings.ts):
// a feature code (*78/*79) dialled through a Local channel with the operator's
// extension as caller ID, or the astdb flag written directly (DBPut/DBDel).
// Either way the state is read back with DBGet after every login, where the
// AMI user may (FreePBX's feature codes keep the same DND/<ext> key).
import type { DndStatus } from '../../../src-shared/domain/dnd';
import type { DndSettings } from '../../../src-shared/domain/shell-settings';
import type { Logger } from '../../ports';
import type { AmiActionSender } from '../ami/event-source';
import { AmiActionError } from '../ami/connection/errors';
import { dbDel, dbGet, dbPut, formatCallerId, originate } from '../ami/actions';

export interface DndContext {
  readonly dnd: DndSettings;
  /** The operator's extension ('' when not set). */
  readonly extension: string;
  /** The dial context of click-to-call (feature codes run there). */
  readonly context: string;
}

export interface DndService {
  status(): DndStatus;
  /** Reads the state from the PBX (after a login, a settings change); never throws. */
  refresh(): Promise<DndStatus>;
  /** Turns DND on or off; rejects with DndError saying what the operator can do. */
  set(on: boolean): Promise<DndStatus>;
  onChange(listener: (status: DndStatus) => void): () => void;
}

export class DndError extends Error {
  override readonly name = 'DndError';
}

/** The astdb key of the flag: the configured one, or the operator's extension. */
export function dndKey(ctx: DndContext): string {
  return ctx.dnd.key !== '' ? ctx.dnd.key : ctx.extension;
}

/** How long the Local channel of a feature code stays up: long enough for the dialplan to run it. */
const FEATURE_CODE_WAIT_SECONDS = '3';

/** The Originate that dials a feature code as the operator, without ringing their phone. */
export function featureCodeOriginate(ctx: DndContext, on: boolean): { channel: string; application: string; data: string; callerId: string; timeoutMs: number } {
  const code = on ? ctx.dnd.onCode : ctx.dnd.offCode;
  return {
    // The ;2 half runs the code in the dial context with our caller ID; the ;1 half just waits.
    channel: `Local/${code}@${ctx.context}`,
    application: 'Wait',
    data: FEATURE_CODE_WAIT_SECONDS,
    callerId: formatCallerId('', ctx.extension),
    timeoutMs: 10_000,
  };
}

/** What a refusal means for DND, in words the operator (or IT) can act on. */
export function dndRefusal(error: unknown, mode: DndSettings['mode']): string {
  if (error instanceof AmiActionError && error.permissionDenied) {
    return mode === 'astdb'
      ? 'Do not disturb was not changed: the AMI user may not write the Asterisk database (DBPut needs write=system). Ask IT to set Do not disturb to a feature code, or to allow it.'
      : 'Do not disturb was not changed: the AMI user may not originate calls (write=originate). Ask IT to allow it.';
  }
  return `Do not disturb was not changed: ${error instanceof Error ? error.message : String(error)}`;
}

export function createDndService(deps: {
  /** The PBX connection; undefined when none is configured. */
  readonly ami: () => AmiActionSender | undefined;
  readonly context: () => DndContext;
  readonly log: Logger;
}): DndService {
  let state: DndStatus['state'] = 'unknown';
  /** The key the state belongs to: a new extension or key starts from unknown. */
  let stateFor = '';
  const listeners = new Set<(s: DndStatus) => void>();

  const status = (): DndStatus => {
    const ctx = deps.context();
    const mode = ctx.dnd.mode;
    if (mode === 'off') return { mode, state: 'unknown' };
    const forKey = `${ctx.dnd.family}/${dndKey(ctx)}`;
    if (forKey !== stateFor) {
      stateFor = forKey;
      state = 'unknown';
    }
    return { mode, state };
  };
  const publish = (): DndStatus => {
    const s = status();
    for (const l of listeners) l(s);
    return s;
  };
  const usable = (ctx: DndContext): AmiActionSender => {
    if (ctx.dnd.mode === 'off') throw new DndError('Do not disturb is not set up on this computer (Settings -> Do not disturb).');
    if (dndKey(ctx) === '') throw new DndError('Do not disturb needs your extension: set it in Settings -> PBX.');
    const ami = deps.ami();
    if (!ami) throw new DndError('Do not disturb cannot be changed: no PBX connection is configured.');
    return ami;
  };

  return {
    status,
    async refresh() {
      const ctx = deps.context();
      if (ctx.dnd.mode === 'off' || dndKey(ctx) === '' || !deps.ami()) return publish();
      status();
      try {
        const value = await dbGet(usable(ctx), { family: ctx.dnd.family, key: dndKey(ctx) });
        state = value !== null && value !== '' ? 'on' : 'off';
      } catch (error) {
        // Reading is optional (DBGet needs write=reporting): the state stays what we last set.
        deps.log.info('DND state not read from the PBX', { reason: error instanceof Error ? error.message : String(error) });
      }
      return publish();
    },
    async set(on) {
      const ctx = deps.context();
      const ami = usable(ctx);
      status();
      try {
        if (ctx.dnd.mode === 'astdb') {
          if (on) await dbPut(ami, { family: ctx.dnd.family, key: dndKey(ctx), value: ctx.dnd.value });
          else await dbDel(ami, { family: ctx.dnd.family, key: dndKey(ctx) });
        } else {
          const code = on ? ctx.dnd.onCode : ctx.dnd.offCode;
          if (code === '') throw new DndError(`Do not disturb has no feature code to turn it ${on ? 'on' : 'off'}: ask IT to set one in Settings -> Do not disturb.`);
          await originate(ami, { ...featureCodeOriginate(ctx, on), async: true });
        }
      } catch (error) {
        const message = error instanceof DndError ? error.message : dndRefusal(error, ctx.dnd.mode);
        deps.log.warn('DND not changed', { on, mode: ctx.dnd.mode, reason: message });
        throw new DndError(message, { cause: error });
      }
      state = on ? 'on' : 'off';
      deps.log.info('DND changed', { on, mode: ctx.dnd.mode });
      return publish();
    },
    onChange(listener) {
      listeners.add(listener);
      return () => listeners.delete(listener);
    },
  };
}
