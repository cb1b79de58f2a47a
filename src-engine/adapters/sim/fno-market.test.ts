import { describe, expect, it } from 'vitest';
import { istTime } from '../../core/nse-calendar.js';
import { forwardOf, smileVol } from '../../fno/black76.js';
import { computeChain } from '../../fno/chain.js';
import { contractSpec } from '../../fno/specs.js';
import { CARRY_RATE, INDEX_VOL } from '../../fno/sim-model.js';
import { yearsToExpiry } from '../../fno/expiries.js';
import { NIFTY50_SEEDS } from '../../model/instruments.js';
import type { DepthSnapshot } from '../../model/depth.js';
import type { Tick } from '../../model/tick.js';
import type { SimFnoOptions } from './fno-market.js';
import { SimulatorFeed } from './simulator-feed.js';

const feedAt = (start: number, fno: SimFnoOptions | false = {}) =>
  new SimulatorFeed({ seeds: NIFTY50_SEEDS, seed: 7, speed: 1, ticksPerSecond: 150, backfillMinutes: 0, startTime: start, fno });

function record(feed: SimulatorFeed): { ticks: Tick[]; depth: DepthSnapshot[] } {
  const ticks: Tick[] = [];
  const depth: DepthSnapshot[] = [];
  feed.onTick((t) => ticks.push(t));
  feed.onDepth((d) => depth.push(d));
  feed.prepare();
  return { ticks, depth };
}

describe('built-in simulator: indices, futures and options', () => {
  it('lists the indices (not tradable), current and next futures, NIFTY weeklies, BANKNIFTY/FINNIFTY monthlies only', () => {
    const feed = feedAt(istTime('2026-08-18', '10:00'));
    const by = new Map(feed.instruments.map((i) => [i.symbol, i]));
    for (const s of ['NIFTY 50', 'NIFTY BANK', 'NIFTY FIN SERVICE']) expect(by.get(s)).toMatchObject({ kind: 'INDEX', tradable: false, exchange: 'NSE' });
    expect(by.get('NIFTY26AUGFUT')).toMatchObject({ kind: 'FUT', lotSize: 65, tickSizePaise: 10, expiry: '2026-08-25', exchange: 'NFO', underlying: 'NIFTY' });
    expect(by.get('NIFTY26SEPFUT')).toBeDefined();
    expect(by.get('NIFTY26OCTFUT')).toBeUndefined();
    expect(by.get('BANKNIFTY26AUGFUT')).toMatchObject({ lotSize: 30, tickSizePaise: 20 });
    expect(feed.fno!.expiries('NIFTY', feed.now())).toEqual(['2026-08-18', '2026-08-25', '2026-09-01', '2026-09-08', '2026-09-29']);
    expect(feed.fno!.expiries('BANKNIFTY', feed.now())).toEqual(['2026-08-25', '2026-09-29']);
    expect(feed.fno!.expiries('FINNIFTY', feed.now())).toEqual(['2026-08-25', '2026-09-29']);
    // every derivative's lot, tick and expiry are the cited specs of its symbol
    for (const i of feed.instruments.filter((x) => x.kind === 'FUT' || x.kind === 'CE' || x.kind === 'PE')) {
      expect(contractSpec(i.symbol), i.symbol).toMatchObject({ lot: i.lotSize, tickPaise: i.tickSizePaise, expiry: i.expiry });
    }
    // the equities are unchanged and come first
    expect(feed.instruments.slice(0, 50).map((i) => i.symbol)).toEqual(NIFTY50_SEEDS.map((s) => s.symbol));
  });

  it('index ticks carry no quantity, volume or depth; derivatives trade whole lots on the tick grid with depth', () => {
    const feed = feedAt(istTime('2026-08-18', '10:00'));
    const { ticks, depth } = record(feed);
    feed.simulator.advance(5 * 60_000);
    const idx = ticks.filter((t) => t.symbol === 'NIFTY 50');
    expect(idx.length).toBeGreaterThan(200); // about one a second
    expect(idx.every((t) => t.lastQty === 0 && t.volume === 0)).toBe(true);
    expect(depth.some((d) => d.symbol.startsWith('NIFTY ') || d.symbol === 'SENSEX')).toBe(false);
    const inst = new Map(feed.instruments.map((i) => [i.symbol, i]));
    const derived = ticks.filter((t) => inst.get(t.symbol)?.kind && inst.get(t.symbol)!.kind !== 'INDEX');
    expect(derived.length).toBeGreaterThan(500);
    for (const t of derived) {
      const i = inst.get(t.symbol)!;
      expect(t.lastPaise % i.tickSizePaise, t.symbol).toBe(0);
      expect(t.lastQty % i.lotSize).toBe(0);
      expect(t.lastQty).toBeGreaterThan(0);
    }
    expect(depth.length).toBeGreaterThan(100);
    for (const d of depth) {
      const i = inst.get(d.symbol)!;
      expect(i.kind).not.toBe('INDEX');
      for (const l of [...d.buy, ...d.sell]) {
        expect(l.pricePaise % i.tickSizePaise).toBe(0);
        expect(l.quantity % i.lotSize).toBe(0);
      }
      expect(d.buy.length === 0 || d.buy[0]!.pricePaise < d.sell[0]!.pricePaise).toBe(true);
    }
    // the equity stream is the simulator's own, untouched by the derivatives
    const plain = feedAt(istTime('2026-08-18', '10:00'), false);
    const eq: Tick[] = [];
    plain.onTick((t) => eq.push(t));
    plain.prepare();
    plain.simulator.advance(5 * 60_000);
    expect(ticks.filter((t) => !inst.get(t.symbol)?.kind)).toEqual(eq);
  });

  it('futures sit at the cost-of-carry basis; option mids give back the model smile', () => {
    const feed = feedAt(istTime('2026-08-18', '10:00'));
    const { ticks } = record(feed);
    feed.simulator.advance(3 * 60_000);
    const now = feed.now();
    const spot = feed.fno!.spot('NIFTY')!;
    const fut = ticks.filter((t) => t.symbol === 'NIFTY26SEPFUT').at(-1)!;
    const fair = forwardOf(spot, CARRY_RATE, yearsToExpiry('2026-09-29', now));
    expect(Math.abs(fut.lastPaise - fair)).toBeLessThan(0.002 * spot); // within the last second's move and a tick
    expect(fut.lastPaise).toBeGreaterThan(spot); // positive carry
    const c = computeChain({ expiry: '2026-08-25', now, spotPaise: spot, rate: CARRY_RATE, contracts: feed.fno!.optionStates('NIFTY', '2026-08-25'), strikesEachSide: 5 });
    const f = c.forwardPaise;
    for (const r of c.rows) {
      // mids are snapped to 5 paise: the recovered vol is the smile's to within what a tick is worth
      expect(Math.abs(r.ce!.iv! - smileVol(INDEX_VOL, r.strikePaise, f))).toBeLessThan(0.01);
      expect(Math.abs(r.pe!.iv! - smileVol(INDEX_VOL, r.strikePaise, f))).toBeLessThan(0.01);
    }
    expect(c.pcr).toBeGreaterThan(0);
    expect(c.maxPainPaise).not.toBeNull();
  });

  it('contracts expire at 15:30 on expiry day and the next expiry becomes the nearest', () => {
    const feed = feedAt(istTime('2026-08-18', '15:25'));
    const { ticks } = record(feed);
    expect(feed.fno!.expiries('NIFTY', feed.now())[0]).toBe('2026-08-18');
    feed.simulator.advance(10 * 60_000); // past the close into the next session
    const close = istTime('2026-08-18', '15:30');
    const weekly = ticks.filter((t) => /^NIFTY26818/.test(t.symbol));
    expect(weekly.length).toBeGreaterThan(0);
    expect(weekly.every((t) => t.tsEvent < close)).toBe(true);
    expect(ticks.some((t) => t.tsEvent > close && /^NIFTY26AUG\d+(CE|PE)$/.test(t.symbol))).toBe(true);
    expect(feed.fno!.expiries('NIFTY', feed.now())[0]).toBe('2026-08-25');
    // a new day: volume starts again and yesterday's last is the previous close
    const sym = ticks.filter((t) => t.tsEvent > close && /^NIFTY26AUG\d+CE$/.test(t.symbol))[0]!.symbol;
    const before = ticks.filter((t) => t.symbol === sym && t.tsEvent < close).at(-1);
    const after = ticks.filter((t) => t.symbol === sym && t.tsEvent > close)[0]!;
    if (before) {
      expect(after.volume).toBe(after.lastQty);
      expect(feed.prevClose(sym)).toBe(before.lastPaise);
    }
  });

  it('rejects an underlying it cannot simulate', () => {
    expect(() => feedAt(istTime('2026-08-18', '10:00'), { underlyings: ['MIDCPNIFTY'] })).toThrow(/no simulated index for F&O underlying 'MIDCPNIFTY'/);
  });
});
