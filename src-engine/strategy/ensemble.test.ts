import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { DEFAULT_WEIGHTS, Ensemble, type Vote } from './ensemble.js';
import type { Side, Signal } from './strategy.js';

let seq = 0;
function vote(side: Side, confidence: number, weight = 1, opts: { strategy?: string; symbol?: string; snapshot?: Record<string, number> } = {}): Vote {
  const signal: Signal = {
    ts: 1,
    symbol: opts.symbol ?? 'RELIANCE',
    strategy: opts.strategy ?? `s${seq++}`,
    type: 'test',
    side,
    confidence,
    reason: `${side} ${confidence}`,
    price: 100,
    timeframe: '5m',
    barTime: 0,
    snapshot: opts.snapshot ?? {},
  };
  return { signal, weight, priority: seq };
}

describe('Ensemble', () => {
  it('seeds the weights of the brief', () => {
    expect(DEFAULT_WEIGHTS).toMatchObject({ sma_crossover: 1, ema_crossover: 1, rsi_reversion: 0.8, bollinger_reversion: 0.7, macd: 1, vwap: 0.9, supertrend: 1.2, stoch_rsi: 0.8 });
    const e = new Ensemble({ weights: { vwap: 2 } });
    expect(e.weightOf('vwap')).toBe(2);
    expect(e.weightOf('supertrend')).toBe(1.2);
    expect(e.weightOf('unknown')).toBe(1);
  });

  it('scores Σ(w·c·±1)/Σw over the voters and applies the ±0.3 thresholds', () => {
    const e = new Ensemble();
    const i = e.decide('RELIANCE', [vote('BUY', 0.9, 1.2), vote('BUY', 0.5, 0.8)], 10, '5m')!;
    expect(i.side).toBe('BUY');
    expect(i.score).toBeCloseTo((1.2 * 0.9 + 0.8 * 0.5) / 2, 12);
    expect(i).toMatchObject({ symbol: 'RELIANCE', tsEvent: 10, timeframe: '5m', price: 100 });
    expect(i.reasons).toHaveLength(2);
    expect(i.conflict).toBeUndefined();
    expect(e.decide('RELIANCE', [vote('SELL', 0.25)], 10, '5m')).toBeUndefined();
    expect(e.decide('RELIANCE', [vote('SELL', 0.31)], 10, '5m')!.side).toBe('SELL');
    expect(e.decide('RELIANCE', [], 10, '5m')).toBeUndefined();
  });

  it('net_out: opposite votes cancel', () => {
    const e = new Ensemble({ conflict: 'net_out' });
    expect(e.decide('RELIANCE', [vote('BUY', 1, 1.2), vote('SELL', 1, 0.8)], 0, '5m')).toBeUndefined(); // 0.2
    const i = e.decide('RELIANCE', [vote('BUY', 1, 1.2), vote('SELL', 0.5, 0.7)], 0, '5m')!;
    expect(i.side).toBe('BUY');
    expect(i.score).toBeCloseTo((1.2 - 0.35) / 1.9, 12);
    expect(i.conflict).toBe('net_out');
    expect(i.reasons.some((r) => r.overruled)).toBe(false);
  });

  it('highest_confidence: the strongest weighted vote picks the side, the other side is overruled', () => {
    const e = new Ensemble({ conflict: 'highest_confidence' });
    const i = e.decide('RELIANCE', [vote('BUY', 0.6, 1), vote('SELL', 0.9, 0.8)], 0, '5m')!;
    expect(i.side).toBe('SELL');
    expect(i.score).toBeCloseTo(-0.9, 12);
    expect(i.conflict).toBe('highest_confidence');
    expect(i.reasons.map((r) => [r.side, r.overruled ?? false])).toEqual([
      ['BUY', true],
      ['SELL', false],
    ]);
  });

  it('priority: the earliest instance picks the side; per-symbol modes override the default', () => {
    const e = new Ensemble({ conflict: 'net_out', conflictBySymbol: { INFY: 'priority' } });
    const votes = [vote('BUY', 0.4, 1, { symbol: 'INFY' }), vote('SELL', 1, 1, { symbol: 'INFY' })];
    const i = e.decide('INFY', votes, 0, '5m')!;
    expect(i.side).toBe('BUY');
    expect(i.score).toBeCloseTo(0.4, 12);
    expect(i.conflict).toBe('priority');
    expect(e.conflictModeOf('RELIANCE')).toBe('net_out');
  });

  it('ignores weight-0 instances, other symbols, and all but an instance’s last vote; merges snapshots', () => {
    const e = new Ensemble();
    const i = e.decide(
      'RELIANCE',
      [
        vote('SELL', 1, 0),
        vote('SELL', 1, 1, { symbol: 'TCS' }),
        vote('SELL', 1, 1, { strategy: 'a' }),
        vote('BUY', 0.8, 1, { strategy: 'a', snapshot: { ema_9: 1 } }),
        vote('BUY', 0.6, 1, { snapshot: { rsi_14: 40 } }),
      ],
      0,
      '5m',
    )!;
    expect(i.side).toBe('BUY');
    expect(i.score).toBeCloseTo(0.7, 12);
    expect(i.reasons.map((r) => r.strategy)).toHaveLength(2);
    expect(i.snapshot).toEqual({ ema_9: 1, rsi_14: 40 });
  });

  it('rejects bad configs with the key', () => {
    expect(() => new Ensemble({ buyThreshold: 2 })).toThrow(/buyThreshold/);
    expect(() => new Ensemble({ conflict: 'vote' as never })).toThrow(/conflict/);
    expect(() => new Ensemble({ buyThreshold: -0.5, sellThreshold: 0.5 })).toThrow(/sellThreshold/);
    expect(() => new Ensemble({ extra: 1 } as never)).toThrow(/extra/);
  });

  it('property: the score is within −1..1 and the side agrees with the thresholds', () => {
    const e = new Ensemble();
    const arb = fc.array(fc.record({ buy: fc.boolean(), c: fc.double({ min: 0, max: 1, noNaN: true }), w: fc.double({ min: 0, max: 3, noNaN: true }) }), { maxLength: 8 });
    fc.assert(
      fc.property(arb, fc.constantFrom('highest_confidence', 'priority', 'net_out'), (vs, mode) => {
        const en = mode === 'net_out' ? e : new Ensemble({ conflict: mode as 'priority' });
        const i = en.decide('X', vs.map((v) => vote(v.buy ? 'BUY' : 'SELL', v.c, v.w, { symbol: 'X' })), 0, '1m');
        if (i === undefined) return;
        expect(Math.abs(i.score)).toBeLessThanOrEqual(1 + 1e-12);
        expect(i.side === 'BUY' ? i.score > 0.3 : i.score < -0.3).toBe(true);
      }),
    );
  });
});
