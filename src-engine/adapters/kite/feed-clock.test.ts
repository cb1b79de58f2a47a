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
    // the feed lags: the clock holds until it catches up
    c.observe(4_000_000);
    expect(c.now()).toBe(5_000_400);
    wall.t += 2_000_000;
    expect(c.now()).toBe(6_000_000); // the lagging feed's time, interpolated from its last timestamp
  });
});
