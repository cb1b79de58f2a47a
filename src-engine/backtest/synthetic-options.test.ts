import { describe, expect, it } from 'vitest';
import { IST_OFFSET_MS } from '../core/ist.js';
import { istTime } from '../core/nse-calendar.js';
import { Rng } from '../core/random.js';
import { black76Price } from '../fno/black76.js';
import type { Candle, CandleSeries } from '../kite-sim/csv-replay.js';
import { parseBacktestConfig, runBacktest } from './backtest.js';
import { buildReport, renderReportHtml } from './report.js';
import { niftyLotOn, syntheticExpiries, syntheticOptions, SyntheticOptionsError, syntheticOptionsSchema } from './synthetic-options.js';
import { INDEX_FNO } from '../fno/specs.js';
import { dataOf } from './testing.js';

const NIFTY = INDEX_FNO['NIFTY']!;

/** A synthetic contract's declared facts (all present for a contract). */
function contract(syn: ReturnType<typeof syntheticOptions>, symbol: string): { kind: 'CE' | 'PE'; strikePaise: number; expiry: string; lotSize: number } {
  const i = syn.instruments.get(symbol)!;
  expect(syn.info.contracts).toContain(symbol);
  return { ...i, kind: i.kind as 'CE' | 'PE', strikePaise: i.strikePaise!, expiry: i.expiry!, lotSize: i.lotSize! };
}

/** NIFTY 50 1-minute bars on the given IST days: a random walk of ₹6 a minute; on the last day ₹10 a minute down 12:30–14:00, then up to the close. */
function nifty(days: string[], seed = 11): CandleSeries {
  const rng = new Rng(seed);
  const candles: Candle[] = [];
  let px = 26_000_00;
  days.forEach((day, di) => {
    const open = Date.parse(`${day}T09:15:00Z`) - IST_OFFSET_MS;
    for (let m = 0; m < 375; m++) {
      const drift = di !== days.length - 1 || m < 195 ? 0 : m < 285 ? -1000 : 1000;
      const o = px;
      const c = Math.round((o + drift + rng.normal() * 600) / 5) * 5;
      const h = Math.max(o, c) + Math.round(Math.abs(rng.normal()) * 40) * 5;
      const l = Math.min(o, c) - Math.round(Math.abs(rng.normal()) * 40) * 5;
      const start = open + m * 60_000;
      candles.push({ start, end: start + 60_000, openPaise: o, highPaise: h, lowPaise: l, closePaise: c, volume: 0, line: candles.length + 2 });
      px = c;
    }
  });
  return { symbol: 'NIFTY 50', file: 'generated:NIFTY 50', interval: 60_000, candles };
}

/** The model, written out here: Black-76 on F = S·e^(rT) with the simulators' smile, snapped to ₹0.05 (≥ 1 tick). */
function expectedPaise(right: 'CE' | 'PE', strike: number, expiry: string, spot: number, at: number, vol = 0.13, rate = 0.065): number {
  const left = istTime(expiry, '15:30') - at;
  if (left <= 0) return Math.max(5, Math.max(0, right === 'CE' ? spot - strike : strike - spot));
  const t = Math.max(60_000, left) / (365 * 86_400_000);
  const f = spot * Math.exp(rate * t);
  const x = Math.log(strike / f);
  const sigma = vol * Math.min(3, 1 + 4 * x * x - 0.5 * x);
  return Math.max(5, Math.round(black76Price({ forward: f, strike, t, vol: sigma, rate, right }) / 5) * 5);
}

describe('synthetic option expiries on the real calendar', () => {
  it('NIFTY: Thursday until 2025-08-28, Tuesday from 2025-09-02; a holiday moves it to the previous trading day; monthly = the last', () => {
    expect(syntheticExpiries(NIFTY, 'weekly', istTime('2022-11-18', '10:00'), 2)).toEqual(['2022-11-24', '2022-12-01']);
    expect(syntheticExpiries(NIFTY, 'monthly', istTime('2022-11-18', '10:00'), 1)).toEqual(['2022-11-24']);
    expect(syntheticExpiries(NIFTY, 'weekly', istTime('2025-08-28', '15:29'), 1)).toEqual(['2025-08-28']);
    expect(syntheticExpiries(NIFTY, 'weekly', istTime('2025-08-28', '15:30'), 1)).toEqual(['2025-09-02']);
    // Tue 2026-03-31 is Mahavir Jayanti: that week's expiry is Monday 30th
    expect(syntheticExpiries(NIFTY, 'weekly', istTime('2026-03-27', '10:00'), 2)).toEqual(['2026-03-30', '2026-04-07']);
    expect(syntheticExpiries(NIFTY, 'monthly', istTime('2026-12-03', '10:00'), 2)).toEqual(['2026-12-29', '2027-01-26']);
    expect([niftyLotOn('2021-06-24'), niftyLotOn('2022-11-24'), niftyLotOn('2024-06-27'), niftyLotOn('2025-03-27'), niftyLotOn('2026-12-08')]).toEqual([75, 50, 25, 75, 65]);
  });
});

describe('synthetic option candles', () => {
  const u = nifty(['2026-12-03', '2026-12-04', '2026-12-07', '2026-12-08']);
  const section = syntheticOptionsSchema.parse({ underlying: 'NIFTY', strikes: 1 });

  it('every candle is Black-76 of the model at that bar (close at its end, open at its start), intrinsic at 15:30 of expiry day', () => {
    const syn = syntheticOptions(dataOf(u), section);
    expect(syn.series.length).toBeGreaterThan(6);
    let checked = 0;
    const byStart = new Map(u.candles.map((c) => [c.start, c]));
    for (const s of syn.series) {
      const inst = contract(syn, s.symbol);
      expect(inst).toMatchObject({ exchange: 'NFO', underlying: 'NIFTY', expiry: '2026-12-08', lotSize: 65, tickSizePaise: 5 });
      expect(s.symbol).toBe(`NIFTY26D08${inst.strikePaise / 100}${inst.kind}`);
      for (const c of s.candles) {
        const b = byStart.get(c.start)!;
        expect(c.closePaise).toBe(expectedPaise(inst.kind, inst.strikePaise, inst.expiry, b.closePaise, b.end));
        expect(c.openPaise).toBe(expectedPaise(inst.kind, inst.strikePaise, inst.expiry, b.openPaise, b.start));
        expect(c.highPaise).toBeGreaterThanOrEqual(Math.max(c.openPaise, c.closePaise));
        expect(c.lowPaise).toBeLessThanOrEqual(Math.min(c.openPaise, c.closePaise));
        checked++;
      }
      // a contract quoted into the expiry's last bar closes at its intrinsic value (the settlement price)
      const last = s.candles.at(-1)!;
      if (last.end === istTime('2026-12-08', '15:30')) {
        const spot = u.candles.at(-1)!.closePaise;
        const intrinsic = Math.max(0, inst.kind === 'CE' ? spot - inst.strikePaise : inst.strikePaise - spot);
        expect(last.closePaise).toBe(Math.max(5, intrinsic));
      }
    }
    expect(checked).toBeGreaterThan(1000);
    // the ATM ± 1 strikes of the first bar's close are quoted from the first bar
    const atm = Math.round(u.candles[0]!.closePaise / 5000) * 5000;
    for (const k of [atm - 5000, atm, atm + 5000]) for (const r of ['CE', 'PE']) expect(syn.series.find((s) => s.symbol === `NIFTY26D08${k / 100}${r}`)?.candles[0]!.start).toBe(u.candles[0]!.start);
  });

  it('a flat volatility and another rate are the model’s parameters; bad sections name the field', () => {
    const flat = syntheticOptions(dataOf(u), syntheticOptionsSchema.parse({ underlying: 'NIFTY', strikes: 0, right: 'CE', model: { vol: 0.2, smile: false, rate: 0.05 } }));
    const b = u.candles[100]!;
    const s = flat.series.find((x) => x.candles.some((c) => c.start === b.start))!;
    const inst = contract(flat, s.symbol);
    const c = s.candles.find((x) => x.start === b.start)!;
    const t = (istTime('2026-12-08', '15:30') - b.end) / (365 * 86_400_000);
    expect(c.closePaise).toBe(Math.max(5, Math.round(black76Price({ forward: b.closePaise * Math.exp(0.05 * t), strike: inst.strikePaise, t, vol: 0.2, rate: 0.05, right: 'CE' }) / 5) * 5));
    expect(flat.series.every((x) => x.symbol.endsWith('CE'))).toBe(true);
    expect(flat.info.model).toMatchObject({ name: 'Black-76', vol: 0.2, smile: false, rate: 0.05 });
    // an underlying named otherwise (the vendor files' NIFTY) is replayed as NIFTY 50 too, for the fno: plan and the settlement
    const renamed = { ...u, symbol: 'NIFTY' };
    const alias = syntheticOptions(dataOf(renamed), syntheticOptionsSchema.parse({ underlying: 'NIFTY', series: 'NIFTY', strikes: 0 }));
    expect(alias.series.find((x) => x.symbol === 'NIFTY 50')?.candles).toBe(renamed.candles);
    expect(alias.info.contracts).not.toContain('NIFTY 50');
    expect(() => syntheticOptions(dataOf(u), syntheticOptionsSchema.parse({ underlying: 'NIFTY', series: 'NIFTY BANK' }))).toThrow(SyntheticOptionsError);
    expect(() => syntheticOptions(dataOf(u), syntheticOptionsSchema.parse({ underlying: 'NIFTYX' }))).toThrow(/backtest\.options\.underlying/);
    expect(() => parseBacktestConfig('strategies: []\nbacktest:\n  options: { underlying: NIFTY, right: XX }\n', 'cfg.yaml')).toThrow(/backtest\.options\.right/);
  });
});

describe('a backtest trading synthetic NIFTY options through the profile’s fno: section', () => {
  const config = parseBacktestConfig(
    `
strategies: []
ensemble: { buyThreshold: 0.1, sellThreshold: -0.1 }
fno:
  underlyings: [NIFTY]
  options: { strike: ATM, steps: 0, expiry: nearest, right: CE, reResolveStrikes: 1 }
  strategies:
    - { id: nifty-atm, type: fno_intraday_trend, leg: option, on: underlying, params: { fast: 2, slow: 5, adx: 3, minAdx: 0, entryTo: '15:20', squareOff: '15:45' } }
trading:
  capital: 2000000
  product: NRML
  sizing: { default: { mode: fixed_lots, lots: 1 } }
  risk: { maxDailyLossBps: 10000, maxDrawdownBps: 10000 }
  paper: { slippage: { ticks: 0 } }
backtest:
  exits: none
  options: { underlying: NIFTY, strikes: 1, model: { vol: 0.13, smile: true, rate: 0.065 } }
`,
    'synthetic.yaml',
  );
  const u = nifty(['2026-12-03', '2026-12-04', '2026-12-07', '2026-12-08']);
  const result = runBacktest(config, dataOf(u));
  const syn = syntheticOptions(dataOf(u), config.backtest.options!, config.profile);
  const bySymbol = new Map(syn.series.map((s) => [s.symbol, s]));

  it('option orders in whole lots fill at the synthetic prices, with option charges', () => {
    const trades = result.fills.filter((f) => !f.orderId.startsWith('XS-'));
    expect(trades.length).toBeGreaterThan(2);
    for (const f of trades) {
      expect(f.symbol).toMatch(/^NIFTY26D08\d+CE$/); // fno.options.right: CE (BUY opens a call, SELL closes it)
      expect(f.qty % 65).toBe(0);
      const bar = bySymbol.get(f.symbol)!.candles.find((c) => c.start <= f.tsEvent && f.tsEvent <= c.end)!;
      expect([bar.openPaise, bar.highPaise, bar.lowPaise, bar.closePaise], `${f.symbol} at ${new Date(f.tsEvent).toISOString()}`).toContain(f.pricePaise);
      expect(f.chargesPaise).toBeGreaterThanOrEqual(20_00); // ₹20 a executed option order, plus taxes
    }
  });

  it('what is open at 15:30 of the expiry day settles at intrinsic value, an exercised long paying the exercise STT', () => {
    const settled = result.fills.filter((f) => f.orderId.startsWith('XS-2026-12-08'));
    expect(settled.length).toBeGreaterThan(0);
    const spot = u.candles.at(-1)!.closePaise;
    for (const f of settled) {
      expect(f.tsEvent).toBe(istTime('2026-12-08', '15:30'));
      const inst = contract(syn, f.symbol);
      const intrinsic = Math.max(0, inst.kind === 'CE' ? spot - inst.strikePaise : inst.strikePaise - spot);
      expect(f.pricePaise).toBe(intrinsic);
      // long options only (fno on: underlying buys premium): 0.15 % of intrinsic × qty from 2026-04-01
      expect(f.side).toBe('SELL');
      expect(f.chargesPaise).toBe(Math.round((intrinsic * f.qty * 15) / 10_000));
    }
    // the call bought on the afternoon's rise ends in the money: exercised, with STT
    expect(settled.some((f) => f.pricePaise > 0 && f.chargesPaise > 0)).toBe(true);
    expect(result.openPositions).toEqual([]);
  });

  it('report.json and report.html say the option prices are synthetic, with the model and its parameters', () => {
    expect(result.syntheticOptions).toMatchObject({ synthetic: true, underlying: 'NIFTY', series: 'NIFTY 50', model: { name: 'Black-76', vol: 0.13, rate: 0.065 } });
    expect(result.warnings.some((w) => w.startsWith('Option prices are SYNTHETIC'))).toBe(true);
    const report = buildReport(result, { files: [], overrides: {} });
    expect(report['syntheticOptions']).toMatchObject({ synthetic: true, statement: expect.stringMatching(/^Option prices are SYNTHETIC, not market data: NIFTY options derived from NIFTY 50's history with Black-76/) });
    const html = renderReportHtml(report, result);
    expect(html).toMatch(/<p id="synthetic-options"[^>]*><strong>Option prices are SYNTHETIC, not market data/);
    expect(html).toContain('vol 0.13');
    expect(html).toContain('rate 0.065');
  });
});
