import { beforeEach, describe, expect, it } from 'vitest';
import type { SignalRecord, StrategyInstanceInfo } from '../../src-engine/contract/schemas.js';
import { MAX_SIGNALS, applySignalDelta, applySignalSnapshot, applyStrategyDelta } from './signals.js';
import { useAppStore } from './store.js';

const sig = (id: number, side: 'BUY' | 'SELL' = 'BUY'): SignalRecord => ({
  id,
  ts: 1_700_000_000_000 + id * 60_000,
  symbol: 'TCS',
  strategy: 'ema',
  type: 'ema_crossover',
  side,
  confidence: 0.6,
  reason: 'crossed',
  pricePaise: 350_000,
  timeframe: '1m',
  barTime: null,
  snapshot: {},
});
const inst = (id: string, enabled = true, extra: Partial<StrategyInstanceInfo> = {}): StrategyInstanceInfo => ({
  id,
  type: 'macd',
  params: {},
  symbols: ['TCS'],
  timeframe: '15m',
  weight: 1,
  enabled,
  running: enabled,
  ...extra,
});

describe('signal and strategy list logic', () => {
  it('orders a snapshot newest first and caps it', () => {
    expect(applySignalSnapshot([sig(1), sig(3), sig(2)]).map((s) => s.id)).toEqual([3, 2, 1]);
    const many = Array.from({ length: MAX_SIGNALS + 20 }, (_, i) => sig(i + 1));
    const capped = applySignalSnapshot(many);
    expect(capped).toHaveLength(MAX_SIGNALS);
    expect(capped[0]!.id).toBe(MAX_SIGNALS + 20);
  });

  it('puts a new signal first, ignores a duplicate (same array) and places a late one by id', () => {
    const a = applySignalSnapshot([sig(1), sig(2)]);
    const b = applySignalDelta(a, sig(3));
    expect(b.map((s) => s.id)).toEqual([3, 2, 1]);
    expect(applySignalDelta(b, sig(2))).toBe(b);
    expect(applySignalDelta([sig(5), sig(1)], sig(3)).map((s) => s.id)).toEqual([5, 3, 1]);
    expect(applySignalDelta([], sig(9)).map((s) => s.id)).toEqual([9]);
  });

  it('replaces a changed instance in place and appends a new one', () => {
    const l = [inst('a'), inst('b')];
    expect(applyStrategyDelta(l, inst('a', false)).map((x) => [x.id, x.enabled])).toEqual([
      ['a', false],
      ['b', true],
    ]);
    expect(applyStrategyDelta(l, inst('c')).map((x) => x.id)).toEqual(['a', 'b', 'c']);
  });

  it('drops an instance whose delta says it was removed', () => {
    const l = [inst('a'), inst('b')];
    expect(applyStrategyDelta(l, { ...inst('a'), removed: true }).map((x) => x.id)).toEqual(['b']);
    expect(applyStrategyDelta(l, { ...inst('zz'), removed: true }).map((x) => x.id)).toEqual(['a', 'b']);
  });
});

const initial = useAppStore.getState();
const s = () => useAppStore.getState();

describe('app store: signals and strategies', () => {
  beforeEach(() => useAppStore.setState(initial, true));

  it('takes a signals snapshot, then deltas; an overlapping delta does not re-render', () => {
    expect(s().signals).toEqual([]);
    s().signalsSnapshot([sig(1), sig(2, 'SELL')]);
    expect(s().signals.map((x) => x.id)).toEqual([2, 1]);
    s().signalDelta(sig(3));
    expect(s().signals.map((x) => x.id)).toEqual([3, 2, 1]);
    const before = s().signals;
    s().signalDelta(sig(3));
    expect(s().signals).toBe(before);
  });

  it('keeps strategies null until the first snapshot, then applies changed instances', () => {
    expect(s().strategies).toBeNull();
    s().strategiesSnapshot([inst('a'), inst('b')]);
    s().strategyDelta(inst('b', false, { error: { hook: 'onBar', symbol: 'TCS', message: 'boom', ts: 1 } }));
    expect(s().strategies!.map((x) => [x.id, x.enabled, x.error?.message])).toEqual([
      ['a', true, undefined],
      ['b', false, 'boom'],
    ]);
  });
});
