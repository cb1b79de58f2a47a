import { describe, expect, it } from 'vitest';
import { istTime } from '../core/nse-calendar.js';
import { TradingDay } from '../core/trading-day.js';
import type { Exchange, OrderSide, Product } from '../model/order.js';
import { Ledger, type LedgerFill } from './ledger.js';

const T0 = istTime('2025-01-15', '10:00');
let seq = 0;
function fill(
  strategy: string,
  symbol: string,
  side: OrderSide,
  qty: number,
  pricePaise: number,
  chargesPaise = 0,
  tsEvent = T0,
  extra: { product?: Product; exchange?: Exchange; orderId?: string } = {},
): LedgerFill {
  seq++;
  return {
    fillId: `F${seq}`,
    orderId: extra.orderId ?? `O${seq}`,
    clientId: `C${seq}`,
    symbol,
    exchange: extra.exchange ?? 'NSE',
    side,
    product: extra.product ?? 'CNC',
    strategy,
    qty,
    pricePaise,
    tsEvent,
    chargesPaise,
  };
}

describe('Ledger: average cost, exact integer splits', () => {
  it('partial closes take basis × q / Q (floor) and the last close uses up the exact remainder', () => {
    const l = new Ledger({ capitalPaise: 10_000 });
    l.applyFill(fill('s', 'X', 'BUY', 1, 100, 5));
    l.applyFill(fill('s', 'X', 'BUY', 2, 101, 5));
    expect(l.snapshot().positions[0]).toMatchObject({ qty: 3, costBasisPaise: 302, avgPricePaise: 101, entryChargesPaise: 10 });
    l.applyFill(fill('s', 'X', 'SELL', 1, 110, 4));
    l.applyFill(fill('s', 'X', 'SELL', 2, 90, 2));
    const [a, b] = l.closedTrades('s');
    // floor(302/3) = 100, floor(10/3) = 3
    expect(a).toMatchObject({ side: 'long', qty: 1, entryValuePaise: 100, exitValuePaise: 110, grossPnlPaise: 10, chargesPaise: 7, netPnlPaise: 3 });
    expect(b).toMatchObject({ side: 'long', qty: 2, entryValuePaise: 202, exitValuePaise: 180, grossPnlPaise: -22, chargesPaise: 9, netPnlPaise: -31 });
    const s = l.snapshot();
    expect(s.realisedPaise).toBe(-28);
    expect(s.unrealisedPaise).toBe(0);
    expect(s.cashPaise).toBe(10_000 - 100 - 5 - 202 - 5 + 110 - 4 + 180 - 2);
    expect(s.equityPaise).toBe(s.cashPaise);
    expect(s.chargesPaise).toBe(16);
    expect(s.positions[0]).toMatchObject({ qty: 0, costBasisPaise: 0, entryChargesPaise: 0, realisedPaise: -28, chargesPaise: 16 });
    expect(s.strategies[0]).toMatchObject({ strategy: 's', trades: 2, wins: 1, losses: 1, realisedPaise: -28, chargesPaise: 16 });
  });

  it('a short: unrealised = signed qty × mark − basis − entry charges; closing books entry − exit', () => {
    const l = new Ledger({ capitalPaise: 1_000_000 });
    l.applyFill(fill('s', 'X', 'SELL', 10, 500, 20));
    l.mark('X', 450, T0 + 1);
    expect(l.snapshot().positions[0]).toMatchObject({ qty: -10, costBasisPaise: -5000, avgPricePaise: 500, unrealisedPaise: 480 });
    expect(l.equityPaise()).toBe(1_000_000 + 480);
    l.applyFill(fill('s', 'X', 'BUY', 10, 450, 20, T0 + 2));
    expect(l.closedTrades()[0]).toMatchObject({ side: 'short', qty: 10, entryValuePaise: 5000, exitValuePaise: 4500, grossPnlPaise: 500, chargesPaise: 40, netPnlPaise: 460 });
    expect(l.equityPaise()).toBe(1_000_000 + 460);
    expect(l.cashPaise()).toBe(1_000_000 + 460);
  });

  it('a fill through zero closes, then opens the rest; its charges split pro rata', () => {
    const l = new Ledger({ capitalPaise: 100_000 });
    l.applyFill(fill('s', 'X', 'BUY', 10, 100, 10, T0));
    l.applyFill(fill('s', 'X', 'SELL', 15, 120, 16, T0 + 5));
    // closing part: floor(16 × 10 / 15) = 10; the opening part carries 6
    expect(l.closedTrades()).toEqual([
      { strategy: 's', symbol: 'X', side: 'long', qty: 10, entryValuePaise: 1000, exitValuePaise: 1200, grossPnlPaise: 200, chargesPaise: 20, netPnlPaise: 180, openedAt: T0, closedAt: T0 + 5 },
    ]);
    expect(l.snapshot().positions[0]).toMatchObject({ qty: -5, costBasisPaise: -600, entryChargesPaise: 6, openedAt: T0 + 5, unrealisedPaise: -6 });
    expect(l.positionQty('X', 's')).toBe(-5);
    const s = l.snapshot();
    expect(s.equityPaise).toBe(s.cashPaise + -5 * 120);
  });

  it('proportional splits stay exact where qty × basis passes 2^53', () => {
    const l = new Ledger({ capitalPaise: 9_000_000_000_000_000 });
    l.applyFill(fill('s', 'X', 'BUY', 700_001, 999_999_937, 123_457));
    l.applyFill(fill('s', 'X', 'BUY', 299_999, 1_000_000_003, 98_765));
    const basis = 700_001n * 999_999_937n + 299_999n * 1_000_000_003n;
    const q = 333_333n;
    expect(Number(basis) * 333_333).toBeGreaterThan(Number.MAX_SAFE_INTEGER);
    l.applyFill(fill('s', 'X', 'SELL', 333_333, 1_000_000_100, 0));
    const t = l.closedTrades()[0]!;
    expect(BigInt(t.entryValuePaise)).toBe((basis * q) / 1_000_000n);
    expect(BigInt(t.chargesPaise)).toBe(((123_457n + 98_765n) * q) / 1_000_000n);
    l.applyFill(fill('s', 'X', 'SELL', 666_667, 1_000_000_100, 0));
    const t2 = l.closedTrades()[1]!;
    expect(BigInt(t.entryValuePaise) + BigInt(t2.entryValuePaise)).toBe(basis);
    expect(t.chargesPaise + t2.chargesPaise).toBe(123_457 + 98_765);
    expect(l.equityPaise()).toBe(l.cashPaise());
    for (const v of [t.entryValuePaise, t.exitValuePaise, t.netPnlPaise, t2.netPnlPaise, l.equityPaise()]) expect(Number.isSafeInteger(v)).toBe(true);
  });

  it('rejects non-integer quantities, prices and charges', () => {
    const l = new Ledger({ capitalPaise: 1000 });
    expect(() => l.applyFill(fill('s', 'X', 'BUY', 1.5, 100))).toThrow(RangeError);
    expect(() => l.applyFill(fill('s', 'X', 'BUY', 1, 100.25))).toThrow(RangeError);
    expect(() => l.applyFill(fill('s', 'X', 'BUY', 1, 100, 0.5))).toThrow(RangeError);
    expect(() => l.mark('X', 99.5, T0)).toThrow(RangeError);
    expect(() => new Ledger({ capitalPaise: 10.5 })).toThrow(RangeError);
  });
});

describe('Ledger: account view across strategies', () => {
  it('nets strategies per symbol; exposures and counts', () => {
    const l = new Ledger({ capitalPaise: 1_000_000 });
    l.applyFill(fill('a', 'X', 'BUY', 10, 100));
    l.applyFill(fill('b', 'X', 'SELL', 4, 100));
    l.applyFill(fill('b', 'Y', 'BUY', 1, 50));
    l.mark('X', 110, T0 + 1);
    expect(l.positionQty('X')).toBe(6);
    expect(l.positionQty('X', 'a')).toBe(10);
    expect(l.positionQty('X', 'b')).toBe(-4);
    expect(l.positionQty('Z')).toBe(0);
    expect(l.openPositionCount()).toBe(2);
    expect(l.openStrategyPositionCount()).toBe(3);
    expect(l.openStrategyPositionCount('b')).toBe(2);
    expect(l.grossExposurePaise()).toBe(6 * 110 + 50);
    expect(l.strategyExposurePaise('b')).toBe(4 * 110 + 50);
    const st = l.snapshot().strategies;
    expect(st.find((s) => s.strategy === 'a')!.unrealisedPaise).toBe(100);
    expect(st.find((s) => s.strategy === 'b')!.unrealisedPaise).toBe(-40);
    l.applyFill(fill('a', 'X', 'SELL', 6, 110, 0, T0 + 2));
    expect(l.positionQty('X')).toBe(0);
    expect(l.openPositionCount()).toBe(1);
  });

  it('marks of untraded symbols and stale marks change nothing', () => {
    const l = new Ledger({ capitalPaise: 1000 });
    l.mark('NOPE', 5, T0);
    l.applyFill(fill('s', 'X', 'BUY', 1, 100, 0, T0 + 10));
    l.mark('X', 90, T0 + 5);
    expect(l.markPaise('X')).toBe(100);
    expect(l.equityPaise()).toBe(1000);
  });
});

describe('Ledger: day state', () => {
  it('day PnL, day peak, drawdown, per-symbol day PnL and trades today; rollDay restarts them', () => {
    const l = new Ledger({ capitalPaise: 100_000 });
    l.applyFill(fill('s', 'X', 'BUY', 10, 1000, 0, T0, { orderId: 'A' }));
    l.applyFill(fill('s', 'X', 'BUY', 10, 1000, 0, T0 + 1, { orderId: 'A' })); // same order: one trade
    l.applyFill(fill('s', 'Y', 'BUY', 1, 500, 0, T0 + 2, { orderId: 'B' }));
    expect(l.tradesToday('X')).toBe(1);
    expect(l.tradesToday('Y')).toBe(1);
    l.mark('X', 1100, T0 + 3);
    expect(l.dayPnlPaise()).toBe(2000);
    expect(l.dayPeakEquityPaise()).toBe(102_000);
    l.mark('X', 1050, T0 + 4);
    expect(l.drawdownPaise()).toBe(1000);
    expect(l.symbolDayPnlPaise('X')).toBe(1000);
    expect(l.symbolDayPnlPaise('Y')).toBe(0);

    l.rollDay(T0 + 3_600_000);
    expect(l.dayStartEquityPaise()).toBe(101_000);
    expect(l.dayPnlPaise()).toBe(0);
    expect(l.tradesToday('X')).toBe(0);
    expect(l.symbolDayPnlPaise('X')).toBe(0);
    l.mark('X', 1000, T0 + 3_600_001);
    expect(l.symbolDayPnlPaise('X')).toBe(-1000);
    expect(l.dayPnlPaise()).toBe(-1000);
    expect(l.dayPeakEquityPaise()).toBe(101_000);
    expect(l.snapshot().strategies[0]!.dayPnlPaise).toBe(-1000);
  });

  it('rolls by itself on the first event of a later IST day', () => {
    const l = new Ledger({ capitalPaise: 100_000 });
    l.applyFill(fill('s', 'X', 'BUY', 10, 1000, 0, T0));
    l.mark('X', 1200, istTime('2025-01-15', '23:59'));
    expect(l.dayPnlPaise()).toBe(2000);
    expect(l.tradesToday('X')).toBe(1);
    l.mark('X', 1300, istTime('2025-01-16', '09:15'));
    expect(l.dayStartEquityPaise()).toBe(102_000);
    expect(l.dayPnlPaise()).toBe(1000);
    expect(l.tradesToday('X')).toBe(0);
  });
});

describe('Ledger: the day from the trading-day service', () => {
  // 2026-11-20 Friday; 21–22 weekend; 23 Monday; 24 Tuesday an NSE holiday; 25 Wednesday
  const FRI = istTime('2026-11-20', '10:00');

  it('rolls at 00:00 IST of the next trading day without any event; weekend marks stay on Friday', () => {
    const clock = { t: FRI, now() { return this.t; } };
    const days = new TradingDay({ clock });
    const l = new Ledger({ capitalPaise: 100_000, tradingDay: days });
    l.applyFill(fill('s', 'X', 'BUY', 10, 1000, 0, FRI));
    l.mark('X', 900, FRI + 60_000);
    expect(l.dayPnlPaise()).toBe(-1000);
    // a mark stamped on Saturday (a late print, a replay) belongs to Friday's trading day: no roll
    l.mark('X', 880, istTime('2026-11-21', '10:00'));
    expect(l.dayPnlPaise()).toBe(-1200);
    clock.t = istTime('2026-11-23', '00:00');
    days.sync();
    expect(l.dayNumber()).toBe(days.todayNum());
    expect(l.dayStartEquityPaise()).toBe(98_800);
    expect(l.dayPnlPaise()).toBe(0);
    expect(l.dayPeakEquityPaise()).toBe(98_800);
    expect(l.tradesToday('X')).toBe(0);
    // Monday's first mark does not roll again (idempotent)
    l.mark('X', 890, istTime('2026-11-23', '09:15'));
    expect(l.dayPnlPaise()).toBe(100);
    expect(l.rollTo(istTime('2026-11-23', '12:00'))).toBe(false);
    // the holiday belongs to Monday; Wednesday rolls
    expect(l.rollTo(istTime('2026-11-24', '12:00'))).toBe(false);
    expect(l.rollTo(istTime('2026-11-25', '08:00'))).toBe(true);
    expect(l.dayPnlPaise()).toBe(0);
  });

  it('a ledger rebuilt from earlier days\' fills starts on the service\'s day', () => {
    const days = new TradingDay({ clock: { now: () => istTime('2026-11-25', '08:00') } });
    const l = Ledger.restore(100_000, [fill('s', 'X', 'BUY', 10, 1000, 0, FRI), fill('s', 'X', 'SELL', 10, 900, 0, istTime('2026-11-23', '11:00'))], { tradingDay: days });
    expect(l.equityPaise()).toBe(99_000);
    expect(l.dayStartEquityPaise()).toBe(99_000);
    expect(l.dayPnlPaise()).toBe(0);
    expect(l.snapshot().positions).toEqual([]); // flat and not traded today
    // without a service the rebuilt day is the last fill's IST date (Monday's loss is still "today")
    expect(Ledger.restore(100_000, [fill('s', 'X', 'BUY', 10, 1000, 0, FRI), fill('s', 'X', 'SELL', 10, 900, 0, istTime('2026-11-23', '11:00'))]).dayPnlPaise()).toBe(-1000);
  });
});

describe('Ledger: equity curves', () => {
  it('samples at most once per interval from marks, plus one point per fill; bounded', () => {
    const l = new Ledger({ capitalPaise: 1000, curveIntervalMs: 60_000, curveMaxPoints: 4 });
    l.applyFill(fill('s', 'X', 'BUY', 1, 100, 0, T0));
    l.mark('X', 101, T0 + 1_000); // first mark sample
    l.mark('X', 102, T0 + 30_000); // too soon
    l.mark('X', 103, T0 + 61_000);
    expect(l.equityCurve()).toEqual([
      { ts: T0, valuePaise: 1000 },
      { ts: T0 + 1_000, valuePaise: 1001 },
      { ts: T0 + 61_000, valuePaise: 1003 },
    ]);
    expect(l.equityCurve('s').map((p) => p.valuePaise)).toEqual([0, 1, 3]);
    l.applyFill(fill('s', 'X', 'SELL', 1, 104, 0, T0 + 62_000));
    l.mark('X', 105, T0 + 200_000);
    const c = l.equityCurve();
    expect(c).toHaveLength(4);
    expect(c[0]!.ts).toBe(T0 + 1_000);
    expect(c[3]).toEqual({ ts: T0 + 200_000, valuePaise: 1004 });
    expect(l.equityCurve('nobody')).toEqual([]);
  });
});

describe('Ledger: margin model', () => {
  it('CNC 1×, MIS 5×, F&O 15 % of notional; the reducing part of an order needs none', () => {
    const l = new Ledger({ capitalPaise: 1_000_000 });
    const req = (symbol: string, side: OrderSide, qty: number, product: Product, exchange: Exchange = 'NSE') => ({ symbol, side, qty, product, exchange });
    expect(l.marginRequiredPaise(req('X', 'BUY', 10, 'CNC'), 1000)).toBe(10_000);
    expect(l.marginRequiredPaise(req('X', 'BUY', 10, 'MIS'), 1001)).toBe(2002);
    expect(l.marginRequiredPaise(req('X', 'BUY', 3, 'MIS'), 1001)).toBe(601); // ceil(600.6)
    expect(l.marginRequiredPaise(req('NIFTYFUT', 'SELL', 75, 'NRML', 'NFO'), 2_300_000)).toBe(25_875_000);
    l.applyFill(fill('s', 'X', 'BUY', 10, 1000, 0, T0, { product: 'MIS' }));
    expect(l.marginUsedPaise()).toBe(2000);
    expect(l.marginAvailablePaise()).toBe(1_000_000 - 2000);
    expect(l.marginRequiredPaise(req('X', 'SELL', 10, 'MIS'), 1000)).toBe(0);
    expect(l.marginRequiredPaise(req('X', 'SELL', 15, 'MIS'), 1000)).toBe(1000);
    l.mark('X', 1500, T0 + 1);
    expect(l.marginUsedPaise()).toBe(3000);
    const custom = new Ledger({ capitalPaise: 1000, margin: { misMarginBps: 5000 } });
    expect(custom.marginRequiredPaise(req('X', 'BUY', 1, 'MIS'), 100)).toBe(50);
    expect(() => new Ledger({ capitalPaise: 1, margin: { fnoMarginBps: 12_000 } })).toThrow(RangeError);
  });
});

describe('Ledger.restore', () => {
  it('replaying the fills yields an identical ledger', () => {
    const fills: LedgerFill[] = [
      fill('a', 'X', 'BUY', 7, 1234, 11, T0),
      fill('b', 'X', 'SELL', 3, 1240, 7, T0 + 10),
      fill('a', 'Y', 'SELL', 5, 999, 3, T0 + 20),
      fill('a', 'X', 'SELL', 10, 1250, 13, T0 + 30),
      fill('b', 'X', 'BUY', 3, 1200, 2, istTime('2025-01-16', '09:20')),
      fill('a', 'Y', 'BUY', 2, 990, 1, istTime('2025-01-16', '09:21')),
    ];
    const live = new Ledger({ capitalPaise: 5_000_000 });
    for (const f of fills) live.applyFill(f);
    const back = Ledger.restore(5_000_000, fills);
    expect(back.snapshot()).toEqual(live.snapshot());
    expect(back.closedTrades()).toEqual(live.closedTrades());
    expect(back.equityCurve()).toEqual(live.equityCurve());
    expect(back.equityCurve('a')).toEqual(live.equityCurve('a'));
    expect(back.dayStartEquityPaise()).toBe(live.dayStartEquityPaise());
    expect(back.tradesToday('X')).toBe(1);
    expect(back.strategyStats('a')).toEqual(live.strategyStats('a'));
    // and both move identically from here
    live.mark('X', 1300, istTime('2025-01-16', '10:00'));
    back.mark('X', 1300, istTime('2025-01-16', '10:00'));
    expect(back.snapshot()).toEqual(live.snapshot());
    expect(back.snapshot().positions.length).toBeGreaterThan(0);
  });
});
