import { describe, expect, it } from 'vitest';
import { istTime } from '../core/nse-calendar.js';
import type { TradableInstrument } from '../model/order.js';
import { openDatabase } from '../persistence/db.js';
import { TradingRepo } from '../persistence/trading-repo.js';
import { finalSettlementPrice } from './fno-settlement.js';
import { MemoryTradingStore, TradingService, type TradingStore } from './trading.js';

// NIFTY weekly options expiring Tue 2026-12-08 and the December future (expiry Tue 2026-12-29)
const CE = 'NIFTY26D0826000CE';
const PE = 'NIFTY26D0825800PE';
const FUT = 'NIFTY26DECFUT';
const INSTRUMENTS: TradableInstrument[] = [
  { symbol: CE, exchange: 'NFO', kind: 'option', tickSizePaise: 5, lotSize: 65, freezeQty: 1800 },
  { symbol: PE, exchange: 'NFO', kind: 'option', tickSizePaise: 5, lotSize: 65, freezeQty: 1800 },
  { symbol: FUT, exchange: 'NFO', kind: 'future', tickSizePaise: 10, lotSize: 65, freezeQty: 1800 },
];
const NRML = { product: 'NRML' as const, validity: 'DAY' as const, variety: 'regular' as const, orderType: 'MARKET' as const };

function setup(capital: number, store: TradingStore = new MemoryTradingStore(), t0 = istTime('2026-12-08', '10:00')) {
  const clock = { t: t0, now() { return this.t; } };
  const svc = new TradingService({ mode: 'paper', instruments: INSTRUMENTS, clock, store, config: { capital, paper: { slippage: { ticks: 0 } }, risk: { maxDailyLossBps: 10_000, maxDrawdownBps: 10_000 } } });
  const tick = (symbol: string, paise: number) => svc.onTick(symbol, paise, clock.t);
  const at = (day: string, hhmm: string) => {
    clock.t = istTime(day, hhmm);
    svc.onClock(clock.t);
  };
  return { svc, clock, tick, at, store };
}

describe('F&O in paper: margin before placing', () => {
  it('a short option needs SPAN + exposure on the underlying and is refused with the numbers; a long one costs its premium', () => {
    const { svc, tick } = setup(1_00_000); // ₹1 lakh
    tick('NIFTY 50', 26_000_00);
    tick(CE, 120_00);
    const short = svc.placeManual({ ...NRML, symbol: CE, side: 'SELL', qty: 65 });
    // 65 × ₹26,000 × 11 % = ₹1,85,900 > ₹1,00,000
    expect(short.decision).toMatchObject({ action: 'BLOCK', rule: 'margin' });
    expect(short.decision.message).toMatch(/margin required ₹185900\.00 for 65 is above the available ₹100000\.00/);
    expect(short.orders).toEqual([]);
    const long = svc.placeManual({ ...NRML, symbol: CE, side: 'BUY', qty: 65 });
    expect(long.decision.action).toBe('ALLOW');
    expect(long.orders[0]!.status).toBe('COMPLETE');
    // the premium is what it holds: ₹7,800 of margin in use
    expect(svc.ledger.marginUsedPaise()).toBe(65 * 120_00);
    // not a whole lot: refused before margin is even asked
    expect(svc.placeManual({ ...NRML, symbol: CE, side: 'BUY', qty: 50 }).decision).toMatchObject({ action: 'BLOCK', rule: 'lot_size' });
  });

  it('futures: 11 % of notional; two lots fit ₹5 lakh, eight do not', () => {
    const { svc, tick } = setup(5_00_000);
    tick(FUT, 26_100_00);
    expect(svc.placeManual({ ...NRML, symbol: FUT, side: 'BUY', qty: 130 }).decision.action).toBe('ALLOW');
    expect(svc.placeManual({ ...NRML, symbol: FUT, side: 'SELL', qty: 8 * 65 }).decision).toMatchObject({ action: 'BLOCK', rule: 'margin' });
  });
});

describe('F&O orders in lots within the freeze quantity', () => {
  it('a derivative without a freeze qty gets its underlying’s (profile override first); slices ≤ freeze, at most 10', () => {
    const clock = { t: istTime('2026-12-08', '10:00'), now() { return this.t; } };
    const bare = INSTRUMENTS.map(({ freezeQty: _f, ...i }) => i);
    const mk = (fnoFreezeQty?: Record<string, number>) =>
      new TradingService({ mode: 'paper', instruments: bare, clock, config: { capital: 10_000_000, paper: { slippage: { ticks: 0 } }, ...(fnoFreezeQty ? { fnoFreezeQty } : {}), risk: { checkMargin: false } } });
    const spec = mk();
    spec.onTick(CE, 100_00, clock.t);
    // NIFTY's freeze 1800 (fno/specs.ts) = 27 lots of 65 → 1755 per slice: 30 lots = 2 slices
    const r = spec.placeManual({ ...NRML, symbol: CE, side: 'BUY', qty: 30 * 65 });
    expect(r.orders.map((o) => o.qty)).toEqual([975, 975]);
    const own = mk({ NIFTY: 650 });
    own.onTick(CE, 100_00, clock.t);
    expect(own.placeManual({ ...NRML, symbol: CE, side: 'BUY', qty: 20 * 65 }).orders.map((o) => o.qty)).toEqual([650, 650]);
    // 110 lots at 10 lots a slice = 11 slices: refused
    const big = own.placeManual({ ...NRML, symbol: CE, side: 'BUY', qty: 110 * 65 });
    expect(big.decision).toMatchObject({ action: 'BLOCK', rule: 'freeze_qty' });
    expect(big.orders).toEqual([]);
  });
});

describe('the seed risk rules on derivatives', () => {
  it('the per-symbol loss limit stops new entries in an option that lost it; closing still passes', () => {
    const clock = { t: istTime('2026-12-08', '10:00'), now() { return this.t; } };
    const svc = new TradingService({ mode: 'paper', instruments: INSTRUMENTS, clock, config: { capital: 2_000_000, paper: { slippage: { ticks: 0 } }, risk: { perSymbolMaxLossPaise: 1000_00 }, exits: { default: { trailingBps: 0, atrMultipleStop: 0, atrMultipleTarget: 0 } } } });
    svc.onTick(CE, 120_00, clock.t);
    expect(svc.placeManual({ ...NRML, symbol: CE, side: 'BUY', qty: 65 }).orders).toHaveLength(1);
    svc.onTick(CE, 100_00, clock.t); // 65 × ₹20 = ₹1,300 down (plus charges)
    const more = svc.placeManual({ ...NRML, symbol: CE, side: 'BUY', qty: 65 });
    expect(more.decision).toMatchObject({ action: 'BLOCK', rule: 'symbol_loss' });
    const close = svc.placeManual({ ...NRML, symbol: CE, side: 'SELL', qty: 65 });
    expect(close.decision, close.decision.message).toMatchObject({ action: 'ALLOW' });
  });
});

describe('F&O expiry settlement', () => {
  it('final settlement price: futures at the underlying, options at intrinsic value (0 out of the money), a mark without one', () => {
    expect(finalSettlementPrice({ kind: 'FUT', strikePaise: 0 }, 26_050_00, 26_070_00)).toEqual({ pricePaise: 26_050_00, basis: 'underlying' });
    expect(finalSettlementPrice({ kind: 'CE', strikePaise: 26_000_00 }, 26_050_00, 60_00)).toEqual({ pricePaise: 50_00, basis: 'underlying' });
    expect(finalSettlementPrice({ kind: 'PE', strikePaise: 26_000_00 }, 26_050_00, 1_00)).toEqual({ pricePaise: 0, basis: 'underlying' });
    expect(finalSettlementPrice({ kind: 'PE', strikePaise: 26_000_00 }, undefined, 1_00)).toEqual({ pricePaise: 1_00, basis: 'last-mark' });
  });

  it('options open at 15:30 on expiry day settle at intrinsic value, journalled as settlement fills; the future waits for its own expiry; a restart keeps them closed', () => {
    const db = openDatabase(':memory:');
    const store = new TradingRepo(db, 'paper');
    const { svc, tick, at, clock } = setup(20_00_000, store);
    tick('NIFTY 50', 26_000_00);
    tick(CE, 120_00);
    tick(PE, 40_00);
    tick(FUT, 26_080_00);
    expect(svc.placeManual({ ...NRML, symbol: CE, side: 'BUY', qty: 130 }).orders).toHaveLength(1);
    expect(svc.placeManual({ ...NRML, symbol: PE, side: 'SELL', qty: 65 }).orders).toHaveLength(1);
    expect(svc.placeManual({ ...NRML, symbol: FUT, side: 'BUY', qty: 65 }).orders).toHaveLength(1);
    // the index closes the day at 26,137.45
    clock.t = istTime('2026-12-08', '15:29');
    tick('NIFTY 50', 26_137_45);
    tick(CE, 140_00);
    at('2026-12-08', '15:29');
    expect(svc.fills().filter((f) => f.clientId === 'settlement')).toEqual([]);
    at('2026-12-08', '15:30');
    const settled = svc.fills().filter((f) => f.clientId === 'settlement');
    expect(settled.map((f) => [f.symbol, f.side, f.qty, f.pricePaise, f.chargesPaise]).sort((a, b) => String(a[0]).localeCompare(String(b[0])))).toEqual([
      [PE, 'BUY', 65, 0, 0],
      // the exercised long call pays STT on its intrinsic value: 0.15 % (from 2026-04-01) of ₹137.45 × 130 = ₹26.80275 → ₹26.80
      [CE, 'SELL', 130, 137_45, 26_80],
    ]);
    const detail = (sym: string) => JSON.parse((db.prepare("SELECT charges_detail FROM fills WHERE client_id = 'settlement' AND symbol = ?").get(sym) as { charges_detail: string }).charges_detail) as Record<string, number>;
    expect(detail(CE)).toMatchObject({ sttPaise: 26_80, brokeragePaise: 0, exchangeTxnPaise: 0, stampDutyPaise: 0, gstPaise: 0, totalPaise: 26_80 });
    expect(settled.every((f) => f.tsEvent === istTime('2026-12-08', '15:30'))).toBe(true);
    const pos = (s: string) => svc.portfolio().positions.find((p) => p.symbol === s);
    expect(pos(CE)?.qty ?? 0).toBe(0);
    expect(pos(PE)?.qty ?? 0).toBe(0);
    expect(pos(FUT)?.qty).toBe(65);
    // the long call made (137.45 − 120) × 130 before charges; the short put kept its ₹2,600 premium
    const trades = svc.ledger.closedTrades();
    expect(trades.find((t) => t.symbol === CE)?.grossPnlPaise).toBe((137_45 - 120_00) * 130);
    const ceTrade = trades.find((t) => t.symbol === CE)!;
    expect(ceTrade.netPnlPaise).toBe(ceTrade.grossPnlPaise - ceTrade.chargesPaise);
    expect(ceTrade.chargesPaise).toBeGreaterThanOrEqual(26_80); // the buy's charges plus the exercise STT
    // the short put assigned worthless pays no exercise STT (its seller paid STT on the premium)
    expect(detail(PE).totalPaise).toBe(0);
    expect(trades.find((t) => t.symbol === PE)?.grossPnlPaise).toBe(40_00 * 65);
    // journalled in SQLite (a worthless option at price 0 included) and not booked twice
    expect(db.prepare("SELECT symbol, price FROM fills WHERE client_id = 'settlement' ORDER BY symbol").all()).toEqual([
      { symbol: PE, price: 0 },
      { symbol: CE, price: 137_45 },
    ]);
    at('2026-12-09', '10:00');
    expect(svc.fills().filter((f) => f.clientId === 'settlement')).toHaveLength(2);

    // a restart from the journal: the options stay closed; the future settles at its own expiry on the roll
    svc.dispose();
    const again = setup(20_00_000, new TradingRepo(db, 'paper'), istTime('2026-12-09', '10:00'));
    expect(again.svc.portfolio().positions.filter((p) => p.qty !== 0).map((p) => p.symbol)).toEqual([FUT]);
    again.tick('NIFTY 50', 25_900_00);
    again.clock.t = istTime('2026-12-29', '15:20');
    again.tick('NIFTY 50', 25_950_10);
    again.tick(FUT, 25_951_00);
    // the clock jumps past the expiry to the next morning: the roll settles it at the index's last price
    again.at('2026-12-30', '09:20');
    const futSettle = again.svc.fills().filter((f) => f.clientId === 'settlement' && f.symbol === FUT);
    expect(futSettle.map((f) => [f.side, f.qty, f.pricePaise, f.tsEvent])).toEqual([['SELL', 65, 25_950_10, istTime('2026-12-29', '15:30')]]);
    expect(again.svc.portfolio().positions.filter((p) => p.qty !== 0)).toEqual([]);
    again.svc.dispose();
    db.close();
  });
});
