import { describe, expect, it } from 'vitest';
import { optionPayoffInputSchema, optionPayoffSchema, type OptionPayoffDto } from '../contract/options-schemas.js';
import { fnoContractOf } from '../portfolio/fno-margin.js';
import { parseRunProfile } from '../runtime/config.js';
import { Engine, type WatchlistStore } from '../runtime/engine.js';
import { createOptionsHandlers } from './options-handlers.js';

const ctx = {} as never;
const watchlist = (): WatchlistStore => {
  let s: string[] = [];
  return { get: () => [...s], set: (x) => void (s = [...x]) };
};

describe('options.payoff on the built-in simulator', () => {
  it('a long ATM call: −premium below the strike at expiry, time value today, valid against the contract', async () => {
    const e = new Engine({ profile: parseRunProfile('feed:\n  backfillMinutes: 5\n  startTime: "2026-12-07T11:00:00+05:30"\nstrategies: []\n'), watchlist: watchlist(), autoStart: false });
    try {
      e.simulator.advance(60_000);
      const h = createOptionsHandlers(e)['options.payoff'];
      const call = async (input: unknown) => optionPayoffSchema.parse(await h(optionPayoffInputSchema.parse(input), ctx)) as OptionPayoffDto;
      const flat = await call({ points: 3 });
      expect(flat.positions).toEqual([]);
      expect(flat.points.every((p) => p.expiryPnlPaise === 0 && p.todayPnlPaise === 0)).toBe(true);

      const chain = await createOptionsHandlers(e)['options.chain']({ strikes: 1, rate: 0.065 }, ctx);
      const atm = chain.rows.find((r) => r.strikePaise === chain.atmStrikePaise)!.ce!.symbol;
      const r = e.trading.placeManual({ symbol: atm, side: 'BUY', qty: 65, orderType: 'MARKET', product: 'NRML', validity: 'DAY', variety: 'regular' });
      expect(r.orders[0]?.status).toBe('COMPLETE');
      const avg = r.orders[0]!.avgPricePaise!;
      const p = await call({ rangePct: 3, points: 61 });
      expect(p).toMatchObject({ underlying: 'NIFTY', index: 'NIFTY 50', positions: [{ symbol: atm, qty: 65, avgPricePaise: avg }] });
      const k = fnoContractOf(atm)!.strikePaise;
      for (const pt of p.points) {
        expect(pt.expiryPnlPaise).toBe(65 * (Math.max(0, pt.underlyingPaise - k) - avg));
        expect(pt.todayPnlPaise).toBeGreaterThanOrEqual(pt.expiryPnlPaise);
      }
    } finally {
      e.stop();
    }
  }, 120_000);
});

describe('orders.preview', () => {
  it('margin and charges of a planned order before it is sent; nothing is placed', async () => {
    const { orderPreviewInputSchema, orderPreviewSchema } = await import('../contract/options-schemas.js');
    const e = new Engine({ profile: parseRunProfile('feed:\n  backfillMinutes: 5\n  startTime: "2026-12-07T11:00:00+05:30"\nstrategies: []\n'), watchlist: watchlist(), autoStart: false });
    try {
      e.simulator.advance(60_000);
      const h = createOptionsHandlers(e)['orders.preview'];
      const call = async (input: unknown) => orderPreviewSchema.parse(await h(orderPreviewInputSchema.parse(input), ctx));
      const chain = await createOptionsHandlers(e)['options.chain']({ strikes: 1, rate: 0.065 }, ctx);
      const ce = chain.rows.find((r) => r.strikePaise === chain.atmStrikePaise)!.ce!.symbol;
      const spot = chain.spotPaise;
      const long = await call({ symbol: ce, side: 'BUY', qty: 65, product: 'NRML', pricePaise: 100_00 });
      expect(long).toMatchObject({ lots: 1, refPricePaise: 100_00, valuePaise: 65 * 100_00, marginRequiredPaise: 65 * 100_00 });
      expect(long.charges.totalPaise).toBeGreaterThan(0);
      expect(long.charges.sttPaise).toBe(0); // no STT on an option buy
      const short = await call({ symbol: ce, side: 'SELL', qty: 65, product: 'NRML', pricePaise: 100_00 });
      expect(short.charges.sttPaise).toBeGreaterThan(0); // STT on the premium of an option sale
      // SPAN + exposure on the underlying's notional (the index's last price as the trading service saw it)
      expect(short.marginRequiredPaise).toBeGreaterThan(Math.floor(65 * spot * 0.1));
      expect(short.marginRequiredPaise).toBeLessThan(Math.ceil(65 * spot * 0.12));
      expect(e.trading.orders()).toEqual([]);
      await expect(h(orderPreviewInputSchema.parse({ symbol: 'NOPE', side: 'BUY', qty: 1 }), ctx)).rejects.toThrow(/unknown symbol/);
    } finally {
      e.stop();
    }
  }, 120_000);
});
