import { describe, expect, it } from 'vitest';
import { istTime } from '../core/nse-calendar.js';
import { GeneratedMarket, type MarketSource } from './market-source.js';
import { istSixAm, SimClock } from './sim-clock.js';

const seeds = [{ symbol: 'ACME', name: 'Acme', basePaise: 10_000, avgDailyVolume: 1_000_000 }];

describe('SimClock', () => {
  it('manual: set() steps through every calendar boundary on the way (square-off, close, 06:00, pre-open, open)', () => {
    const start = istTime('2026-11-23', '15:00');
    const market = new GeneratedMarket({ seeds, startTime: start, ticksPerSecond: 5 });
    const clock = new SimClock({ mode: 'manual', market, startTime: start });
    const seen = new Set<number>();
    clock.onStep((t) => seen.add(t));
    clock.set(istTime('2026-11-25', '09:16')); // Tuesday 24th is a holiday
    for (const [day, hhmm] of [['2026-11-23', '15:20'], ['2026-11-23', '15:30'], ['2026-11-24', '06:00'], ['2026-11-25', '06:00'], ['2026-11-25', '09:00'], ['2026-11-25', '09:15']] as const) {
      expect(seen.has(istTime(day, hhmm)), `${day} ${hhmm}`).toBe(true);
    }
    expect(clock.now()).toBe(istTime('2026-11-25', '09:16'));
    expect(market.now()).toBeGreaterThanOrEqual(istTime('2026-11-25', '09:15')); // the market followed into Wednesday's session
    expect(market.now()).toBeLessThanOrEqual(istTime('2026-11-25', '09:16'));
    expect(() => clock.set(start)).toThrow(RangeError);
  });

  it('manual: the market generates no ticks while the clock is outside a session', () => {
    const start = istTime('2026-11-23', '16:00');
    const market = new GeneratedMarket({ seeds, startTime: start, ticksPerSecond: 5 });
    let ticks = 0;
    market.onTick(() => ticks++);
    const clock = new SimClock({ mode: 'manual', market, startTime: start });
    clock.set(istTime('2026-11-25', '09:14'));
    expect(ticks).toBe(0);
    clock.advance(120_000); // to 09:16: a minute of trading
    expect(ticks).toBeGreaterThan(0);
  });

  it('auto follows the market; set() is for manual clocks only; wall needs an advanceable market', () => {
    const market = new GeneratedMarket({ seeds, startTime: istTime('2026-11-23', '10:00') });
    const auto = new SimClock({ mode: 'auto', market });
    expect(auto.now()).toBe(market.now());
    market.advance(5000);
    expect(auto.now()).toBe(market.now());
    expect(() => auto.set(auto.now() + 1)).toThrow(/manual/);
    const fixed: MarketSource = { seeds, onTick: () => () => {}, start() {}, stop() {}, now: () => 0, prevClose: () => 1 };
    expect(() => new SimClock({ mode: 'wall', market: fixed })).toThrow(/advanced/);
  });

  it('istSixAm: 06:00 IST of the IST day', () => {
    expect(istSixAm(istTime('2026-11-23', '03:00'))).toBe(istTime('2026-11-23', '06:00'));
    expect(istSixAm(istTime('2026-11-23', '23:59'))).toBe(istTime('2026-11-23', '06:00'));
  });
});
