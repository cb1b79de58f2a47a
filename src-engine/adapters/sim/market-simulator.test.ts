import { afterEach, beforeAll, describe, expect, it, vi } from 'vitest';
import type { Clock } from '../../core/clock.js';
import { NIFTY50_SEEDS, type SimInstrumentSeed } from '../../model/instruments.js';
import type { Tick } from '../../model/tick.js';
import { MarketSimulator, inSimulatedSession, nextSimulatedOpen } from './market-simulator.js';

// Expected instants are written independently of the code under test, as IST wall-clock strings.
const ist = (s: string): number => Date.parse(`${s}+05:30`);
const FRI_OPEN = ist('2025-10-03T09:15:00'); // Friday
const FRI_CLOSE = ist('2025-10-03T15:30:00');
const MON_OPEN = ist('2025-10-06T09:15:00');
const MINUTE = 60_000;
const SESSION = 375 * MINUTE;

const fakeClock = (t: number): Clock & { t: number } => {
  const c = { t, now: () => c.t };
  return c;
};

function collect(sim: MarketSimulator): Tick[] {
  const ticks: Tick[] = [];
  sim.onTick((t) => ticks.push(t));
  return ticks;
}

describe('MarketSimulator: determinism and basics', () => {
  const few = NIFTY50_SEEDS.slice(0, 5);

  it('same seed → identical ticks, independent of how advance() is chunked; another seed differs', () => {
    const a = new MarketSimulator({ seeds: few, seed: 7, startTime: FRI_OPEN });
    const b = new MarketSimulator({ seeds: few, seed: 7, startTime: FRI_OPEN });
    const c = new MarketSimulator({ seeds: few, seed: 8, startTime: FRI_OPEN });
    const ta = collect(a);
    const tb = collect(b);
    const tc = collect(c);
    a.advance(2 * MINUTE);
    for (let i = 0; i < 120; i++) b.advance(1000);
    c.advance(2 * MINUTE);
    expect(ta.length).toBeGreaterThan(1000);
    expect(tb).toEqual(ta);
    expect(tc).not.toEqual(ta);
    expect(a.now()).toBe(FRI_OPEN + 2 * MINUTE);
    expect(b.now()).toBe(a.now());
  });

  it('instruments are the seeds as NSE instruments; prevClose starts at basePaise', () => {
    const sim = new MarketSimulator({ seeds: few, startTime: FRI_OPEN });
    expect(sim.instruments.map((i) => i.symbol)).toEqual(few.map((s) => s.symbol));
    expect(sim.instruments.every((i) => i.exchange === 'NSE' && i.tickSizePaise === 5 && i.lotSize === 1)).toBe(true);
    for (const s of few) expect(sim.prevClose(s.symbol)).toBe(s.basePaise);
    expect(() => sim.prevClose('NOPE')).toThrow(/unknown symbol 'NOPE'/);
  });

  it('ticksPerSecond sets the aggregate rate per simulated second', () => {
    const sim = new MarketSimulator({ seeds: few, ticksPerSecond: 40, startTime: FRI_OPEN });
    const ticks = collect(sim);
    sim.advance(10 * MINUTE); // expect 24,000 ± ~155 (Poisson)
    expect(ticks.length).toBeGreaterThan(23_000);
    expect(ticks.length).toBeLessThan(25_000);
  });

  it('onTick returns an unsubscribe function', () => {
    const sim = new MarketSimulator({ seeds: few, startTime: FRI_OPEN });
    let n = 0;
    const off = sim.onTick(() => n++);
    sim.advance(1000);
    const afterFirst = n;
    off();
    sim.advance(1000);
    expect(afterFirst).toBeGreaterThan(0);
    expect(n).toBe(afterFirst);
  });

  it('onClock reports the feed time after each advance and at each session close, never before a tick', () => {
    const sim = new MarketSimulator({ seeds: few, startTime: FRI_CLOSE - 2 * MINUTE });
    const events: string[] = [];
    let lastTick = 0;
    sim.onTick((t) => {
      lastTick = t.tsEvent;
      events.push('t');
    });
    const clocks: number[] = [];
    const off = sim.onClock((now) => {
      expect(lastTick).toBeLessThan(now); // every tick before `now` was already delivered
      clocks.push(now);
      events.push('c');
    });
    sim.advance(MINUTE);
    sim.advance(2 * MINUTE); // crosses Friday's close into Monday
    expect(clocks).toEqual([FRI_CLOSE - MINUTE, FRI_CLOSE, MON_OPEN + MINUTE]);
    expect(events.indexOf('c')).toBeGreaterThan(0);
    off();
    sim.advance(1000);
    expect(clocks).toHaveLength(3);
  });

  it('startTime is moved to the next session open when outside a session (weekend, evening)', () => {
    expect(new MarketSimulator({ seeds: few, startTime: ist('2025-10-04T11:00:00') }).now()).toBe(MON_OPEN);
    expect(new MarketSimulator({ seeds: few, startTime: ist('2025-10-03T18:00:00') }).now()).toBe(MON_OPEN);
    expect(new MarketSimulator({ seeds: few, startTime: ist('2025-10-03T11:00:00') }).now()).toBe(ist('2025-10-03T11:00:00'));
  });

  it('default start uses the real clock: now if in session, else the next open', () => {
    const inSession = ist('2025-10-07T10:30:00');
    expect(new MarketSimulator({ seeds: few }, fakeClock(inSession)).now()).toBe(inSession);
    expect(new MarketSimulator({ seeds: few }, fakeClock(ist('2025-10-07T16:00:00'))).now()).toBe(ist('2025-10-08T09:15:00'));
  });

  it('rejects bad options with messages that say what and where', () => {
    const bad: SimInstrumentSeed = { symbol: 'X', name: 'x', basePaise: 101, avgDailyVolume: 10 };
    expect(() => new MarketSimulator({ seeds: [] })).toThrow(/seeds must be a non-empty array/);
    expect(() => new MarketSimulator({ seeds: [few[0]!, bad] })).toThrow(/seeds\[1\] \(X\): basePaise must be a positive integer multiple of 5/);
    expect(() => new MarketSimulator({ seeds: [few[0]!, few[0]!] })).toThrow(/seeds\[1\].*duplicate symbol/);
    expect(() => new MarketSimulator({ seeds: few, speed: 0 })).toThrow(/speed must be a finite number > 0, got 0/);
    expect(() => new MarketSimulator({ seeds: few, ticksPerSecond: Number.NaN })).toThrow(/ticksPerSecond/);
    expect(() => new MarketSimulator({ seeds: few, annualVolatility: -1 })).toThrow(/annualVolatility/);
    const sim = new MarketSimulator({ seeds: few, startTime: FRI_OPEN });
    expect(() => sim.advance(-5)).toThrow(/advance: simMs must be a finite number ≥ 0, got -5/);
  });
});

describe('MarketSimulator: a full Friday of all 50 instruments, then into Monday', () => {
  interface PerSymbol {
    minuteClose: Float64Array; // last price in each session minute of Friday (0 = none yet)
    fridayLast: Tick | undefined;
    mondayFirst: Tick | undefined;
    volumeWentDown: number;
  }
  const per = new Map<string, PerSymbol>();
  let sim: MarketSimulator;
  let total = 0;
  let badPrice = 0;
  let outOfSession = 0;
  let timeWentBack = 0;
  let prevTs = -Infinity;
  const fridayVolumeByMinute = new Float64Array(375);
  const prevCloseAtStart = new Map<string, number>();

  beforeAll(() => {
    sim = new MarketSimulator({ seeds: NIFTY50_SEEDS, seed: 12345, startTime: FRI_OPEN });
    for (const s of NIFTY50_SEEDS) {
      per.set(s.symbol, { minuteClose: new Float64Array(375), fridayLast: undefined, mondayFirst: undefined, volumeWentDown: 0 });
      prevCloseAtStart.set(s.symbol, sim.prevClose(s.symbol));
    }
    sim.onTick((t) => {
      total++;
      if (!Number.isSafeInteger(t.lastPaise) || t.lastPaise <= 0 || t.lastPaise % 5 !== 0) badPrice++;
      if (t.tsEvent < prevTs) timeWentBack++;
      prevTs = t.tsEvent;
      const friday = t.tsEvent >= FRI_OPEN && t.tsEvent < FRI_CLOSE;
      const monday = t.tsEvent >= MON_OPEN && t.tsEvent < MON_OPEN + SESSION;
      if (!friday && !monday) outOfSession++;
      const p = per.get(t.symbol)!;
      if (friday) {
        const m = Math.floor((t.tsEvent - FRI_OPEN) / MINUTE);
        p.minuteClose[m] = t.lastPaise;
        fridayVolumeByMinute[m] = fridayVolumeByMinute[m]! + t.lastQty;
        if (p.fridayLast && t.volume < p.fridayLast.volume) p.volumeWentDown++;
        p.fridayLast = t;
      } else if (monday && p.mondayFirst === undefined) {
        p.mondayFirst = t;
      }
    });
    sim.advance(SESSION + 30 * MINUTE);
  });

  it('generated about 150 ticks per simulated second, in non-decreasing time order', () => {
    const expected = 150 * (SESSION + 30 * MINUTE) / 1000;
    expect(total).toBeGreaterThan(expected * 0.97);
    expect(total).toBeLessThan(expected * 1.03);
    expect(timeWentBack).toBe(0);
  });

  it('every price is a positive multiple of 5 paise', () => {
    expect(badPrice).toBe(0);
  });

  it('no ticks outside 09:15–15:30 IST or on the weekend; the clock jumped Friday close → Monday open', () => {
    expect(outOfSession).toBe(0);
    expect(sim.now()).toBe(MON_OPEN + 30 * MINUTE);
    for (const p of per.values()) expect(p.mondayFirst, 'every symbol ticks on Monday').toBeDefined();
  });

  it('cumulative volume never decreases within the day and resets on the next session', () => {
    for (const [sym, p] of per) {
      expect(p.volumeWentDown, sym).toBe(0);
      expect(p.mondayFirst!.volume, sym).toBe(p.mondayFirst!.lastQty);
      expect(p.mondayFirst!.volume, sym).toBeLessThan(p.fridayLast!.volume);
    }
  });

  it("prevClose becomes Friday's last price at the roll", () => {
    let changed = 0;
    for (const [sym, p] of per) {
      expect(sim.prevClose(sym), sym).toBe(p.fridayLast!.lastPaise);
      if (sim.prevClose(sym) !== prevCloseAtStart.get(sym)) changed++;
    }
    expect(changed).toBeGreaterThan(40); // the walk moved nearly every price
  });

  it("a day's volume is within a loose factor of avgDailyVolume", () => {
    const ratios = NIFTY50_SEEDS.map((s) => per.get(s.symbol)!.fridayLast!.volume / s.avgDailyVolume);
    for (const r of ratios) {
      expect(r).toBeGreaterThan(0.5);
      expect(r).toBeLessThan(2);
    }
    const mean = ratios.reduce((a, b) => a + b, 0) / ratios.length;
    expect(mean).toBeGreaterThan(0.8);
    expect(mean).toBeLessThan(1.25);
  });

  it('volume is U-shaped: the first and last 30 minutes trade more than midday', () => {
    const sum = (from: number, to: number): number => fridayVolumeByMinute.slice(from, to).reduce((a, b) => a + b, 0);
    const first = sum(0, 30);
    const mid = sum(172, 202);
    const last = sum(345, 375);
    expect(first).toBeGreaterThan(1.5 * mid);
    expect(last).toBeGreaterThan(1.3 * mid);
  });

  it('realised volatility of the first and last 30 minutes is higher than midday (averaged over instruments)', () => {
    // Mean squared 1-minute log return across all instruments in three 30-minute windows.
    const window = (from: number, to: number): number => {
      let sq = 0;
      let n = 0;
      for (const p of per.values()) {
        const c = p.minuteClose;
        for (let m = Math.max(from, 1); m < to; m++) {
          if (c[m]! > 0 && c[m - 1]! > 0) {
            const r = Math.log(c[m]! / c[m - 1]!);
            sq += r * r;
            n++;
          }
        }
      }
      expect(n).toBeGreaterThan(50 * 25);
      return sq / n;
    };
    const first = window(0, 30);
    const mid = window(172, 202);
    const last = window(345, 375);
    expect(first).toBeGreaterThan(1.5 * mid);
    expect(last).toBeGreaterThan(1.3 * mid);
    // Sanity of the level: 25 % annual over 250 × 375 minutes is a 1-minute variance of ≈ 6.7e-7; midday
    // sits below the day average and the open above it.
    const dailyAvgVar = 0.25 ** 2 / (250 * 375);
    expect(mid).toBeLessThan(dailyAvgVar);
    expect(mid).toBeGreaterThan(dailyAvgVar / 4);
    expect(first).toBeGreaterThan(dailyAvgVar);
  });
});

describe('MarketSimulator: start() and speed', () => {
  afterEach(() => {
    vi.useRealTimers();
  });

  it('advances by real elapsed × speed from its timer, and stops advancing after stop()', () => {
    vi.useFakeTimers();
    const clock = fakeClock(1_000_000);
    const seeds = NIFTY50_SEEDS.slice(0, 3);
    const s60 = new MarketSimulator({ seeds, speed: 60, startTime: FRI_OPEN }, clock);
    const s120 = new MarketSimulator({ seeds, speed: 120, startTime: FRI_OPEN }, clock);
    const ticks = collect(s60);
    s60.start();
    s120.start();
    for (let i = 0; i < 40; i++) {
      clock.t += 50;
      vi.advanceTimersByTime(50);
    }
    // 2 s of real time.
    expect(s60.now()).toBe(FRI_OPEN + 120_000);
    expect(s120.now()).toBe(FRI_OPEN + 240_000);
    expect(ticks.length).toBeGreaterThan(0);
    expect(ticks.every((t) => t.tsEvent < FRI_OPEN + 120_000)).toBe(true);

    s60.stop();
    s120.stop();
    clock.t += 5000;
    vi.advanceTimersByTime(5000);
    expect(s60.now()).toBe(FRI_OPEN + 120_000);
  });

  it('caps catch-up after a long real-time gap instead of bursting hours of ticks', () => {
    vi.useFakeTimers();
    const clock = fakeClock(0);
    const sim = new MarketSimulator({ seeds: NIFTY50_SEEDS.slice(0, 3), speed: 10, startTime: FRI_OPEN }, clock);
    sim.start();
    clock.t += 3_600_000; // an hour asleep
    vi.advanceTimersByTime(50);
    expect(sim.now() - FRI_OPEN).toBeGreaterThan(0);
    expect(sim.now() - FRI_OPEN).toBeLessThanOrEqual(10 * 1000);
    sim.stop();
  });
});

describe('NSE calendar', () => {
  it('skips exchange holidays and starts on the next trading day', () => {
    // 2026-01-26 (Monday) is Republic Day, an NSE holiday
    const republicDay = Date.parse('2026-01-26T10:00:00+05:30');
    expect(inSimulatedSession(republicDay)).toBe(false);
    expect(nextSimulatedOpen(republicDay)).toBe(Date.parse('2026-01-27T09:15:00+05:30'));
    const sim = new MarketSimulator({ seeds: NIFTY50_SEEDS.slice(0, 3), seed: 5, startTime: Date.parse('2026-01-23T15:00:00+05:30') });
    const days = new Set<string>();
    sim.onTick((t) => days.add(new Date(t.tsEvent + 5.5 * 3600_000).toISOString().slice(0, 10)));
    sim.advance(45 * 60_000); // Fri 15:00 → close at 15:30, then the next session
    expect([...days].sort()).toEqual(['2026-01-23', '2026-01-27']); // not Sat, Sun or the Monday holiday
  });
});
