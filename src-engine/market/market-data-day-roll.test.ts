import { describe, expect, it } from 'vitest';
import type { Instrument } from '../contract/schemas.js';
import { istTime } from '../core/nse-calendar.js';
import { TradingDay } from '../core/trading-day.js';
import type { Tick } from '../model/tick.js';
import { MarketData } from './market-data.js';

// 2026-11-23 Monday, 24 an NSE holiday, 25 Wednesday. A fake clock only.
const inst = (symbol: string): Instrument => ({ symbol, name: symbol, exchange: 'NSE', tickSizePaise: 5, lotSize: 1 });
const tick = (symbol: string, lastPaise: number, volume: number, tsEvent: number): Tick => ({ symbol, lastPaise, lastQty: 1, volume, tsEvent });

describe('MarketData and the trading-day roll', () => {
  it('the previous close rolls at the day roll, before the first tick; the first tick does not roll it again', () => {
    const clock = { t: istTime('2026-11-23', '10:00'), now() { return this.t; } };
    const days = new TradingDay({ clock });
    const md = new MarketData([inst('A'), inst('B')], { tradingDay: days });
    md.setPrevClose('A', 1000);
    md.onTick(tick('A', 1010, 5, clock.t));
    md.onTick(tick('A', 1020, 9, clock.t + 60_000));
    expect(md.quote('A')).toMatchObject({ prevClosePaise: 1000, changePaise: 20 });
    // the holiday: still Monday's quote
    clock.t = istTime('2026-11-24', '10:00');
    days.sync();
    expect(md.quote('A')).toMatchObject({ prevClosePaise: 1000 });
    // Wednesday 08:00: rolled with no tick; B never ticked and has no quote
    clock.t = istTime('2026-11-25', '08:00');
    days.sync();
    expect(md.quote('A')).toMatchObject({ lastPaise: 1020, prevClosePaise: 1020, changePaise: 0 });
    expect(md.quote('B')).toBeUndefined();
    // the feed reports the official close (NSE's is not always the last trade): it stays through the first tick
    md.setPrevClose('A', 1018);
    md.onTick(tick('A', 1030, 3, istTime('2026-11-25', '09:15')));
    expect(md.quote('A')).toMatchObject({ prevClosePaise: 1018, changePaise: 12 });
    // and without a roll from the service, a tick of a later day still rolls it by itself (Thursday)
    md.onTick(tick('A', 1040, 1, istTime('2026-11-26', '09:15')));
    expect(md.quote('A')).toMatchObject({ prevClosePaise: 1030 });
  });
});
