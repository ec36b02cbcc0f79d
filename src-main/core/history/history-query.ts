// Pure History queries: newest first, filtered by result, direction and text.
import type { HistoryEntry, HistoryFilter } from '../../../src-shared/domain/history';

const MISSED = new Set(['missed', 'rejected']);

export function matchesFilter(e: HistoryEntry, f: HistoryFilter): boolean {
  const result = e.call.result;
  if (f.result === 'missed' && !(result && MISSED.has(result))) return false;
  if (f.result === 'answered' && result !== 'answered') return false;
  if (f.direction !== 'all' && e.call.direction !== f.direction) return false;
  const text = f.text?.trim().toLowerCase();
  if (text) {
    const digits = text.replace(/\D/g, '');
    const hay = [e.call.remoteName, e.contact?.name, e.contact?.company].filter(Boolean).join(' ').toLowerCase();
    const number = (e.call.remoteNumber ?? '').replace(/\D/g, '');
    if (!hay.includes(text) && !(digits.length >= 2 && number.includes(digits))) return false;
  }
  return true;
}

export function queryHistory(entries: readonly HistoryEntry[], f: HistoryFilter): HistoryEntry[] {
  const out: HistoryEntry[] = [];
  for (let i = entries.length - 1; i >= 0 && out.length < f.limit; i--) {
    const e = entries[i];
    if (e && matchesFilter(e, f)) out.push(e);
  }
  return out;
}

/** Missed calls since the operator last looked (the tray badge). */
export function countMissedSince(entries: readonly HistoryEntry[], since: number): number {
  return entries.filter((e) => e.call.result !== undefined && MISSED.has(e.call.result) && e.call.direction !== 'outbound' && (e.call.endedAt ?? 0) > since).length;
}
