/**
 * When the simulated OMS does its asynchronous work (order status steps after the REST reply).
 * The default runs on real timers; tests pass a {@link ManualScheduler} and step it by hand.
 */
export interface OmsScheduler {
  /** Runs `fn` after `ms` (≥ 0); never synchronously. Returns a cancel function. */
  after(ms: number, fn: () => void): () => void;
}

/** Real timers (setTimeout); every pending timer can be cleared at shutdown. */
export class TimerScheduler implements OmsScheduler {
  private readonly timers = new Set<ReturnType<typeof setTimeout>>();

  after(ms: number, fn: () => void): () => void {
    const t = setTimeout(() => {
      this.timers.delete(t);
      fn();
    }, Math.max(0, ms));
    this.timers.add(t);
    return () => {
      clearTimeout(t);
      this.timers.delete(t);
    };
  }

  /** Clears every pending step (the simulator is closing). */
  clear(): void {
    for (const t of this.timers) clearTimeout(t);
    this.timers.clear();
  }
}

interface Job {
  at: number;
  seq: number;
  fn: () => void;
}

/** A virtual-time scheduler for tests: nothing runs until `advance(ms)` or `flush()`. */
export class ManualScheduler implements OmsScheduler {
  private jobs: Job[] = [];
  private t = 0;
  private seq = 0;

  after(ms: number, fn: () => void): () => void {
    const job: Job = { at: this.t + Math.max(0, ms), seq: ++this.seq, fn };
    this.jobs.push(job);
    return () => {
      this.jobs = this.jobs.filter((j) => j !== job);
    };
  }

  /** Jobs waiting to run. */
  get pending(): number {
    return this.jobs.length;
  }

  /** Runs every job due within the next `ms` of virtual time, in time order (jobs they schedule too). */
  advance(ms: number): void {
    const end = this.t + ms;
    for (;;) {
      const next = this.nextJob();
      if (!next || next.at > end) break;
      this.jobs = this.jobs.filter((j) => j !== next);
      this.t = next.at;
      next.fn();
    }
    this.t = end;
  }

  /** Runs jobs until none is left (at most `limit`, against runaway loops). */
  flush(limit = 10_000): void {
    for (let i = 0; i < limit; i++) {
      const next = this.nextJob();
      if (!next) return;
      this.jobs = this.jobs.filter((j) => j !== next);
      this.t = Math.max(this.t, next.at);
      next.fn();
    }
    throw new Error('ManualScheduler.flush: too many jobs (a loop?)');
  }

  private nextJob(): Job | undefined {
    let best: Job | undefined;
    for (const j of this.jobs) if (!best || j.at < best.at || (j.at === best.at && j.seq < best.seq)) best = j;
    return best;
  }
}
