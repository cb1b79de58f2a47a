import { z } from 'zod';
import { epochMs, feedStatusSchema, fnoStatusSchema } from './schemas.js';

/** One warning or error from the engine log (secret-free: the log redacts before writing). */
/**
 * Restarts of the engine by its host. The desktop app's main process supervises the engine utility
 * process and restarts it after a crash (src-main/engine-supervisor.ts); it tells each new engine how
 * many restarts came before it. `serve` runs the engine in its own process: nothing restarts it.
 */
export const engineRestartsSchema = z.object({
  /** 'electron-main' when a supervisor restarts the engine; 'none' under serve / the CLI. */
  supervisor: z.enum(['electron-main', 'none']),
  /** Restarts since the app started (a manual retry after giving up counts too). */
  count: z.number().int().nonnegative(),
  /** The newest restart: when the crashed engine exited, and why (exit code or its fatal message). */
  last: z.object({ at: epochMs, reason: z.string().max(300) }).optional(),
});
export type EngineRestarts = z.infer<typeof engineRestartsSchema>;

export const problemSchema = z.object({ ts: epochMs, level: z.enum(['warn', 'error']), message: z.string().max(500) });

/** The Health tab: is the engine, its feed, the order API budget, the process and the journal well. */
export const healthSchema = z.object({
  /** Wall-clock time of this snapshot. */
  at: epochMs,
  engine: z.object({
    state: z.enum(['starting', 'running', 'degraded', 'stopping']),
    mode: z.enum(['paper', 'shadow', 'live', 'backtest']),
    startedAt: epochMs,
    uptimeMs: z.number().int().nonnegative(),
    pid: z.number().int().positive(),
    /** 'node' under serve / the CLI, 'electron' in the desktop app's utility process. */
    host: z.enum(['node', 'electron']),
    runtime: z.string().max(40),
    restarts: engineRestartsSchema,
  }),
  feed: z.object({
    kind: z.enum(['simulator', 'kite', 'replay']),
    status: feedStatusSchema.optional(),
    ticksPerSec: z.number().nonnegative(),
    totalTicks: z.number().int().nonnegative(),
    feedTime: epochMs,
    /** No tick in the last second while the session is open. */
    stale: z.boolean(),
    phase: z.string().max(20).optional(),
  }),
  /** Orders sent against the rate caps (Kite's by default: 10/s, 400/min, 5,000/day). */
  orders: z.object({
    lastSecond: z.number().int().nonnegative(),
    lastMinute: z.number().int().nonnegative(),
    today: z.number().int().nonnegative(),
    capPerSecond: z.number().int().nonnegative(),
    capPerMinute: z.number().int().nonnegative(),
    capPerDay: z.number().int().nonnegative(),
  }),
  process: z.object({
    rssBytes: z.number().int().nonnegative(),
    heapUsedBytes: z.number().int().nonnegative(),
    heapTotalBytes: z.number().int().nonnegative(),
    /** Event-loop delay since the previous snapshot (ms), from perf_hooks. */
    eventLoopDelayMs: z.object({ p50: z.number().nonnegative(), p99: z.number().nonnegative(), max: z.number().nonnegative() }),
    /**
     * Promise rejections nobody handled since the engine started (each is also logged as an error).
     * Counted by the engine hosts (serve, the desktop utility process); absent where nothing counts them.
     */
    unhandledRejections: z.number().int().nonnegative().optional(),
  }),
  journal: z.object({ dbBytes: z.number().int().nonnegative(), walBytes: z.number().int().nonnegative() }),
  /** The newest warnings and errors, newest first (at most 20). */
  problems: z.array(problemSchema).max(20),
  /** The run profile's F&O plan (absent without `fno:`): its state, contracts per leg, warnings, instances waiting to move. */
  fno: fnoStatusSchema.optional(),
});
export type HealthDto = z.infer<typeof healthSchema>;
