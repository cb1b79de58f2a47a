/**
 * What the Health tab reads that the kernel does not keep: the process (memory, event-loop delay),
 * the journal's size on disk, and the newest warnings and errors of the engine log. Process-wide by
 * nature (one engine per process); the host registers the journal file and feeds log lines in.
 */
import { statSync } from 'node:fs';
import { monitorEventLoopDelay, type IntervalHistogram } from 'node:perf_hooks';
import type { EngineRestarts, HealthDto } from '../contract/health-schemas.js';
import type { EngineStatus } from '../contract/schemas.js';
import type { LogFn } from './logger.js';

export interface Problem {
  ts: number;
  level: 'warn' | 'error';
  message: string;
}

const MAX_PROBLEMS = 20;

export class ProcessHealth {
  private readonly problems: Problem[] = [];
  private histogram: IntervalHistogram | null = null;
  private journal: string | null = null;
  private restartInfo: EngineRestarts = { supervisor: 'none', count: 0 };

  private rejections: number | undefined;

  /**
   * Counts unhandled promise rejections from now on (the engine hosts call this once: serve, the
   * desktop utility process; never in-process tests, whose runner must still see them). Each is
   * logged as an error and kept as a problem; the engine keeps running (Node's default would exit
   * the process, dropping every position's supervision over one stray promise). The Health tab and
   * `kitedesk chaos --soak` read the count.
   */
  watchUnhandledRejections(log: LogFn, target: NodeJS.EventEmitter = process): void {
    if (this.rejections !== undefined) return;
    this.rejections = 0;
    target.on('unhandledRejection', (reason: unknown) => {
      this.rejections = (this.rejections ?? 0) + 1;
      const message = reason instanceof Error ? `${reason.name}: ${reason.message}` : String(reason);
      const stack = reason instanceof Error ? reason.stack?.split('\n').slice(1, 4).map((l) => l.trim()).join(' | ') : undefined;
      this.noteLog('error', `unhandled promise rejection: ${message}`);
      try {
        log('error', 'unhandled promise rejection', { message: message.slice(0, 300), ...(stack ? { at: stack.slice(0, 300) } : {}), count: this.rejections });
      } catch {
        // the log must not turn this into an exception loop
      }
    });
  }

  /** Unhandled rejections counted so far (undefined when not watched). */
  unhandledRejections(): number | undefined {
    return this.rejections;
  }

  /** Keeps a warning or error (newest first, bounded); anything else is ignored. */
  noteLog(level: string, message: string, ts = Date.now()): void {
    if (level !== 'warn' && level !== 'error') return;
    this.problems.unshift({ ts, level, message: message.slice(0, 500) });
    if (this.problems.length > MAX_PROBLEMS) this.problems.length = MAX_PROBLEMS;
  }

  /** What the supervising host (Electron main) says about restarts before this engine. */
  setRestarts(count: number, last?: { at: number; reason: string }): void {
    this.restartInfo = { supervisor: 'electron-main', count, ...(last ? { last: { at: last.at, reason: last.reason.slice(0, 300) } } : {}) };
  }

  restarts(): EngineRestarts {
    return { ...this.restartInfo, ...(this.restartInfo.last ? { last: { ...this.restartInfo.last } } : {}) };
  }

  setJournalFile(file: string): void {
    this.journal = file;
  }

  recentProblems(): Problem[] {
    return this.problems.map((p) => ({ ...p }));
  }

  /** Event-loop delay since the previous call (the first call starts the monitor and reports zeros). */
  eventLoopDelay(): { p50: number; p99: number; max: number } {
    if (!this.histogram) {
      this.histogram = monitorEventLoopDelay({ resolution: 10 });
      this.histogram.enable();
      return { p50: 0, p99: 0, max: 0 };
    }
    const h = this.histogram;
    const ms = (ns: number) => (Number.isFinite(ns) ? Math.round(ns / 1e4) / 100 : 0);
    const out = h.count > 0 ? { p50: ms(h.percentile(50)), p99: ms(h.percentile(99)), max: ms(h.max) } : { p50: 0, p99: 0, max: 0 };
    h.reset();
    return out;
  }

  /** Bytes of the journal and its WAL (0 when unknown or in memory). */
  journalSize(): { dbBytes: number; walBytes: number } {
    const size = (f: string) => {
      try {
        return statSync(f).size;
      } catch {
        return 0;
      }
    };
    return this.journal ? { dbBytes: size(this.journal), walBytes: size(`${this.journal}-wal`) } : { dbBytes: 0, walBytes: 0 };
  }

  memory(): { rssBytes: number; heapUsedBytes: number; heapTotalBytes: number } {
    const m = process.memoryUsage();
    return { rssBytes: m.rss, heapUsedBytes: m.heapUsed, heapTotalBytes: m.heapTotal };
  }

  /** Stops the event-loop monitor (tests). */
  stop(): void {
    this.histogram?.disable();
    this.histogram = null;
  }
}

/** This process's health (the engine host's). */
export const processHealth = new ProcessHealth();


export interface HealthSources {
  status: EngineStatus;
  rate: HealthDto['orders'];
  process: ProcessHealth;
  /** Wall clock. */
  now: number;
}

/** The Health tab's snapshot from the engine status, the order-rate counters and the process. */
export function buildHealth({ status, rate, process: ph, now }: HealthSources): HealthDto {
  const phase = status.tradingDay?.phase;
  return {
    at: now,
    engine: {
      state: status.state,
      mode: status.mode,
      startedAt: status.startedAt,
      uptimeMs: Math.max(0, now - status.startedAt),
      pid: process.pid,
      host: process.versions.electron ? 'electron' : 'node',
      runtime: process.versions.electron ? `Electron ${process.versions.electron}` : `Node ${process.versions.node}`,
      restarts: ph.restarts(),
    },
    feed: {
      kind: status.feed,
      ...(status.feedStatus ? { status: status.feedStatus } : {}),
      ticksPerSec: status.ticksPerSec,
      totalTicks: status.totalTicks,
      feedTime: status.feedTime,
      stale: phase === 'open' && status.ticksPerSec === 0,
      ...(phase ? { phase } : {}),
    },
    orders: rate,
    process: { ...ph.memory(), eventLoopDelayMs: ph.eventLoopDelay(), ...(ph.unhandledRejections() !== undefined ? { unhandledRejections: ph.unhandledRejections()! } : {}) },
    journal: ph.journalSize(),
    problems: ph.recentProblems(),
    ...(status.fno ? { fno: status.fno } : {}),
  };
}
