import { describe, expect, it } from 'vitest';
import { TickRate } from './tick-rate.js';

describe('TickRate', () => {
  it('counts ticks of the last second only', () => {
    let now = 1_000_000;
    const r = new TickRate(() => now);
    for (let i = 0; i < 50; i++) r.record();
    expect(r.perSecond()).toBe(50);
    now += 500;
    for (let i = 0; i < 30; i++) r.record();
    expect(r.perSecond()).toBe(80);
    now += 600; // the first 50 are now older than a second
    expect(r.perSecond()).toBe(30);
    now += 5000;
    expect(r.perSecond()).toBe(0);
  });
});
