/**
 * Issue 14: the real NIFTY option trades of 18 Nov 2022 (../shared/data/nse/ticks/nfo_index_options_2022-11-18,
 * README §4: `date,time,price,volume,open_interest`, the vendor's last trade per second) replayed through the
 * PAPER path — the kernel (runtime/engine.ts) in paper mode on the replay data client (runtime/replay-feed.ts),
 * the tick files read by the backtester's loader (backtest/data.ts: each second's trades = one 1-second bar,
 * replayed as four prints, the second's last trade last). Scripted MARKET orders in whole lots fill by the paper
 * fill model at the last recorded price, F&O option charges are applied, and the journal and ledger are checked
 * against a computation made here from the CSV rows alone.
 *
 * The contracts (NIFTY 18300 CE / PE expiring Thu 24 Nov 2022, the November monthly):
 *  - lot 50: NSE circular NSE/FAOP/47854 of 31 Mar 2021 ("Revision in Market Lot of Derivative Contracts on
 *    Indices": NIFTY 75 → 50 from the July 2021 monthly and August 2021 weekly contracts), unchanged until NSE's
 *    April 2024 revision (50 → 25, from the contracts expiring 2 May 2024; Business Standard, 3 Apr 2024);
 *    tick ₹0.05 (every price in both files is a multiple of it — checked below);
 *  - symbol: Kite would have listed them as NIFTY22NOV18300CE, but this repo's monthly-symbol parser dates a
 *    monthly on today's Tuesday rule (fno/expiries.ts), so the weekly form, which carries the date, is used:
 *    NIFTY22N2418300CE (NFO, expiry 2022-11-24, strike ₹18,300).
 *  - charges: the dated schedule starts 2024-06-01 (execution/charges-schedule.ts, docs/charges.md); a 2022
 *    fill is charged at its first (2024-06-01) options rates, which the ledger logs. The test recomputes them
 *    from those published rates by hand (not through execution/charges.ts).
 */
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { loadBacktestData } from '../../src-engine/backtest/data.js';
import { IST_OFFSET_MS } from '../../src-engine/core/ist.js';
import { istTime } from '../../src-engine/core/nse-calendar.js';
import { parseRunProfile } from '../../src-engine/runtime/config.js';
import { Engine } from '../../src-engine/runtime/engine.js';
import { ReplayFeed } from '../../src-engine/runtime/replay-feed.js';
import { MemoryTradingStore } from '../../src-engine/runtime/trading.js';
import { SHARED_DIR, sharedFiles } from '../support/external-inputs.js';

const DIR = join(SHARED_DIR, 'data/nse/ticks/nfo_index_options_2022-11-18');
const FUT_DIR = join(SHARED_DIR, 'data/nse/ticks/nfo_index_futures_2022-11-01_and_18');
const CE_FILE = join(DIR, 'NIFTY22112418300CE_20221118.csv');
const PE_FILE = join(DIR, 'NIFTY22112418300PE_20221118.csv');
const FUT_FILE = join(FUT_DIR, 'NIFTY-I_20221118.csv');
const have = sharedFiles(import.meta.url, 'shared-data', CE_FILE, PE_FILE, FUT_FILE);

const CE = 'NIFTY22N2418300CE';
const PE = 'NIFTY22N2418300PE';
const LOT = 50;
const DAY = '2022-11-18';

/** The CSV rows as (epoch ms of the row's second, price in paise), read here without the engine's loader. */
function rows(file: string): { t: number; p: number }[] {
  const lines = readFileSync(file, 'utf8').trim().split('\n');
  expect(lines[0]).toBe('date,time,price,volume,open_interest');
  return lines.slice(1).map((l) => {
    const [d, tm, px] = l.split(',');
    const t = Date.UTC(+d!.slice(0, 4), +d!.slice(4, 6) - 1, +d!.slice(6, 8), +tm!.slice(0, 2), +tm!.slice(3, 5), +tm!.slice(6, 8)) - IST_OFFSET_MS;
    return { t, p: Math.round(Number(px) * 100) };
  });
}

/** The last recorded trade before `at` (the price the paper broker sees then). */
function lastBefore(r: readonly { t: number; p: number }[], at: number): { t: number; p: number } {
  let best: { t: number; p: number } | undefined;
  for (const x of r) if (x.t < at) best = x;
  if (!best) throw new Error(`no trade before ${new Date(at).toISOString()}`);
  return best;
}

/** round(value × parts / 10^8) half up, exactly. */
const ofValue = (v: number, parts: number): number => Number((BigInt(v) * BigInt(parts) * 2n + 100_000_000n) / 200_000_000n);

/**
 * One executed NSE option order at the 2024-06-01 rates, from the published numbers (docs/charges.md):
 * brokerage ₹20 flat; STT 0.0625 % of the sell premium; exchange 0.0495 % + IPFT ₹50/crore; SEBI ₹10/crore;
 * stamp 0.003 % of the buy premium; GST 18 % of brokerage + exchange + SEBI.
 */
function optionOrderCharges(side: 'BUY' | 'SELL', valuePaise: number): number {
  const brokerage = 20_00;
  const stt = side === 'SELL' ? ofValue(valuePaise, 62_500) : 0;
  const txn = ofValue(valuePaise, 49_500) + ofValue(valuePaise, 500);
  const sebi = ofValue(valuePaise, 100);
  const stamp = side === 'BUY' ? ofValue(valuePaise, 3_000) : 0;
  const gst = ofValue(brokerage + txn + sebi, 18_000_000);
  return brokerage + stt + txn + sebi + stamp + gst;
}

describe.skipIf(!have)('real NIFTY option ticks (18 Nov 2022) through the paper path', () => {
  it('scripted whole-lot orders fill at the recorded prices; journal and ledger match a computation from the CSV rows', () => {
    const ce = rows(CE_FILE);
    const pe = rows(PE_FILE);
    const fut = rows(FUT_FILE);
    // tick ₹0.05: every recorded price is on it
    expect([...ce, ...pe].every((x) => x.p % 5 === 0)).toBe(true);

    const data = loadBacktestData([
      { path: CE_FILE, symbol: CE },
      { path: PE_FILE, symbol: PE },
    ]);
    const declared = { exchange: 'NFO' as const, underlying: 'NIFTY', expiry: '2022-11-24', strikePaise: 18_300_00, tickSizePaise: 5, lotSize: LOT };
    const feed = new ReplayFeed({
      series: data.series,
      speed: 1,
      seed: 1,
      backfillMinutes: 0,
      noise: 0,
      tickIntervalMs: 7 * 86_400_000, // four prints a bar: the second's first, extremes, last trade
      baseSeeds: [],
      instrumentOverrides: new Map([
        [CE, { ...declared, kind: 'CE' as const }],
        [PE, { ...declared, kind: 'PE' as const }],
      ]),
    });
    expect(feed.instruments.find((i) => i.symbol === CE)).toMatchObject({ exchange: 'NFO', kind: 'CE', lotSize: LOT, tickSizePaise: 5, expiry: '2022-11-24', strikePaise: 18_300_00 });
    const profile = parseRunProfile(
      [
        'mode: paper',
        'strategies: []',
        'trading:',
        '  capital: 1000000',
        '  product: NRML',
        '  exits: { default: { trailingBps: 0, atrMultipleStop: 0, atrMultipleTarget: 0 } }',
        '  risk: { staleAfterMs: 900000, maxDailyLossBps: 10000, maxDrawdownBps: 10000 }',
        '  paper: { staleAfterMs: 900000, marketFill: last, slippage: { ticks: 0 } }',
      ].join('\n'),
      'nfo-option-ticks',
    );
    const store = new MemoryTradingStore(1000, true);
    const warnings: string[] = [];
    const engine = new Engine({
      profile,
      watchlist: { get: () => [], set: () => {} },
      feed,
      clock: { now: () => feed.now() },
      autoStart: false,
      trading: store,
      dailyHistory: () => new Map(),
      signals: { append: (s) => ({ id: 1, ...s }), recent: () => [] },
      log: (level, msg) => {
        if (level === 'warn') warnings.push(msg);
      },
    });
    const trading = engine.trading;
    expect(trading.mode).toBe('paper');
    const to = (hhmmss: string) => {
      const at = istTime(DAY, hhmmss.slice(0, 5)) + Number(hhmmss.slice(6, 8)) * 1000;
      // the replay skips seconds in which neither contract traded: time may land a little past `at`
      while (feed.now() < at) feed.advance(at - feed.now());
      expect(feed.now() - at).toBeLessThan(300_000);
      return feed.now();
    };

    // the script: [time, symbol, side, lots]
    const script: [string, string, 'BUY' | 'SELL', number][] = [
      ['09:30:00', CE, 'BUY', 2],
      ['09:30:00', PE, 'BUY', 1],
      ['11:00:00', CE, 'SELL', 1],
      ['13:15:30', PE, 'SELL', 1],
      ['13:15:30', PE, 'SELL', 1], // short one lot of the put
      ['14:45:00', CE, 'SELL', 1],
      ['15:10:00', PE, 'BUY', 1], // cover
    ];
    const expected: { symbol: string; side: 'BUY' | 'SELL'; qty: number; pricePaise: number; chargesPaise: number }[] = [];
    const futAt: Record<string, number> = {};
    const placedAt: Record<string, number> = {};
    for (const [hhmmss, symbol, side, lots] of script) {
      const at = to(hhmmss);
      const last = lastBefore(symbol === CE ? ce : pe, at);
      const r = trading.placeManual({ symbol, side, qty: lots * LOT, product: 'NRML', validity: 'DAY', variety: 'regular', orderType: 'MARKET' });
      expect(r.decision.action, `${hhmmss} ${side} ${symbol}: ${r.decision.message ?? ''}`).toBe('ALLOW');
      expect(r.orders.map((o) => o.status)).toEqual(['COMPLETE']);
      expected.push({ symbol, side, qty: lots * LOT, pricePaise: last.p, chargesPaise: optionOrderCharges(side, lots * LOT * last.p) });
      futAt[hhmmss] = lastBefore(fut, at).p;
      placedAt[hhmmss] = at;
    }
    while (!feed.replay.done) feed.advance(3_600_000);
    engine.stop();

    // the journal: one fill per order, at the recorded price, with the option charges
    const fills = store.fills();
    expect(fills.map((f) => ({ symbol: f.symbol, side: f.side, qty: f.qty, pricePaise: f.pricePaise, chargesPaise: f.chargesPaise }))).toEqual(expected);
    expect(fills.every((f) => f.exchange === 'NFO' && f.product === 'NRML')).toBe(true);
    expect(fills.every((f) => f.charges.totalPaise === f.chargesPaise && f.charges.brokeragePaise === 20_00)).toBe(true);
    expect(warnings).toContain('fills before the charges schedule starts are charged at its first rates');

    // the ledger: flat at the end, realised = sells − buys − charges, equity = capital + realised
    const snap = trading.ledger.snapshot();
    expect(snap.positions.filter((p) => p.qty !== 0)).toEqual([]);
    const cash = expected.reduce((a, f) => a + (f.side === 'SELL' ? 1 : -1) * f.qty * f.pricePaise, 0);
    const charges = expected.reduce((a, f) => a + f.chargesPaise, 0);
    const trades = trading.ledger.closedTrades();
    expect(trades.reduce((a, t) => a + t.grossPnlPaise, 0)).toBe(cash);
    expect(trades.reduce((a, t) => a + t.netPnlPaise, 0)).toBe(cash - charges);
    expect(trading.ledger.equityPaise()).toBe(1_000_000_00 + cash - charges);
    // the short put's round trip, by hand: sold at the 13:15:30 price, bought back at 15:10
    const shortPut = trades.find((t) => t.symbol === PE && t.side === 'short');
    expect(shortPut?.grossPnlPaise).toBe((expected[4]!.pricePaise - expected[6]!.pricePaise) * LOT);

    // the files agree with each other: put–call parity against the near-month future within ₹15 at every order time
    for (const [hhmmss] of script) {
      const at = placedAt[hhmmss]!;
      const c = lastBefore(ce, at).p;
      const p = lastBefore(pe, at).p;
      expect(Math.abs(c - p - (futAt[hhmmss]! - 18_300_00)), hhmmss).toBeLessThan(15_00);
    }
  });
});
