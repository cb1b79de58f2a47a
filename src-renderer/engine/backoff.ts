export interface BackoffOptions {
  baseMs: number;
  maxMs: number;
  /** Returns [0, 1); injectable for tests. */
  random: () => number;
}

export const DEFAULT_BACKOFF: BackoffOptions = { baseMs: 250, maxMs: 5000, random: Math.random };

/**
 * Delay before reconnect attempt `attempt` (0 = first retry): the ceiling doubles from `baseMs` up to
 * `maxMs`, and the delay is drawn from its upper half ("equal jitter") so many windows restarting
 * together do not reconnect in lock-step, yet no retry comes sooner than half the ceiling.
 */
export function backoffDelay(attempt: number, opts: BackoffOptions = DEFAULT_BACKOFF): number {
  const exp = Math.min(Math.max(0, attempt), 30);
  const ceiling = Math.min(opts.maxMs, opts.baseMs * 2 ** exp);
  return Math.round(ceiling / 2 + opts.random() * (ceiling / 2));
}
