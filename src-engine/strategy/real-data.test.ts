import { resolve } from 'node:path';
import { describe, expect, it } from 'vitest';
import { z } from 'zod';
import { readCandleCsv } from '../indicators/candle-csv.js';
import { BUILTIN_STRATEGIES } from './builtins/index.js';
import type { OrderIntent } from './ensemble.js';
import { StrategyRunner } from './runner.js';
import { defineStrategy, type Signal, type StrategyDefinition, type StrategyTimeframe } from './strategy.js';
import { sharedFiles } from '../../test/support/external-inputs.js';

/**
 * Every built-in over RELIANCE's real daily and hourly Kite candles (read from ../shared at test
 * time, never copied into the repo), next to a strategy that throws half-way.
 */
const root = resolve(import.meta.dirname, '../..');
const DATA = resolve(root, '../shared/data/nse');
const FILES: [string, StrategyTimeframe, string][] = [
  ['daily', 'day', resolve(DATA, 'daily/kite_nifty50_stocks/RELIANCE.csv')],
  ['hourly', '60m', resolve(DATA, 'hourly/kite_nifty50_stocks_60minute/RELIANCE.csv')],
];

const THROW_AT = 300;
const thrower = defineStrategy({
  type: 'thrower',
  description: 'throws on its 300th bar',
  params: z.object({}),
  timeframes: ['day'],
  warmup: 0,
  create: (ctx) => {
    const ema = ctx.indicator('ema:5');
    let n = 0;
    return {
      onBar() {
        if (++n === THROW_AT) throw new Error(`deliberate failure at bar ${n}`);
        if (n % 50 === 0) ctx.emit({ side: 'BUY', confidence: 0.1, reason: `alive, ema ${ema.out[0]}` });
      },
    };
  },
}) as unknown as StrategyDefinition;

for (const [name, tf, file] of FILES) {
  const present = sharedFiles(import.meta.url, 'shared-data', file);
  describe.skipIf(!present)(`built-ins on RELIANCE ${name} candles`, () => {
    it('every strategy warms up and signals, snapshots are finite, the thrower is disabled and the rest go on', () => {
      const { bars } = readCandleCsv(file);
      expect(bars.length).toBeGreaterThan(1000);
      const instances = [
        { id: 'thrower', type: 'thrower', symbols: ['RELIANCE'], timeframe: tf },
        ...BUILTIN_STRATEGIES.map((d) => ({ id: d.type, type: d.type, symbols: ['RELIANCE'], timeframe: tf })),
      ];
      const runner = new StrategyRunner({ definitions: [thrower, ...BUILTIN_STRATEGIES], instances });
      const signals: Signal[] = [];
      const intents: OrderIntent[] = [];
      runner.onSignal((s) => signals.push(s));
      runner.onIntent((i) => intents.push(i));
      let throwTime = NaN;
      runner.onError((e) => (throwTime = e.ts));
      for (const b of bars) runner.onBarClosed('RELIANCE', tf, b);

      expect(runner.errors.map((e) => [e.instance, e.hook, e.message])).toEqual([['thrower', 'onBar', `deliberate failure at bar ${THROW_AT}`]]);
      const status = new Map(runner.status().map((s) => [s.config.id, s.running]));
      expect(status.get('thrower')).toBe(false);
      const counts: Record<string, number> = {};
      for (const d of BUILTIN_STRATEGIES) {
        expect(status.get(d.type), d.type).toBe(true);
        const mine = signals.filter((s) => s.strategy === d.type);
        counts[d.type] = mine.length;
        expect(mine.length, `${d.type} signals`).toBeGreaterThan(0);
        expect(mine.some((s) => s.side === 'BUY') && mine.some((s) => s.side === 'SELL'), `${d.type} both sides`).toBe(true);
        expect(mine.some((s) => s.ts > throwTime), `${d.type} after the throw`).toBe(true);
      }
      for (const s of signals) {
        expect(s.confidence).toBeGreaterThanOrEqual(0);
        expect(s.confidence).toBeLessThanOrEqual(1);
        expect(Number.isFinite(s.price) && Number.isFinite(s.barTime) && Number.isFinite(s.ts)).toBe(true);
        const values = Object.values(s.snapshot);
        expect(values.length, `${s.strategy} snapshot`).toBeGreaterThan(0);
        for (const v of values) expect(Number.isFinite(v)).toBe(true);
      }
      expect(signals.filter((s) => s.strategy === 'thrower').every((s) => s.ts < throwTime)).toBe(true);
      expect(intents.length).toBeGreaterThan(0);
      console.log(`RELIANCE ${name}: ${bars.length} bars, ${signals.length} signals, ${intents.length} intents`, JSON.stringify(counts));
    });
  });
}
