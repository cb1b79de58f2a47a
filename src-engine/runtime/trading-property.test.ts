import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { istTime } from '../core/nse-calendar.js';
import type { Order, OrderType, TradableInstrument } from '../model/order.js';
import { RISK_RULES } from '../risk/risk-engine.js';
import { MemoryTradingStore, TradingService } from './trading.js';

/**
 * The gate: 10,000 random intents and manual orders — value typed as quantity, wrong lot,
 * off-tick prices, prices far from the last price, above freeze quantity, after hours, stale data,
 * garbage numbers — and no bad order reaches any broker; every block names its rule.
 *
 * The oracle below is written independently of the risk engine: plain checks of what a broker may
 * receive. It is applied to every order the execution router's `place` is called with.
 */

const INSTRUMENTS: TradableInstrument[] = [
  { symbol: 'INFY', exchange: 'NSE', kind: 'equity', tickSizePaise: 5, lotSize: 1 },
  { symbol: 'NIFTYFUT', exchange: 'NFO', kind: 'future', tickSizePaise: 10, lotSize: 75, freezeQty: 1800 },
];
const BY_SYMBOL = new Map(INSTRUMENTS.map((i) => [i.symbol, i]));
const OPEN_TIMES = [istTime('2026-11-20', '09:20'), istTime('2026-11-20', '13:00'), istTime('2026-11-20', '15:25')];
const CLOSED_TIMES = [istTime('2026-11-20', '08:00'), istTime('2026-11-20', '16:00'), istTime('2026-11-21', '11:00') /* Saturday */];
const BAND_BPS = 300;
const STALE_MS = 5000;

function oracleProblem(o: Readonly<Order>, ltp: number, lastTickAt: number, now: number, open: boolean, position: number): string | null {
  const inst = BY_SYMBOL.get(o.symbol);
  if (!inst) return 'unknown instrument';
  if (!Number.isSafeInteger(o.qty) || o.qty <= 0) return 'qty not a positive integer';
  if (o.qty % inst.lotSize !== 0) return 'qty not a lot multiple';
  if (o.product === 'CNC' && o.side === 'SELL' && o.qty > Math.max(0, position)) return 'CNC sell beyond holdings';
  if ((o.product === 'CNC' && inst.kind !== 'equity') || (o.product === 'NRML' && inst.kind === 'equity')) return 'product not allowed for the instrument';
  if (inst.freezeQty !== undefined && o.qty > inst.freezeQty) return 'above freeze';
  if (o.qty > 100_000) return 'above max qty';
  const needsPrice = o.orderType === 'LIMIT' || o.orderType === 'SL';
  const needsTrigger = o.orderType === 'SL' || o.orderType === 'SL-M';
  for (const [has, v, name] of [
    [needsPrice, o.pricePaise, 'price'],
    [needsTrigger, o.triggerPaise, 'trigger'],
  ] as const) {
    if (!has) continue;
    if (!Number.isSafeInteger(v) || (v as number) <= 0) return `${name} missing or not an integer`;
    if ((v as number) % inst.tickSizePaise !== 0) return `${name} off tick`;
    if (Math.abs((v as number) - ltp) * 10_000 > ltp * BAND_BPS) return `${name} outside the band`;
  }
  const ref = Math.max(o.pricePaise ?? 0, o.triggerPaise ?? 0, ltp);
  if (o.qty * ref > 10_000_000_000) return 'above max order value';
  if (!open && o.variety !== 'amo') return 'market closed';
  if (open && o.variety === 'amo') return 'AMO inside the session';
  // a market order that only reduces the position may go out on stale data (flattening must work when the feed is down)
  const reduceOnly = (o.side === 'SELL' ? position > 0 : position < 0) && o.qty <= Math.abs(position);
  if (open && o.variety === 'regular' && now - lastTickAt > STALE_MS && !(reduceOnly && o.orderType === 'MARKET')) return 'stale data';
  return null;
}

const orderTypes: OrderType[] = ['MARKET', 'LIMIT', 'SL', 'SL-M'];

const manualArb = fc.record({
  symbol: fc.constantFrom('INFY', 'NIFTYFUT'),
  side: fc.constantFrom('BUY' as const, 'SELL' as const),
  qty: fc.oneof(
    fc.integer({ min: 1, max: 3000 }),
    fc.constantFrom(50_000, 100_000, 500_000, 75, 150, 1875, 2400), // value typed as quantity; lot multiples; above freeze
    fc.constantFrom(0, -5, 1.5, Number.NaN),
  ),
  orderType: fc.constantFrom(...orderTypes),
  priceOffsetBps: fc.oneof(fc.integer({ min: -250, max: 250 }), fc.integer({ min: -5000, max: 5000 })),
  offTick: fc.boolean(),
  triggerOffsetBps: fc.integer({ min: -400, max: 400 }),
  product: fc.constantFrom('MIS' as const, 'CNC' as const, 'NRML' as const),
  variety: fc.constantFrom('regular' as const, 'regular' as const, 'amo' as const),
});

const stepArb = fc.record({
  kind: fc.constantFrom('manual', 'manual', 'intent', 'tick'),
  open: fc.boolean(),
  timeIdx: fc.integer({ min: 0, max: 2 }),
  staleMs: fc.oneof(fc.constant(0), fc.constant(1000), fc.integer({ min: 6000, max: 120_000 })),
  ltpInfy: fc.integer({ min: 10_000, max: 400_000 }).map((p) => p - (p % 5)),
  ltpFut: fc.integer({ min: 1_000_000, max: 3_000_000 }).map((p) => p - (p % 10)),
  manual: manualArb,
  score: fc.double({ min: -1, max: 1, noNaN: true }),
});

describe('no bad order reaches any broker (fast-check, 10,000 orders)', () => {
  it('holds for random intents and manual orders; every block names its rule', () => {
    let total = 0;
    let allowed = 0;
    const rulesSeen = new Set<string>();
    fc.assert(
      fc.property(fc.array(stepArb, { minLength: 20, maxLength: 20 }), (steps) => {
        const clock = { t: OPEN_TIMES[0]!, now() { return this.t; } };
        let open = true;
        const svc = new TradingService({
          mode: 'paper',
          instruments: INSTRUMENTS,
          clock,
          store: new MemoryTradingStore(),
          config: { capital: 10_000_000, paper: { slippage: { ticks: 1 } }, risk: { staleAfterMs: STALE_MS, priceBandBps: BAND_BPS } },
          isMarketOpen: () => open,
          atr: () => 800,
        });
        const ltp = new Map<string, number>();
        const lastTick = new Map<string, number>();
        const seen: string[] = [];
        const place = svc.router.place.bind(svc.router);
        svc.router.place = (o) => {
          const problem = oracleProblem(o, ltp.get(o.symbol)!, lastTick.get(o.symbol) ?? -Infinity, clock.t, open, svc.ledger.positionQty(o.symbol));
          if (problem !== null) seen.push(`${o.clientId} ${o.symbol} ${o.side} ${o.qty} ${o.orderType} p=${o.pricePaise} t=${o.triggerPaise} ${o.variety}: ${problem}`);
          place(o);
        };
        for (const s of steps) {
          open = s.open;
          const tickAt = (open ? OPEN_TIMES : CLOSED_TIMES)[s.timeIdx]!;
          clock.t = tickAt;
          for (const [sym, p] of [
            ['INFY', s.ltpInfy],
            ['NIFTYFUT', s.ltpFut],
          ] as const) {
            ltp.set(sym, p);
            lastTick.set(sym, tickAt);
            svc.onTick(sym, p, tickAt);
          }
          clock.t = tickAt + s.staleMs;
          if (s.kind === 'tick') continue;
          total++;
          if (s.kind === 'intent') {
            const side = s.score >= 0 ? ('BUY' as const) : ('SELL' as const);
            const r = svc.onIntent({ symbol: s.manual.symbol, side, score: s.score, price: ltp.get(s.manual.symbol)!, reasons: [{ strategy: 'st1', confidence: Math.abs(s.score), weight: 1 }], tsEvent: clock.t });
            if ('decision' in r) {
              if (r.decision.action === 'BLOCK' || r.decision.action === 'HALT_SESSION') {
                expect(RISK_RULES as readonly string[]).toContain(r.decision.rule);
                rulesSeen.add(r.decision.rule!);
              } else allowed++;
            }
            continue;
          }
          const m = s.manual;
          const inst = BY_SYMBOL.get(m.symbol)!;
          const base = ltp.get(m.symbol)!;
          const raw = base + Math.trunc((base * m.priceOffsetBps) / 10_000);
          let price = raw - (raw % inst.tickSizePaise);
          if (m.offTick) price += 1;
          const trig = base + Math.trunc((base * m.triggerOffsetBps) / 10_000);
          const trigger = trig - (trig % inst.tickSizePaise);
          let r;
          try {
            r = svc.placeManual({
              symbol: m.symbol,
              side: m.side,
              qty: m.qty,
              orderType: m.orderType,
              product: m.product,
              validity: 'DAY',
              variety: m.variety,
              ...(m.orderType === 'LIMIT' || m.orderType === 'SL' ? { pricePaise: price } : {}),
              ...(m.orderType === 'SL' || m.orderType === 'SL-M' ? { triggerPaise: trigger } : {}),
            });
          } catch (e) {
            // only a request the contract's schema would have refused may throw here; it must not reach a broker
            expect(Number.isSafeInteger(m.qty) && m.qty > 0).toBe(false);
            void e;
            continue;
          }
          if (r.decision.action === 'BLOCK' || r.decision.action === 'HALT_SESSION') {
            expect(RISK_RULES as readonly string[]).toContain(r.decision.rule);
            expect(r.decision.message?.length ?? 0).toBeGreaterThan(0);
            expect(r.orders).toEqual([]);
            rulesSeen.add(r.decision.rule!);
          } else allowed++;
        }
        if (seen.length > 0) throw new Error(`bad orders reached the broker:\n${seen.join('\n')}`);
      }),
      { numRuns: 700 },
    );
    // 700 runs × 20 steps, three in four an order: about 10,500 orders and intents
    expect(total).toBeGreaterThanOrEqual(10_000);
    expect(allowed).toBeGreaterThan(100);
    for (const r of ['lot_size', 'tick_size', 'price_band', 'market_hours', 'stale_data', 'max_qty', 'shape']) expect(rulesSeen).toContain(r);
  });
});
