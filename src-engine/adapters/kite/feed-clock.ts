/**
 * The trading clock of a live feed: it follows the EXCHANGE timestamps in the ticks (Kite's full-mode
 * packets carry `exchange_timestamp` in whole seconds), interpolated between them with the wall clock, so
 * that the engine's time is the market's, also when the market is a simulator running its session in
 * simulated time at any hour of the day.
 *
 * - observe(exchangeMs): the feed said it is this time now; on a NEWER exchange second than any seen the
 *   offset to the wall clock is re-anchored. An older or equal one (a packet of the same second, one that
 *   arrived out of order, a quiet instrument's packet still stamped with an earlier second) says nothing new
 *   and is ignored: re-anchoring on it would hold the clock still while the wall clock runs, freezing the
 *   order-rate windows, staleness checks and timeouts that read it.
 * - now() = wall + offset, never going backwards (a new second that arrives later than the wall clock
 *   predicted holds the clock until it catches up, i.e. by less than the feed's lag).
 * - Before the first timestamp it is the wall clock (offset 0), a placeholder: the first exchange time
 *   replaces it even when it is earlier, the one step back this clock takes.
 * - skewMs() = the offset: how far exchange time is from the wall clock; beyond a tolerance the owner
 *   raises an alarm (a wrong system clock, a stalled feed, or a simulator in simulated time).
 */
import { systemClock, type Clock } from '../../core/clock.js';

export class FeedClock implements Clock {
  private offset = 0;
  private last = 0;
  private observed = false;
  private lastExchange = 0;

  constructor(private readonly wall: Clock = systemClock) {}

  /** Records an exchange timestamp (epoch ms). Non-finite or non-positive values are ignored. */
  observe(exchangeMs: number): void {
    if (!Number.isFinite(exchangeMs) || exchangeMs <= 0) return;
    // Kite's timestamps are whole seconds: a later packet of the same (or an earlier) second says nothing new.
    if (this.observed && exchangeMs <= this.lastExchange) return;
    this.lastExchange = exchangeMs;
    // the first exchange time replaces the wall clock's placeholder, even when it is earlier (a simulator in
    // simulated time, or a system clock running ahead): "never backwards" holds from here on
    if (!this.observed) this.last = 0;
    this.observed = true;
    this.offset = exchangeMs - this.wall.now();
  }

  /** True once an exchange timestamp has been seen. */
  get synced(): boolean {
    return this.observed;
  }

  now(): number {
    const t = Math.floor(this.wall.now() + this.offset);
    if (t > this.last) this.last = t;
    return this.last;
  }

  /** Feed time minus wall time, ms (0 before the first timestamp). */
  skewMs(): number {
    return Math.round(this.offset);
  }
}
