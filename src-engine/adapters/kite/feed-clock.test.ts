import { describe, expect, it } from 'vitest';
import { FeedClock } from './feed-clock.js';

describe('FeedClock', () => {
  it('is the wall clock until the exchange speaks, then exchange time interpolated by the wall clock, never backwards', () => {
    const wall = { t: 1_000_000 };
    const c = new FeedClock({ now: () => wall.t });
    expect(c.now()).toBe(1_000_000);
    expect(c.synced).toBe(false);
    c.observe(5_000_000);
    expect(c.synced).toBe(true);
    expect(c.now()).toBe(5_000_000);
    expect(c.skewMs()).toBe(4_000_000);
    wall.t += 400;
    expect(c.now()).toBe(5_000_400);
    // the same exchange second again says nothing new
    c.observe(5_000_000);
    expect(c.now()).toBe(5_000_400);
    // an older timestamp (out of order, or a quiet instrument's earlier second) is ignored: the clock runs on
    c.observe(4_000_000);
    expect(c.now()).toBe(5_000_400);
    wall.t += 2_000_000;
    expect(c.now()).toBe(7_000_400);
    // a new second that comes later than the wall clock predicted: held (never backwards) until it catches up
    c.observe(6_000_000);
    expect(c.skewMs()).toBe(6_000_000 - 3_000_400);
    expect(c.now()).toBe(7_000_400);
    wall.t += 1_000_000;
    expect(c.now()).toBe(7_000_400); // 6_000_000 + 1_000_000 of wall time: not yet past the held value
    wall.t += 500;
    expect(c.now()).toBe(7_000_500); // caught up: runs with the wall clock again
  });

  it('the first exchange time replaces the wall clock even when it is earlier (a simulator session in the past of the wall clock)', () => {
    const wall = { t: 9_000_000 };
    const c = new FeedClock({ now: () => wall.t });
    expect(c.now()).toBe(9_000_000);
    c.observe(5_000_000);
    expect(c.now()).toBe(5_000_000);
    wall.t += 1_000;
    expect(c.now()).toBe(5_001_000);
    // from then on, never backwards
    c.observe(5_000_500);
    expect(c.now()).toBe(5_001_000);
  });

  it('keeps advancing with the wall clock when packets of several instruments carry different seconds (never stalls)', () => {
    // one full-mode batch after another: a liquid instrument stamped with the current second, a quiet one still
    // with an older second; between the liquid one's seconds the clock must follow the wall clock
    const wall = { t: 1_000 };
    const c = new FeedClock({ now: () => wall.t });
    const seen: number[] = [];
    let exchangeSecond = 50_000;
    for (let step = 0; step < 20; step++) {
      // every 200 ms a batch; the exchange second moves every 1000 ms of wall time
      if (step % 5 === 0 && step > 0) exchangeSecond += 1000;
      c.observe(exchangeSecond);
      c.observe(exchangeSecond - 3000); // the quiet instrument
      seen.push(c.now());
      wall.t += 200;
    }
    // strictly increasing, by the wall clock's 200 ms a step (a second's re-anchor lands at the same time here)
    for (let i = 1; i < seen.length; i++) expect(seen[i]! - seen[i - 1]!, `step ${i}: ${seen.join(', ')}`).toBe(200);
  });
});
