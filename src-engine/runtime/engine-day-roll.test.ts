import { describe, expect, it } from 'vitest';
import { parseRunProfile } from './config.js';
import { Engine, type WatchlistStore } from './engine.js';
import { MemoryTradingStore } from './trading.js';

const watchlist = (): WatchlistStore => {
  let s: string[] = [];
  return { get: () => [...s], set: (x) => void (s = [...x]) };
};

// Monday 2026-11-23 15:00 IST; Tuesday 24 is an NSE holiday. The engine's clock is the feed clock (the
// simulator's), driven by hand: nothing here reads the wall clock.
const MON_15_00 = Date.parse('2026-11-23T15:00:00+05:30');

describe('Engine: one trading day on the feed clock', () => {
  it('the simulator crossing Monday 15:30 → Wednesday 09:15 (over the holiday) rolls market data, the ledger, risk and the paper broker once', () => {
    const store = new MemoryTradingStore();
    const e = new Engine({ profile: parseRunProfile('feed: { backfillMinutes: 0, seed: 3 }\n'), watchlist: watchlist(), clock: { now: () => MON_15_00 }, autoStart: false, trading: store });
    expect(e.days.today()).toBe('2026-11-23');
    expect(e.days.phase()).toBe('open');
    expect(e.status().tradingDay).toEqual({ date: '2026-11-23', phase: 'open' });
    e.simulator.advance(10 * 60_000);
    // a person's limit order far below the market rests (DAY) and a loss halt by hand (daily) is set
    const q = e.market.quote('SBIN')!;
    const limit = e.trading.placeManual({ symbol: 'SBIN', side: 'BUY', qty: 1, orderType: 'LIMIT', pricePaise: Math.round((q.lastPaise * 0.98) / 5) * 5, product: 'MIS', validity: 'DAY', variety: 'regular' });
    expect(limit.orders[0]?.status).toBe('OPEN');
    e.trading.risk.halt('daily test halt', { until: 'day-end' });

    // 20 minutes to the close, then 10 into Wednesday's session
    e.simulator.advance(30 * 60_000);
    expect(e.simulator.now()).toBeGreaterThan(Date.parse('2026-11-25T09:15:00+05:30'));
    expect(e.days.today()).toBe('2026-11-25');
    expect(e.days.rollCount).toBe(1);
    expect(e.status().tradingDay).toEqual({ date: '2026-11-25', phase: 'open' });
    expect(e.trading.riskStatus().halted).toBe(false);
    expect(e.trading.orders().find((o) => o.orderId === limit.orders[0]!.orderId)?.status).toBe('CANCELLED');
    // the day's numbers restarted; the quote's previous close is Monday's last price (or the feed's close)
    expect(e.trading.portfolio().dayPnlPaise).toBe(e.trading.ledger.dayPnlPaise());
    expect(e.trading.ledger.dayNumber()).toBe(e.days.todayNum());
    expect(e.market.quote('SBIN')!.prevClosePaise).toBe(e.simulator.prevClose('SBIN'));
    e.stop();
  });
});
