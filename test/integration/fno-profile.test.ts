/**
 * The shipped F&O profile (configs/fno-nifty.yaml) with no credentials: NIFTY futures and ATM options on the
 * built-in simulator through a NIFTY weekly expiry day (Tue 8 Dec 2026), driven by the simulated clock.
 * Orders in whole lots within the freeze quantity, F&O charges, margin checked before placing, positions
 * open at 15:30 settled at intrinsic value, journalled in SQLite and exported as for equity.
 */
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { istTime } from '../../src-engine/core/nse-calendar.js';
import { openDatabase } from '../../src-engine/persistence/db.js';
import { RecordsReader, tradesCsv } from '../../src-engine/persistence/records-export.js';
import { TradingRepo } from '../../src-engine/persistence/trading-repo.js';
import { fnoContractOf } from '../../src-engine/portfolio/fno-margin.js';
import { parseRunProfile } from '../../src-engine/runtime/config.js';
import { Engine, type WatchlistStore } from '../../src-engine/runtime/engine.js';
import { finalSettlementPrice } from '../../src-engine/runtime/fno-settlement.js';

const PROFILE = join(import.meta.dirname, '../../configs/fno-nifty.yaml');
const LOT = 65;

const watchlist = (): WatchlistStore => {
  let s: string[] = [];
  return { get: () => [...s], set: (x) => void (s = [...x]) };
};

describe('configs/fno-nifty.yaml on the built-in simulator through an expiry', () => {
  it('trades NIFTY futures and ATM options in lots, checks margin, charges F&O, settles at expiry, journals and exports', () => {
    const db = openDatabase(':memory:');
    const store = new TradingRepo(db, 'paper');
    const profile = parseRunProfile(readFileSync(PROFILE, 'utf8'), PROFILE);
    const e = new Engine({ profile, watchlist: watchlist(), autoStart: false, trading: store });
    const advanceTo = (hhmm: string) => {
      const target = istTime('2026-12-08', hhmm);
      while (e.feed.now() < target) e.simulator.advance(Math.min(60_000, target - e.feed.now()));
    };
    try {
      const r = e.fno!.resolution('NIFTY')!;
      expect(r.future).toBe('NIFTY26DECFUT');
      expect(r.option!.expiry).toBe('2026-12-08');
      expect(e.strategies.list().instances.map((i) => [i.id, i.symbols])).toEqual([
        ['nifty-fut-trend', ['NIFTY26DECFUT']],
        ['nifty-atm-trend', ['NIFTY 50']],
      ]);

      advanceTo('15:00');
      // a person's order on the ATM call the plan resolves to now: one lot; not a whole lot → refused;
      // a short put far beyond the capital's margin → refused before it is sent
      const ce = e.fno!.resolution('NIFTY')!.option!.ce!;
      const pe = e.fno!.resolution('NIFTY')!.option!.pe!;
      const manual = { product: 'NRML' as const, validity: 'DAY' as const, variety: 'regular' as const, orderType: 'MARKET' as const };
      expect(e.trading.placeManual({ ...manual, symbol: ce, side: 'BUY', qty: 50 }).decision).toMatchObject({ action: 'BLOCK', rule: 'lot_size' });
      const short = e.trading.placeManual({ ...manual, symbol: pe, side: 'SELL', qty: 20 * LOT });
      expect(short.decision).toMatchObject({ action: 'BLOCK', rule: 'margin' });
      const long = e.trading.placeManual({ ...manual, symbol: ce, side: 'BUY', qty: LOT });
      expect(long.decision.action).toBe('ALLOW');
      expect(long.orders[0]!.status).toBe('COMPLETE');

      // the index's close: its last print before 15:30
      let indexClose = 0;
      e.feed.onTick((t) => {
        if (t.symbol === 'NIFTY 50' && t.tsEvent < istTime('2026-12-08', '15:30')) indexClose = t.lastPaise;
      });
      advanceTo('15:29');
      expect(indexClose).toBeGreaterThan(0);
      const openOptions = e.trading.portfolio().positions.filter((p) => p.qty !== 0 && fnoContractOf(p.symbol)?.kind !== 'FUT');
      expect(openOptions.some((p) => p.symbol === ce && p.strategy === 'manual')).toBe(true);
      advanceTo('15:31');

      // the journal's orders of the whole run (the engine keeps only today's finished orders in memory)
      const orders = store.orders().map((o) => o.order);
      expect(orders.length).toBeGreaterThanOrEqual(e.trading.orders().length);
      // the strategies traded: the future on its own candles, the option leg routed from NIFTY 50
      expect(orders.some((o) => o.strategy === 'nifty-fut-trend' && o.symbol === 'NIFTY26DECFUT')).toBe(true);
      expect(orders.filter((o) => o.strategy === 'nifty-atm-trend').every((o) => /^NIFTY26D08\d+(CE|PE)$/.test(o.symbol))).toBe(true);
      // whole lots, within the freeze quantity
      for (const o of orders) {
        expect(o.qty % LOT).toBe(0);
        expect(o.qty).toBeLessThanOrEqual(1800);
      }
      const fills = e.trading.fills(1000);
      const traded = fills.filter((f) => f.clientId !== 'settlement');
      expect(traded.length).toBeGreaterThan(0);
      for (const f of traded) expect(f.chargesPaise).toBeGreaterThan(0);

      // every option still open at 15:30 settled at intrinsic value on the index's close; none left open
      const settled = fills.filter((f) => f.clientId === 'settlement');
      expect(settled.map((f) => `${f.strategy}|${f.symbol}`).sort()).toEqual(openOptions.map((p) => `${p.strategy}|${p.symbol}`).sort());
      for (const f of settled) {
        const c = fnoContractOf(f.symbol)!;
        expect(f.pricePaise).toBe(finalSettlementPrice(c, indexClose, 0).pricePaise);
        expect(f.tsEvent).toBe(istTime('2026-12-08', '15:30'));
        // an exercised long (closed by a SELL at a price above 0) pays STT on the intrinsic value: 0.15 % from 2026-04-01
        expect(f.chargesPaise).toBe(f.side === 'SELL' && f.pricePaise > 0 ? Math.round((f.pricePaise * f.qty * 15) / 10_000) : 0);
      }
      const stillOpen = e.trading.portfolio().positions.filter((p) => p.qty !== 0 && fnoContractOf(p.symbol)?.kind !== 'FUT');
      expect(stillOpen).toEqual([]);

      // journalled in SQLite and exported like any fill
      const csv = tradesCsv(new RecordsReader(db).fills());
      const lines = csv.trim().split('\n');
      expect(lines.length - 1).toBe(fills.length);
      expect(lines.filter((l) => l.includes(',settlement,')).length).toBe(settled.length);
      expect(lines.some((l) => l.includes(`,settlement,paper,${ce},NFO,SELL,NRML,${LOT},`))).toBe(true);
    } finally {
      e.stop();
      db.close();
    }
  }, 300_000);
});
