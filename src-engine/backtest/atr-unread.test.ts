import { afterEach, describe, expect, it, vi } from 'vitest';
import { Atr } from '../indicators/atr.js';
import { runProfileSchema } from '../runtime/config.js';
import { atrReadBy } from '../runtime/engine.js';
import { runBacktest } from './backtest.js';
import { dataOf, generatedSeries, smaConfig } from './testing.js';

/**
 * A backtest's trading section is fixed for the run (EngineDeps.fixedTradingConfig): the 1-minute ATR(14)
 * is kept only when its sizing (risk_pct) or exits (an ATR stop or target) read it (atrReadBy).
 */

const trading = (t: unknown) => runProfileSchema.parse({ trading: t }).trading;
const noAtrExits = { atrMultipleStop: 0, atrMultipleTarget: 0 };

afterEach(() => {
  vi.restoreAllMocks();
});

describe('atrReadBy', () => {
  it('reads ATR with the default exits (an ATR stop and target), risk_pct sizing, or any strategy rule that does', () => {
    expect(atrReadBy(trading({}))).toBe(true);
    expect(atrReadBy(trading({ exits: { default: noAtrExits } }))).toBe(false);
    expect(atrReadBy(trading({ exits: { default: { ...noAtrExits, trailingBps: 30, maxHoldMs: 60_000 } } }))).toBe(false);
    expect(atrReadBy(trading({ exits: { default: { atrMultipleStop: 0, atrMultipleTarget: 1 } } }))).toBe(true);
    expect(atrReadBy(trading({ exits: { default: { atrMultipleStop: 1.5, atrMultipleTarget: 0 } } }))).toBe(true);
    expect(atrReadBy(trading({ exits: { default: noAtrExits, strategies: { s: { atrMultipleStop: 1, atrMultipleTarget: 0 } } } }))).toBe(true);
    expect(atrReadBy(trading({ exits: { default: noAtrExits }, sizing: { default: { mode: 'risk_pct', bps: 50 } } }))).toBe(true);
    expect(atrReadBy(trading({ exits: { default: noAtrExits }, sizing: { strategies: { s: { mode: 'risk_pct', bps: 50 } } } }))).toBe(true);
    expect(atrReadBy(trading({ exits: { default: noAtrExits }, sizing: { default: { mode: 'fixed_value', valuePaise: 100_000 } } }))).toBe(false);
  });
});

describe('a backtest keeps the ATR only when something reads it', () => {
  const series = [generatedSeries('A1', '2025-01-06', 2, 5), generatedSeries('A2', '2025-01-06', 2, 6, 40_000)];
  const symbols = series.map((s) => s.symbol);

  it('exits none and fixed_qty: no ATR update at all, and the same run as one that keeps the ATR for a rule nobody trades under', () => {
    const update = vi.spyOn(Atr.prototype, 'update');
    const plain = runBacktest(smaConfig(symbols, 5, 20), dataOf(...series));
    expect(update).not.toHaveBeenCalled();
    expect(plain.counts.fills).toBeGreaterThan(20);
    // an ATR stop for a strategy id no instance has: the ATR is kept (every 1-minute bar of both symbols), read by nothing that trades
    const cfg = smaConfig(symbols, 5, 20);
    cfg.backtest.exits = 'profile';
    cfg.profile.trading.exits = { default: { ...cfg.profile.trading.exits.default, ...noAtrExits, trailingBps: 0 }, strategies: { ghost: { ...cfg.profile.trading.exits.default, atrMultipleStop: 2 } } };
    const kept = runBacktest(cfg, dataOf(...series));
    expect(update.mock.calls.length).toBe(plain.counts.bars);
    expect(kept.fills).toEqual(plain.fills);
    expect(kept.trades).toEqual(plain.trades);
    expect(kept.equity).toEqual(plain.equity);
    expect(kept.metrics).toEqual(plain.metrics);
  });

  it('risk_pct sizing with exits none still sizes on the ATR (no ATR: every intent would size to 0)', () => {
    const update = vi.spyOn(Atr.prototype, 'update');
    const cfg = smaConfig(symbols, 5, 20);
    cfg.profile.trading.sizing = { default: { mode: 'risk_pct', bps: 50, atrMultiple: 2 } } as typeof cfg.profile.trading.sizing;
    const r = runBacktest(cfg, dataOf(...series));
    expect(update.mock.calls.length).toBe(r.counts.bars);
    expect(r.fills.length).toBeGreaterThan(10);
    expect(r.fills.some((f) => f.qty > 1)).toBe(true);
  });
});
