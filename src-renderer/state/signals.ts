import type { SignalRecord, StrategyInstanceInfo } from '../../src-engine/contract/schemas.js';

/** Signals kept in the panel. */
export const MAX_SIGNALS = 200;

/** A snapshot: newest first (by journal id), capped. */
export function applySignalSnapshot(list: readonly SignalRecord[]): SignalRecord[] {
  return [...list].sort((a, b) => b.id - a.id).slice(0, MAX_SIGNALS);
}

/** One new signal: put in place by id (newest first); a duplicate (snapshot/delta overlap) is ignored (same array back). */
export function applySignalDelta(list: readonly SignalRecord[], s: SignalRecord): readonly SignalRecord[] {
  if (list.length === 0) return [s];
  if (s.id > list[0]!.id) return [s, ...list].slice(0, MAX_SIGNALS);
  if (list.some((x) => x.id === s.id)) return list;
  if (list.length >= MAX_SIGNALS && s.id < list[list.length - 1]!.id) return list;
  return applySignalSnapshot([...list, s]);
}

/** One changed instance: replaced in place, or appended when new. */
export function applyStrategyDelta(list: readonly StrategyInstanceInfo[], info: StrategyInstanceInfo): StrategyInstanceInfo[] {
  // strategies.remove sends the instance's last state marked `removed`
  if (info.removed) return list.filter((x) => x.id !== info.id);
  const i = list.findIndex((x) => x.id === info.id);
  if (i < 0) return [...list, info];
  const next = [...list];
  next[i] = info;
  return next;
}
