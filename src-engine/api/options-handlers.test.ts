import { describe, expect, it } from 'vitest';
import { ErrorCode, RpcError } from '../contract/errors.js';
import { manualOrderSchema } from '../contract/trading-schemas.js';
import { optionChainInputSchema, optionChainSchema, type OptionChainDto } from '../contract/options-schemas.js';
import { parseRunProfile } from '../runtime/config.js';
import { Engine, type WatchlistStore } from '../runtime/engine.js';
import { createOptionsHandlers } from './options-handlers.js';

const ctx = {} as never;

class MemoryWatchlist implements WatchlistStore {
  private symbols: string[] = [];
  get() {
    return [...this.symbols];
  }
  set(s: readonly string[]) {
    this.symbols = [...s];
  }
}

function engineAt(start: string): Engine {
  return new Engine({ profile: parseRunProfile(`feed:\n  backfillMinutes: 5\n  startTime: "${start}"\n`), watchlist: new MemoryWatchlist(), autoStart: false });
}

async function codeOf(fn: () => unknown): Promise<string | undefined> {
  try {
    await fn();
  } catch (e) {
    return e instanceof RpcError ? e.code : 'not an RpcError';
  }
  return undefined;
}

describe('options.chain on the built-in simulator', () => {
  const e = engineAt('2026-11-20T11:00:00+05:30');
  const h = createOptionsHandlers(e)['options.chain'];
  const call = async (input: unknown) => (await h(optionChainInputSchema.parse(input), ctx)) as OptionChainDto;

  it('answers the nearest expiry of the first underlying around ATM, valid against the contract', async () => {
    const c = optionChainSchema.parse(await call({}));
    expect(c.underlyings).toEqual(['NIFTY', 'BANKNIFTY', 'FINNIFTY']);
    expect(c.underlying).toBe('NIFTY');
    expect(c.index).toBe('NIFTY 50');
    expect(c.expiry).toBe(c.expiries[0]);
    expect(c.expiry).toBe('2026-11-23'); // Tuesday the 24th is Guru Nanak Jayanti: the expiry moves to Monday
    expect(c.rows).toHaveLength(21);
    expect(c.rows[10]!.strikePaise).toBe(c.atmStrikePaise);
    expect(Math.abs(c.atmStrikePaise - c.spotPaise)).toBeLessThanOrEqual(2500);
    expect(c.lotSize).toBe(65);
    expect(c.futures.map((f) => f.symbol)).toEqual(['NIFTY26NOVFUT', 'NIFTY26DECFUT']);
    // IV and Greeks where there is a quote
    const atm = c.rows[10]!;
    expect(atm.ce!.iv).toBeGreaterThan(0.05);
    expect(atm.ce!.delta).toBeGreaterThan(0.3);
    expect(atm.pe!.delta).toBeLessThan(-0.3);
    expect(c.pcr).toBeGreaterThan(0);
    expect(c.daysToExpiry).toBeCloseTo((Date.parse('2026-11-23T15:30:00+05:30') - c.now) / 86_400_000, 9);
  });

  it('honours expiry, strikes and rate; BANKNIFTY lists monthlies only', async () => {
    const b = await call({ underlying: 'BANKNIFTY', strikes: 3, rate: 0.07 });
    expect(b.expiries).toEqual(['2026-11-23', '2026-12-29']);
    expect(b.rows).toHaveLength(7);
    expect(b.rate).toBe(0.07);
    const later = await call({ underlying: 'NIFTY', expiry: '2026-12-29' });
    expect(later.expiry).toBe('2026-12-29');
    expect(later.rows[10]!.ce!.symbol).toMatch(/^NIFTY26DEC\d+CE$/);
  });

  it('moves with the feed: a later snapshot has a later time and other prices', async () => {
    const a = await call({});
    e.simulator.advance(60_000);
    const b = await call({});
    expect(b.now).toBeGreaterThan(a.now);
    expect(b.rows.map((r) => r.ce?.bidPaise)).not.toEqual(a.rows.map((r) => r.ce?.bidPaise));
  });

  it('an index is a price only: an order on it is refused; an option takes orders in its lots', () => {
    const order = (symbol: string, qty: number) => manualOrderSchema.parse({ symbol, side: 'BUY', qty, orderType: 'MARKET' });
    expect(() => e.trading.placeManual(order('NIFTY 50', 1))).toThrow(/unknown symbol: NIFTY 50/);
    expect(e.instruments.find((i) => i.symbol === 'NIFTY 50')).toMatchObject({ kind: 'INDEX', tradable: false });
    expect(e.instruments.find((i) => i.symbol === 'NIFTY26NOVFUT')).toMatchObject({ kind: 'FUT', lotSize: 65, exchange: 'NFO' });
  });

  it('NOT_FOUND for an unknown underlying or expiry, INVALID input rejected by the schema', async () => {
    expect(await codeOf(() => call({ underlying: 'MIDCPNIFTY' }))).toBe(ErrorCode.NOT_FOUND);
    expect(await codeOf(() => call({ expiry: '2026-11-25' }))).toBe(ErrorCode.NOT_FOUND);
    expect(() => optionChainInputSchema.parse({ strikes: 0 })).toThrow();
    expect(() => optionChainInputSchema.parse({ underlying: 'nifty 50' })).toThrow();
  });
});

describe('options.chain without options', () => {
  it('UNAVAILABLE on a feed without a chain source', async () => {
    const e = { optionChainSource: () => undefined, status: () => ({ feed: 'replay' }) } as unknown as Engine;
    expect(await codeOf(() => createOptionsHandlers(e)['options.chain']({ strikes: 10, rate: 0.065 }, ctx))).toBe(ErrorCode.UNAVAILABLE);
  });
});
