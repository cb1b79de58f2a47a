import { describe, expect, it } from 'vitest';
import { istTime, nseCalendar } from '../core/nse-calendar.js';
import { Ledger } from './ledger.js';
import { ExitManager, type ExitConfigInput, exitConfigSchema, type PositionChange } from './exits.js';

const T0 = istTime('2025-01-15', '10:00'); // a Wednesday, a regular session
const open = (over: Partial<PositionChange> = {}): PositionChange => ({
  strategy: 's',
  symbol: 'X',
  qty: 10,
  avgPricePaise: 100_00,
  product: 'CNC',
  tickSizePaise: 5,
  ts: T0,
  atrPaise: 101.3,
  ...over,
});
const mgr = (config: ExitConfigInput = {}) => new ExitManager({ config });

describe('ExitManager: arming', () => {
  it('long: stop entry − 2 ATR, target entry + 4 ATR, trail 1 % under entry, all on the tick', () => {
    const m = mgr();
    m.onPositionChanged(open());
    // 10000 − 202.6 = 9797.4 → 9795; 10000 + 405.2 = 10405.2 → 10405; 10000 × 0.99 = 9900
    expect(m.armed('s', 'X')).toMatchObject({ qty: 10, entryPaise: 10_000, stopPaise: 9795, targetPaise: 10_405, trailPaise: 9900, inFlight: false, misCutoffAt: undefined, timeExitAt: undefined });
  });

  it('short: mirrored', () => {
    const m = mgr();
    m.onPositionChanged(open({ qty: -10 }));
    expect(m.armed('s', 'X')).toMatchObject({ stopPaise: 10_205, targetPaise: 9595, trailPaise: 10_100 });
  });

  it('no ATR → only trailing/time exits; 0 multiples switch exits off', () => {
    const m = mgr({ trailingBps: 0, atrMultipleTarget: 0 });
    m.onPositionChanged(open({ atrPaise: undefined }));
    expect(m.armed('s', 'X')).toMatchObject({ stopPaise: undefined, targetPaise: undefined, trailPaise: undefined });
    m.onPositionChanged(open({ strategy: 't' }));
    expect(m.armed('t', 'X')).toMatchObject({ stopPaise: 9795, targetPaise: undefined, trailPaise: undefined });
  });

  it('config validation', () => {
    expect(exitConfigSchema.parse({})).toEqual({ atrMultipleStop: 2, atrMultipleTarget: 4, trailingBps: 100, squareOffBeforeMs: 300_000 });
    expect(() => new ExitManager({ config: { trailingBps: -1 } })).toThrow(RangeError);
    expect(() => new ExitManager({ config: { maxHoldMs: 1.5 } })).toThrow(RangeError);
  });
});

describe('ExitManager: each reason', () => {
  it('stop_loss (long) at the stop level', () => {
    const m = mgr({ trailingBps: 0 });
    m.onPositionChanged(open());
    expect(m.onPrice('X', 9800, T0 + 1)).toEqual([]);
    expect(m.onPrice('X', 9790, T0 + 2)).toEqual([{ strategy: 's', symbol: 'X', side: 'SELL', qty: 10, reason: 'stop_loss', triggerPaise: 9795, product: 'CNC', ts: T0 + 2 }]);
  });

  it('stop_loss (short) buys back', () => {
    const m = mgr({ trailingBps: 0 });
    m.onPositionChanged(open({ qty: -4 }));
    expect(m.onPrice('X', 10_205, T0 + 1)).toMatchObject([{ side: 'BUY', qty: 4, reason: 'stop_loss', triggerPaise: 10_205 }]);
  });

  it('take_profit', () => {
    const m = mgr({ trailingBps: 0 });
    m.onPositionChanged(open());
    expect(m.onPrice('X', 10_400, T0 + 1)).toEqual([]);
    expect(m.onPrice('X', 10_410, T0 + 2)).toMatchObject([{ reason: 'take_profit', triggerPaise: 10_405, side: 'SELL' }]);
    const s = mgr({ trailingBps: 0 });
    s.onPositionChanged(open({ qty: -10 }));
    expect(s.onPrice('X', 9595, T0 + 1)).toMatchObject([{ reason: 'take_profit', triggerPaise: 9595, side: 'BUY' }]);
  });

  it('trailing_stop follows the peak, only tightens, and fires on the pull-back', () => {
    const m = mgr({ atrMultipleTarget: 0 });
    m.onPositionChanged(open());
    m.onPrice('X', 10_300, T0 + 1);
    expect(m.armed('s', 'X')!.trailPaise).toBe(10_195); // 10300 × 0.99 = 10197 → 10195
    m.onPrice('X', 10_250, T0 + 2);
    m.onPrice('X', 10_200, T0 + 3);
    expect(m.armed('s', 'X')!.trailPaise).toBe(10_195); // did not loosen
    expect(m.armed('s', 'X')!.extremePaise).toBe(10_300);
    expect(m.onPrice('X', 10_190, T0 + 4)).toMatchObject([{ reason: 'trailing_stop', triggerPaise: 10_195, qty: 10 }]);
  });

  it('trailing_stop for a short follows the trough', () => {
    const m = mgr({ atrMultipleTarget: 0 });
    m.onPositionChanged(open({ qty: -10 }));
    m.onPrice('X', 9_000, T0 + 1);
    m.onPrice('X', 9_050, T0 + 2);
    expect(m.armed('s', 'X')!.trailPaise).toBe(9_090);
    expect(m.onPrice('X', 9_095, T0 + 3)).toMatchObject([{ reason: 'trailing_stop', side: 'BUY', triggerPaise: 9_090 }]);
  });

  it('time_exit after maxHoldMs, on a price or on the timer', () => {
    const m = mgr({ maxHoldMs: 60_000 });
    m.onPositionChanged(open());
    expect(m.onPrice('X', 10_001, T0 + 59_999)).toEqual([]);
    expect(m.onPrice('X', 10_002, T0 + 60_000)).toMatchObject([{ reason: 'time_exit', triggerPaise: 10_000 }]); // snapped to tick 5
    const q = mgr({ maxHoldMs: 60_000 });
    q.onPositionChanged(open());
    q.onPrice('X', 10_013, T0 + 10);
    expect(q.onTime(T0 + 59_999)).toEqual([]);
    expect(q.onTime(T0 + 60_000)).toMatchObject([{ reason: 'time_exit', triggerPaise: 10_015 }]);
  });
});

describe('ExitManager: MIS square-off uses the calendar', () => {
  it('5 minutes before 15:20 IST on a regular day', () => {
    const m = mgr();
    m.onPositionChanged(open({ product: 'MIS' }));
    expect(nseCalendar.session(T0)!.misSquareOff).toBe(istTime('2025-01-15', '15:20'));
    expect(m.armed('s', 'X')!.misCutoffAt).toBe(istTime('2025-01-15', '15:15'));
    expect(m.onPrice('X', 10_000, istTime('2025-01-15', '15:15') - 1)).toEqual([]);
    expect(m.onPrice('X', 10_000, istTime('2025-01-15', '15:15'))).toMatchObject([{ reason: 'mis_squareoff', side: 'SELL', qty: 10, product: 'MIS' }]);
  });

  it('on the 2025 Muhurat session (13:45–14:45) the cut-off is 14:30', () => {
    const m = mgr({ squareOffBeforeMs: 300_000 });
    m.onPositionChanged(open({ product: 'MIS', ts: istTime('2025-10-21', '13:50') }));
    expect(m.armed('s', 'X')!.misCutoffAt).toBe(istTime('2025-10-21', '14:30'));
    expect(m.onTime(istTime('2025-10-21', '14:29'))).toEqual([]);
    expect(m.onTime(istTime('2025-10-21', '14:30'))).toMatchObject([{ reason: 'mis_squareoff' }]);
  });

  it('CNC positions are not squared off', () => {
    const m = mgr();
    m.onPositionChanged(open({ product: 'CNC' }));
    expect(m.onTime(istTime('2025-01-15', '15:29'))).toEqual([]);
  });
});

describe('ExitManager: once only', () => {
  it('fires once while the exit is in flight, through partial fills; flat clears; release re-arms', () => {
    const m = mgr({ trailingBps: 0 });
    m.onPositionChanged(open());
    expect(m.onPrice('X', 9_700, T0 + 1)).toHaveLength(1);
    expect(m.onPrice('X', 9_600, T0 + 2)).toEqual([]);
    expect(m.onTime(T0 + 10 * 3_600_000)).toEqual([]);
    m.onPositionChanged(open({ qty: 6, ts: T0 + 3 })); // exit order part-filled
    expect(m.onPrice('X', 9_500, T0 + 4)).toEqual([]);
    expect(m.armed('s', 'X')).toMatchObject({ qty: 6, inFlight: true });
    m.release('s', 'X'); // the exit order was cancelled with 6 left
    expect(m.onPrice('X', 9_500, T0 + 5)).toMatchObject([{ reason: 'stop_loss', qty: 6 }]);
    m.onPositionChanged(open({ qty: 0, ts: T0 + 6 }));
    expect(m.armed('s', 'X')).toBeUndefined();
    expect(m.onPrice('X', 9_000, T0 + 7)).toEqual([]);
  });

  it('separate strategies in one symbol fire separately; a flip re-arms', () => {
    const m = mgr({ trailingBps: 0 });
    m.onPositionChanged(open({ strategy: 'a' }));
    m.onPositionChanged(open({ strategy: 'b', qty: -3 }));
    const r = m.onPrice('X', 9_700, T0 + 1);
    expect(r).toMatchObject([{ strategy: 'a', reason: 'stop_loss' }]);
    expect(m.onPrice('X', 10_300, T0 + 2)).toMatchObject([{ strategy: 'b', reason: 'stop_loss', side: 'BUY', qty: 3 }]);
    m.onPositionChanged(open({ strategy: 'a', qty: -5, avgPricePaise: 9_700, ts: T0 + 3 }));
    expect(m.armed('a', 'X')).toMatchObject({ qty: -5, inFlight: false, stopPaise: 9_905, openedAt: T0 + 3 });
  });

  it('adding re-computes stop/target from the new average; the trail keeps its peak', () => {
    const m = mgr();
    m.onPositionChanged(open());
    m.onPrice('X', 10_200, T0 + 1);
    m.onPositionChanged(open({ qty: 20, avgPricePaise: 10_100, ts: T0 + 2 }));
    expect(m.armed('s', 'X')).toMatchObject({ qty: 20, entryPaise: 10_100, stopPaise: 9_895, targetPaise: 10_505, extremePaise: 10_200, trailPaise: 10_100, openedAt: T0 });
  });
});

describe('ExitManager.onFill with the ledger', () => {
  it('arms from the ledger position after a fill and clears when the exit fill flattens it', () => {
    const l = new Ledger({ capitalPaise: 10_000_000 });
    const m = mgr({ trailingBps: 0 });
    const f = { fillId: 'F1', orderId: 'O1', clientId: 'C1', symbol: 'X', exchange: 'NSE' as const, side: 'BUY' as const, product: 'MIS' as const, strategy: 's', qty: 3, pricePaise: 10_000, tsEvent: T0, chargesPaise: 7 };
    l.applyFill(f);
    l.applyFill({ ...f, fillId: 'F2', qty: 1, pricePaise: 10_004 });
    m.onFill({ ...f, fillId: 'F2' }, l, 5, 100);
    expect(m.armed('s', 'X')).toMatchObject({ qty: 4, entryPaise: 10_001, stopPaise: 9_800, targetPaise: 10_400 });
    const [exit] = m.onPrice('X', 9_790, T0 + 1);
    l.applyFill({ ...f, fillId: 'F3', orderId: 'O2', side: exit!.side, qty: exit!.qty, pricePaise: 9_790, tsEvent: T0 + 2 });
    m.onFill({ ...f, fillId: 'F3', tsEvent: T0 + 2 }, l, 5, 100);
    expect(m.armed('s', 'X')).toBeUndefined();
    expect(l.closedTrades()[0]).toMatchObject({ side: 'long', qty: 4, exitValuePaise: 4 * 9_790 });
  });
});
