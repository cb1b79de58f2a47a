import { describe, expect, it } from 'vitest';
import { z } from 'zod';
import { BUILTIN_STRATEGIES } from './builtins/index.js';
import { StrategyConfigError } from './config.js';
import type { OrderIntent } from './ensemble.js';
import { StrategyRunner, type StrategyErrorReport } from './runner.js';
import { SIGNAL_COLUMNS, defineStrategy, signalRow, type Signal, type StrategyDefinition, type StrategyTimeframe } from './strategy.js';
import type { Bar } from '../indicators/indicator.js';
import { barsFrom, path, T0 } from './testing.js';

/** Emits on every primary bar with the given side; records what it saw. */
function probe(type: string, side: 'BUY' | 'SELL', log: string[] = []): StrategyDefinition {
  return defineStrategy({
    type,
    description: 'test probe',
    params: z.strictObject({ n: z.number().int().min(1).default(3), confidence: z.number().min(0).max(1).default(1), throwAt: z.number().default(-1) }),
    timeframes: ['5m', '15m'],
    warmup: (p) => p.n,
    create: (ctx) => {
      const sma = ctx.indicator(`sma:${ctx.params.n}`);
      ctx.indicator('sma:2', '15m');
      let seen = 0;
      return {
        onBar(tf, bar) {
          log.push(`${tf}@${bar.t} sma=${sma.out[0]}`);
          if (tf !== ctx.timeframe) return;
          seen++;
          if (seen === ctx.params.throwAt) throw new Error('boom');
          ctx.emit({ side, confidence: ctx.params.confidence, reason: `${type} says ${side}` });
        },
        onTick(tick) {
          log.push(`tick ${tick.lastPaise}`);
          if (tick.lastQty === 99) ctx.emit({ side, confidence: 1, reason: 'tick' });
        },
        onFill(fill) {
          log.push(`fill ${fill.qty}`);
        },
        onTimer(now) {
          log.push(`timer ${now}`);
        },
      };
    },
  }) as unknown as StrategyDefinition;
}

const FIVE = 300_000;
const bars5 = barsFrom(path(100, [20, 1]), '5m');

function collect(r: StrategyRunner) {
  const signals: Signal[] = [];
  const intents: OrderIntent[] = [];
  const errors: StrategyErrorReport[] = [];
  r.onSignal((s) => signals.push(s));
  r.onIntent((i) => intents.push(i));
  r.onError((e) => errors.push(e));
  return { signals, intents, errors };
}

describe('StrategyRunner: config validation', () => {
  const defs = BUILTIN_STRATEGIES;
  it('names the instance and the path of the bad key', () => {
    const bad = (instances: unknown[], re: RegExp) => expect(() => new StrategyRunner({ definitions: defs, instances })).toThrow(re);
    bad([{ id: 'a', type: 'ema_crossover', symbols: ['X'], params: { fast: 0 } }], /"a" instances\[0\]: params\.fast: Too small/);
    bad([{ id: 'a', type: 'ema_crossover', symbols: ['X'], params: { fats: 5 } }], /params: Unrecognized key: "fats"/);
    bad([{ id: 'a', type: 'ema_crossover', symbols: ['X'], timeframe: '2m' }], /timeframe: Invalid option/);
    bad([{ id: 'a', type: 'ema_crossover', symbols: [] }], /symbols: Too small/);
    bad([{ id: 'a', type: 'ema_crossover', symbols: ['X'], wieght: 1 }], /Unrecognized key: "wieght"/);
    bad([{ id: 'a', type: 'nope', symbols: ['X'] }], /type: unknown strategy type "nope"; known: bollinger_reversion, ema_crossover/);
    bad(
      [
        { id: 'a', type: 'macd', symbols: ['X'] },
        { id: 'a', type: 'macd', symbols: ['Y'] },
      ],
      /instances\[1\]: id: duplicate instance id "a"/,
    );
    bad([{ id: 'a', type: 'macd', symbols: ['X', 'X'] }], /symbols: duplicate symbol\(s\) X/);
  });

  it('fills defaults: params, primary timeframe, weight from the ensemble, enabled', () => {
    const r = new StrategyRunner({ definitions: defs, instances: [{ id: 'st', type: 'supertrend', symbols: ['X'] }], ensemble: { weights: { supertrend: 1.5 } } });
    expect(r.status()[0]!.config).toEqual({ id: 'st', type: 'supertrend', params: { period: 10, multiplier: 3 }, symbols: ['X'], timeframe: '15m', weight: 1.5, enabled: true });
    expect(() => r.add({ id: 'st', type: 'macd', symbols: ['X'] })).toThrow(StrategyConfigError);
  });

  it('with `timeframes` (a run whose market data builds only those) an instance reading another is refused, naming what it needs', () => {
    const only = ['1m', '5m'] as const;
    expect(() => new StrategyRunner({ definitions: defs, timeframes: only, instances: [{ id: 'm', type: 'macd', symbols: ['X'] }] })).toThrow(
      /strategy instance "m" instances\[0\]: timeframe: needs 15m candles, but this run builds only 1m, 5m/,
    );
    const r = new StrategyRunner({ definitions: defs, timeframes: only, instances: [{ id: 'm', type: 'macd', symbols: ['X'], timeframe: '5m' }] });
    expect(() => r.add({ id: 'e', type: 'ema_crossover', symbols: ['X'], timeframe: '60m' })).toThrow(StrategyConfigError);
    // a definition's other timeframes count too
    const multi = defineStrategy({ type: 'multi', description: 'd', params: z.object({}), timeframes: ['1m', '15m'], warmup: 1, create: () => ({}) });
    const r2 = new StrategyRunner({ definitions: [multi], timeframes: only });
    expect(() => r2.add({ id: 'x', type: 'multi', symbols: ['X'] })).toThrow(/needs 15m candles/);
    expect(r.status().map((s) => s.config.id)).toEqual(['m']);
  });

  it('defineStrategy rejects bad definitions', () => {
    const base = { description: 'd', timeframes: ['5m'] as ['5m'], warmup: 1, create: () => ({}) };
    expect(() => defineStrategy({ ...base, type: 'Bad Type', params: z.object({}) })).toThrow(/snake_case/);
    expect(() => defineStrategy({ ...base, type: 'x', params: z.object({ n: z.number() }) })).toThrow(/must accept \{\}/);
    expect(() => defineStrategy({ ...base, type: 'x', params: z.object({}), timeframes: ['7m' as StrategyTimeframe] })).toThrow(/unknown timeframe "7m"/);
  });
});

describe('StrategyRunner: driving strategies', () => {
  it('updates managed indicators before onBar, gates on warm-up, attaches snapshot, price and times', () => {
    const log: string[] = [];
    const r = new StrategyRunner({ definitions: [probe('p', 'BUY', log)], instances: [{ id: 'p1', type: 'p', symbols: ['X'] }] });
    const out = collect(r);
    for (const b of bars5.slice(0, 4)) r.onBarClosed('X', '5m', b);
    // warm-up 3: onBar first on the 3rd bar, and the SMA already includes that bar
    expect(log).toEqual([`5m@${bars5[2]!.t} sma=102`, `5m@${bars5[3]!.t} sma=103`]);
    expect(out.signals).toHaveLength(2);
    const s = out.signals[1]!;
    expect(s).toMatchObject({ symbol: 'X', strategy: 'p1', type: 'p', side: 'BUY', confidence: 1, price: 104, timeframe: '5m', barTime: bars5[3]!.t, ts: bars5[3]!.t + FIVE });
    expect(s.snapshot).toEqual({ sma_3: 103 }); // the 15m SMA is still NaN: left out
    expect(SIGNAL_COLUMNS).toEqual(expect.arrayContaining(['ts', 'symbol', 'strategy', 'side', 'confidence', 'reason', 'price']));
    expect(Object.keys(signalRow(s))).toEqual([...SIGNAL_COLUMNS]);
    // ensemble: a single full-confidence BUY
    expect(out.intents.map((i) => [i.side, i.score, i.timeframe])).toEqual([
      ['BUY', 1, '5m'],
      ['BUY', 1, '5m'],
    ]);
  });

  it('keeps a copy of each bar, or with `owned` the object handed over (market data’s fresh candles): the same bars either way', () => {
    const seen: Readonly<Bar>[] = [];
    const keeper = defineStrategy({ type: 'keeper', description: 'd', params: z.object({}), timeframes: ['5m'], warmup: 0, create: (ctx) => ({ onBar: (_tf, b) => void seen.push(b, ctx.bar('5m')!) }) });
    const run = (owned: boolean) => {
      seen.length = 0;
      const r = new StrategyRunner({ definitions: [keeper], instances: [{ id: 'k', type: 'keeper', symbols: ['X'] }] });
      const given = bars5.slice(0, 3).map((b) => ({ ...b }));
      for (const b of given) r.onBarClosed('X', '5m', b, owned);
      return { given, seen: [...seen] };
    };
    const copied = run(false);
    expect(copied.seen.every((b, i) => b !== copied.given[Math.floor(i / 2)])).toBe(true);
    const kept = run(true);
    expect(kept.seen.map((b, i) => b === kept.given[Math.floor(i / 2)])).toEqual([true, true, true, true, true, true]);
    expect(kept.seen).toEqual(copied.seen);
  });

  it('feeds secondary timeframes to their own indicators; snapshot keys carry the timeframe', () => {
    const log: string[] = [];
    const r = new StrategyRunner({ definitions: [probe('p', 'SELL', log)], instances: [{ id: 'p1', type: 'p', symbols: ['X'], params: { n: 1 } }] });
    const out = collect(r);
    r.onBarClosed('X', '15m', { t: T0, o: 1, h: 1, l: 1, c: 10, v: 1 });
    r.onBarClosed('X', '15m', { t: T0 + 900_000, o: 1, h: 1, l: 1, c: 20, v: 1 });
    r.onBarClosed('X', '5m', bars5[0]!);
    expect(out.signals[0]!.snapshot).toEqual({ sma_1: 101, '15m:sma_2': 15 });
    r.onBarClosed('Y', '5m', bars5[0]!); // nobody listens: ignored
    r.onBarClosed('X', '60m', bars5[0]!);
    expect(out.signals).toHaveLength(1);
  });

  it('bars() and bar() read the shared history; ctx exposes no mode', () => {
    let ctxKeys: string[] = [];
    let got: unknown;
    const def = defineStrategy({
      type: 'reader',
      description: 'reads bars',
      params: z.object({}),
      timeframes: ['5m'],
      warmup: 0,
      create: (ctx) => {
        ctxKeys = Object.keys(ctx).sort();
        return {
          onBar: () => {
            got = { last2: ctx.bars('5m', 2).map((b) => b.c), prev: ctx.bar('5m', 1)?.c, none: ctx.bar('5m', 99), now: ctx.now() };
          },
        };
      },
    });
    const r = new StrategyRunner({ definitions: [def as unknown as StrategyDefinition], instances: [{ id: 'r', type: 'reader', symbols: ['X'] }] });
    for (const b of bars5.slice(0, 3)) r.onBarClosed('X', '5m', b);
    expect(got).toEqual({ last2: [102, 103], prev: 102, none: undefined, now: bars5[2]!.t + FIVE });
    expect(ctxKeys).toEqual(['bar', 'bars', 'emit', 'indicator', 'now', 'params', 'symbol', 'timeframe', 'timeframes']);
  });

  it('a throwing strategy is disabled and reported (message only); the others go on; re-enabling rebuilds it', () => {
    const r = new StrategyRunner({
      definitions: [probe('p', 'BUY'), probe('q', 'SELL')],
      instances: [
        { id: 'bad', type: 'p', symbols: ['X', 'Y'], params: { throwAt: 2 } },
        { id: 'good', type: 'q', symbols: ['X'], params: { confidence: 0.5 } },
      ],
    });
    const out = collect(r);
    for (const b of bars5.slice(0, 6)) {
      r.onBarClosed('X', '5m', b);
      r.onBarClosed('Y', '5m', b);
    }
    expect(out.errors).toEqual([{ instance: 'bad', type: 'p', symbol: 'X', hook: 'onBar', message: 'boom', ts: bars5[3]!.t + FIVE }]);
    expect(r.errors).toHaveLength(1);
    expect(r.status().map((s) => [s.config.id, s.running, s.error?.message])).toEqual([
      ['bad', false, 'boom'],
      ['good', true, undefined],
    ]);
    expect(out.signals.filter((s) => s.strategy === 'good')).toHaveLength(4);
    const badAfter = out.signals.filter((s) => s.strategy === 'bad' && s.barTime >= bars5[3]!.t);
    expect(badAfter).toEqual([]);
    // re-enable: rebuilt fresh and warmed by replaying the stored bars through onBar with emit muted;
    // this one throws again during that replay, so it is reported (hook 'replay') and stays off
    const before = out.signals.length;
    r.setEnabled('bad', true);
    expect(out.signals.length).toBe(before);
    expect(r.status()[0]).toMatchObject({ running: false, error: { hook: 'replay', message: 'boom' } });
    r.onBarClosed('X', '5m', bars5[6]!);
    expect(out.signals.at(-1)).toMatchObject({ strategy: 'good' });
  });

  it('a strategy throwing in create, or emitting garbage, is disabled too', () => {
    const broken = defineStrategy({
      type: 'broken',
      description: 'throws in create',
      params: z.object({}),
      timeframes: ['5m'],
      warmup: 0,
      create: () => {
        throw new TypeError('cannot start');
      },
    });
    const liar = defineStrategy({
      type: 'liar',
      description: 'bad confidence',
      params: z.object({}),
      timeframes: ['5m'],
      warmup: 0,
      create: (ctx) => ({ onBar: () => ctx.emit({ side: 'BUY', confidence: 2, reason: 'x' }) }),
    });
    const r = new StrategyRunner({
      definitions: [broken, liar, probe('p', 'BUY')] as unknown as StrategyDefinition[],
      instances: [
        { id: 'b', type: 'broken', symbols: ['X'] },
        { id: 'l', type: 'liar', symbols: ['X'] },
        { id: 'ok', type: 'p', symbols: ['X'], params: { n: 1 } },
      ],
    });
    const out = collect(r);
    expect(r.errors.map((e) => [e.instance, e.hook, e.message])).toEqual([['b', 'create', 'cannot start']]);
    r.onBarClosed('X', '5m', bars5[0]!);
    expect(r.errors.map((e) => [e.instance, e.hook, e.message])).toEqual([
      ['b', 'create', 'cannot start'],
      ['l', 'onBar', 'emit: confidence must be in 0..1, got 2'],
    ]);
    expect(out.signals.map((s) => s.strategy)).toEqual(['ok']);
  });

  it('routes ticks (price from the tick), fills and timers; votes of one event form one intent', () => {
    const log: string[] = [];
    const r = new StrategyRunner({
      definitions: [probe('p', 'BUY', log), probe('q', 'SELL')],
      instances: [
        { id: 'p1', type: 'p', symbols: ['X'], params: { n: 1, confidence: 0.9 }, weight: 3 },
        { id: 'q1', type: 'q', symbols: ['X'], params: { n: 1, confidence: 0.9 }, weight: 1 },
      ],
      ensemble: { conflict: 'net_out' },
    });
    const out = collect(r);
    r.onBarClosed('X', '5m', bars5[0]!);
    expect(out.intents).toHaveLength(1);
    expect(out.intents[0]!.score).toBeCloseTo((3 * 0.9 - 0.9) / 4, 12);
    expect(out.intents[0]!.conflict).toBe('net_out');
    r.onTick({ symbol: 'X', lastPaise: 555, lastQty: 99, volume: 1, tsEvent: T0 + 1e6 });
    expect(out.signals.slice(-2).map((s) => [s.strategy, s.price, s.reason, s.ts])).toEqual([
      ['p1', 555, 'tick', T0 + 1e6],
      ['q1', 555, 'tick', T0 + 1e6],
    ]);
    expect(out.intents.at(-1)).toMatchObject({ side: 'BUY', price: 555, timeframe: '5m' });
    r.onFill('p1', { symbol: 'X', side: 'BUY', qty: 7, price: 555, tsEvent: T0 + 2e6 });
    r.onFill('nobody', { symbol: 'X', side: 'BUY', qty: 8, price: 555, tsEvent: T0 + 2e6 });
    r.onTimer(T0 + 3e6);
    expect(log.filter((l) => !l.startsWith('5m'))).toEqual(['tick 555', 'fill 7', `timer ${T0 + 3e6}`]);
    expect(r.now()).toBe(T0 + 3e6);
  });

  it('an instance added mid-stream is warmed from stored bars without emitting; remove and disable stop it', () => {
    const r = new StrategyRunner({ definitions: BUILTIN_STRATEGIES, instances: [{ id: 'e1', type: 'ema_crossover', symbols: ['X'], timeframe: '5m' }] });
    const out = collect(r);
    const bars = barsFrom(path(100, [40, 0], [30, 1], [40, -1]), '5m');
    for (const b of bars.slice(0, 60)) r.onBarClosed('X', '5m', b);
    expect(out.signals.map((s) => s.strategy)).toEqual(['e1']); // the BUY on the rise
    r.add({ id: 'e2', type: 'ema_crossover', symbols: ['X'], timeframe: '5m' });
    expect(out.signals).toHaveLength(1);
    for (const b of bars.slice(60)) r.onBarClosed('X', '5m', b);
    expect(out.signals.map((s) => `${s.strategy}:${s.side}`)).toEqual(['e1:BUY', 'e1:SELL', 'e2:SELL']);
    expect(out.signals[1]!.snapshot).toEqual(out.signals[2]!.snapshot);
    r.setEnabled('e1', false);
    expect(r.remove('e2')).toBe(true);
    expect(r.remove('e2')).toBe(false);
    for (const b of bars) r.onBarClosed('X', '5m', { ...b, t: b.t + 1e9 });
    expect(out.signals).toHaveLength(3);
    expect(r.status().map((s) => [s.config.id, s.running])).toEqual([['e1', false]]);
  });

  it('an instance added with `bars` for a symbol no instance listens to is warmed on them: it trades like one that saw them live', () => {
    const bars = barsFrom(path(100, [40, 0], [30, 1], [40, -1]), '5m');
    const live = new StrategyRunner({ definitions: BUILTIN_STRATEGIES, instances: [{ id: 'e', type: 'ema_crossover', symbols: ['X'], timeframe: '5m' }] });
    const cold = new StrategyRunner({ definitions: BUILTIN_STRATEGIES });
    const warm = new StrategyRunner({ definitions: BUILTIN_STRATEGIES });
    const [a, b, c] = [collect(live), collect(cold), collect(warm)];
    for (const x of bars.slice(0, 60)) live.onBarClosed('X', '5m', x);
    // the runner keeps no bars of X (no instance listened): without `bars` the new one starts cold
    cold.add({ id: 'e', type: 'ema_crossover', symbols: ['X'], timeframe: '5m' });
    const asked: string[] = [];
    warm.add({ id: 'e', type: 'ema_crossover', symbols: ['X'], timeframe: '5m' }, (sym, tf) => {
      asked.push(`${sym}|${tf}`);
      return tf === '5m' ? bars.slice(0, 60) : [];
    });
    expect(asked).toContain('X|5m');
    expect(c.signals).toEqual([]); // warmed muted
    for (const x of bars.slice(60)) for (const r of [live, cold, warm]) r.onBarClosed('X', '5m', x);
    const sells = (o: typeof a) => o.signals.filter((s) => s.side === 'SELL').map((s) => [s.ts, s.snapshot]);
    expect(sells(a).length).toBeGreaterThan(0);
    expect(sells(c)).toEqual(sells(a));
    expect(sells(b)).not.toEqual(sells(a));
  });

  it('uses an injected clock for now() when given', () => {
    const r = new StrategyRunner({ definitions: [probe('p', 'BUY')], instances: [{ id: 'p1', type: 'p', symbols: ['X'], params: { n: 1 } }], clock: { now: () => 42 } });
    const out = collect(r);
    r.onBarClosed('X', '5m', bars5[0]!);
    expect(out.signals[0]!.ts).toBe(42);
    expect(out.intents[0]!.tsEvent).toBe(42);
  });
});
