import type { LogFn } from '../runtime/logger.js';

export interface RefusalLogOptions {
  /** Lines written one by one per window; past that, refusals are only counted. */
  burst?: number;
  windowMs?: number;
  now?: () => number;
  /** Schedules the summary at the end of a window with suppressed refusals (default an unref'd timer). */
  schedule?: (fn: () => void, ms: number) => { cancel(): void };
}

const timer = (fn: () => void, ms: number) => {
  const t = setTimeout(fn, ms);
  t.unref?.();
  return { cancel: () => clearTimeout(t) };
};

/**
 * Refused requests come from outside (a scanner, a stale tab, a page probing 127.0.0.1), so one
 * line each would let anyone fill the disk. The first few per window are written; the rest are
 * counted and summarised in one line when the window ends.
 */
export class RefusalLog {
  private readonly burst: number;
  private readonly windowMs: number;
  private readonly now: () => number;
  private readonly schedule: NonNullable<RefusalLogOptions['schedule']>;
  private windowStart = Number.NEGATIVE_INFINITY;
  private written = 0;
  private suppressed = 0;
  private pending: { cancel(): void } | undefined;

  constructor(
    private readonly log: LogFn,
    opts: RefusalLogOptions = {},
  ) {
    this.burst = opts.burst ?? 5;
    this.windowMs = opts.windowMs ?? 60_000;
    this.now = opts.now ?? (() => Date.now());
    this.schedule = opts.schedule ?? timer;
  }

  note(message: string, data?: Record<string, unknown>): void {
    const t = this.now();
    if (t - this.windowStart >= this.windowMs) {
      this.flush();
      this.windowStart = t;
    }
    if (this.written < this.burst) {
      this.written++;
      this.log('warn', message, data);
      return;
    }
    this.suppressed++;
    this.pending ??= this.schedule(() => {
      this.pending = undefined;
      this.flush();
    }, Math.max(0, this.windowStart + this.windowMs - t));
  }

  /** Write the summary of the current window, if anything was held back. */
  flush(): void {
    this.pending?.cancel();
    this.pending = undefined;
    if (this.suppressed > 0) {
      this.log('warn', 'more requests refused (not logged one by one)', { count: this.suppressed, windowSeconds: this.windowMs / 1000 });
    }
    this.suppressed = 0;
    this.written = 0;
    this.windowStart = Number.NEGATIVE_INFINITY;
  }
}
