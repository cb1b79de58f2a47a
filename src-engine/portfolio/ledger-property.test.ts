import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { istTime } from '../core/nse-calendar.js';
import type { OrderSide } from '../model/order.js';
import { Ledger, type LedgerFill, type LedgerSnapshot } from './ledger.js';

/**
 * Random fill/mark sequences against an independent model that knows only cash flows, net
 * quantities and last prices — never the ledger's average-cost bookkeeping.
 */

const SYMBOLS = ['A', 'B', 'C'];
const STRATEGIES = ['s1', 's2', 's3'];
const CAPITAL = 50_000_000_00;
const T0 = istTime('2025-01-15', '09:15');

type Cmd =
  | { kind: 'fill'; strategy: number; symbol: number; side: OrderSide; qty: number; price: number; charges: number; dt: number }
  | { kind: 'mark'; symbol: number; price: number; dt: number }
  | { kind: 'roll'; dt: number };

const cmdArb: fc.Arbitrary<Cmd> = fc.oneof(
  { weight: 6, arbitrary: fc.record({
    kind: fc.constant('fill' as const),
    strategy: fc.nat(STRATEGIES.length - 1),
    symbol: fc.nat(SYMBOLS.length - 1),
    side: fc.constantFrom<OrderSide>('BUY', 'SELL'),
    qty: fc.oneof(fc.integer({ min: 1, max: 10 }), fc.integer({ min: 1, max: 200_000 })),
    price: fc.oneof(fc.integer({ min: 5, max: 500 }), fc.integer({ min: 5, max: 50_000_000 })),
    charges: fc.oneof(fc.constant(0), fc.integer({ min: 0, max: 100 }), fc.integer({ min: 0, max: 5_000_000 })),
    dt: fc.integer({ min: 0, max: 120_000 }),
  }) },
  { weight: 3, arbitrary: fc.record({ kind: fc.constant('mark' as const), symbol: fc.nat(SYMBOLS.length - 1), price: fc.integer({ min: 0, max: 50_000_000 }), dt: fc.integer({ min: 0, max: 120_000 }) }) },
  { weight: 1, arbitrary: fc.record({ kind: fc.constant('roll' as const), dt: fc.integer({ min: 0, max: 30 * 3_600_000 }) }) },
);

function allSafeIntegers(s: LedgerSnapshot): void {
  const check = (v: unknown, path: string): void => {
    if (typeof v === 'number') {
      if (!Number.isSafeInteger(v)) throw new Error(`${path} = ${v} is not a safe integer`);
    } else if (Array.isArray(v)) v.forEach((x, i) => check(x, `${path}[${i}]`));
    else if (v && typeof v === 'object') for (const [k, x] of Object.entries(v)) check(x, `${path}.${k}`);
  };
  check(s, 'snapshot');
}

class Model {
  cash = CAPITAL;
  readonly qty = new Map<string, number>(); // strategy|symbol → signed qty
  readonly last = new Map<string, number>(); // symbol → last price
  sumQtyTimesMark(): number {
    let t = 0;
    for (const [k, q] of this.qty) t += q * this.last.get(k.split('|')[1]!)!;
    return t;
  }
}

function check(l: Ledger, m: Model): void {
  const s = l.snapshot();
  allSafeIntegers(s);
  expect(s.cashPaise).toBe(m.cash);
  expect(s.equityPaise).toBe(m.cash + m.sumQtyTimesMark());
  expect(s.equityPaise - s.capitalPaise).toBe(s.realisedPaise + s.unrealisedPaise);
  expect(s.realisedPaise).toBe(l.closedTrades().reduce((a, t) => a + t.netPnlPaise, 0));
  expect(s.unrealisedPaise).toBe(s.positions.reduce((a, p) => a + p.unrealisedPaise, 0));
  expect(s.realisedPaise).toBe(s.strategies.reduce((a, x) => a + x.realisedPaise, 0));
  expect(s.dayPnlPaise).toBe(s.strategies.reduce((a, x) => a + x.dayPnlPaise, 0));
  expect(s.dayPeakEquityPaise).toBeGreaterThanOrEqual(s.equityPaise);
  for (const p of s.positions) {
    expect(p.qty).toBe(m.qty.get(`${p.strategy}|${p.symbol}`) ?? 0);
    expect(p.unrealisedPaise).toBe(p.qty * p.markPaise - p.costBasisPaise - p.entryChargesPaise);
    if (p.qty === 0) expect([p.costBasisPaise, p.entryChargesPaise, p.unrealisedPaise]).toEqual([0, 0, 0]);
    else expect(Math.sign(p.costBasisPaise)).toBe(Math.sign(p.qty));
  }
  for (const sym of SYMBOLS) {
    let net = 0;
    for (const st of STRATEGIES) net += m.qty.get(`${st}|${sym}`) ?? 0;
    expect(l.positionQty(sym)).toBe(net);
  }
  for (const t of l.closedTrades()) {
    expect(t.grossPnlPaise).toBe(t.side === 'long' ? t.exitValuePaise - t.entryValuePaise : t.entryValuePaise - t.exitValuePaise);
    expect(t.netPnlPaise).toBe(t.grossPnlPaise - t.chargesPaise);
    expect(t.chargesPaise).toBeGreaterThanOrEqual(0);
  }
}

describe('Ledger properties', () => {
  it('cash + Σ qty × mark = equity = capital + realised + unrealised, exactly, after every step; flat ⇒ equity = cash', () => {
    fc.assert(
      fc.property(fc.array(cmdArb, { minLength: 1, maxLength: 60 }), (cmds) => {
        const l = new Ledger({ capitalPaise: CAPITAL });
        const m = new Model();
        const fills: LedgerFill[] = [];
        let ts = T0;
        let n = 0;
        const apply = (f: LedgerFill): void => {
          l.applyFill(f);
          fills.push(f);
          const key = `${f.strategy}|${f.symbol}`;
          m.qty.set(key, (m.qty.get(key) ?? 0) + (f.side === 'BUY' ? f.qty : -f.qty));
          m.cash += (f.side === 'BUY' ? -1 : 1) * f.qty * f.pricePaise - f.chargesPaise;
          m.last.set(f.symbol, f.pricePaise);
        };
        for (const c of cmds) {
          ts += c.dt;
          if (c.kind === 'fill') {
            n++;
            apply({
              fillId: `F${n}`,
              orderId: `O${n}`,
              clientId: `C${n}`,
              symbol: SYMBOLS[c.symbol]!,
              exchange: 'NSE',
              side: c.side,
              product: 'MIS',
              strategy: STRATEGIES[c.strategy]!,
              qty: c.qty,
              pricePaise: c.price,
              tsEvent: ts,
              chargesPaise: c.charges,
            });
          } else if (c.kind === 'mark') {
            const sym = SYMBOLS[c.symbol]!;
            l.mark(sym, c.price, ts);
            if (m.last.has(sym)) m.last.set(sym, c.price);
          } else l.rollDay(ts);
          check(l, m);
        }

        // restart: replay gives the same books
        const back = Ledger.restore(CAPITAL, fills);
        for (const sym of SYMBOLS) if (m.last.has(sym)) back.mark(sym, m.last.get(sym)!, ts);
        const a = l.snapshot();
        const b = back.snapshot();
        expect({ ...b, dayPnlPaise: 0, dayPeakEquityPaise: 0, strategies: b.strategies.map((s) => ({ ...s, dayPnlPaise: 0 })) }).toEqual({
          ...a,
          dayPnlPaise: 0,
          dayPeakEquityPaise: 0,
          strategies: a.strategies.map((s) => ({ ...s, dayPnlPaise: 0 })),
        });
        expect(back.closedTrades()).toEqual(l.closedTrades());

        // close everything at random-ish prices
        for (const [key, q] of [...m.qty]) {
          if (q === 0) continue;
          const [strategy, symbol] = key.split('|') as [string, string];
          n++;
          ts += 1;
          apply({
            fillId: `F${n}`,
            orderId: `O${n}`,
            clientId: `C${n}`,
            symbol,
            exchange: 'NSE',
            side: q > 0 ? 'SELL' : 'BUY',
            product: 'MIS',
            strategy,
            qty: Math.abs(q),
            pricePaise: 1 + ((n * 7919) % 1_000_000),
            tsEvent: ts,
            chargesPaise: n % 13,
          });
          check(l, m);
        }
        const s = l.snapshot();
        expect(s.unrealisedPaise).toBe(0);
        expect(s.equityPaise).toBe(s.cashPaise);
        expect(s.realisedPaise).toBe(s.cashPaise - CAPITAL);
        expect(l.openPositionCount()).toBe(0);
        expect(l.grossExposurePaise()).toBe(0);
        expect(l.marginUsedPaise()).toBe(0);
        for (const p of s.positions) expect([p.qty, p.costBasisPaise, p.entryChargesPaise]).toEqual([0, 0, 0]);
      }),
      { numRuns: 400 },
    );
  });
});
