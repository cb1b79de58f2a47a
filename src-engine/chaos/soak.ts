/**
 * The soak run (issue 15; `kitedesk chaos --soak 30m`): an accelerated paper session held for a long
 * time, to show the engine does not leak, bloat its journal or stall its event loop.
 *
 * The engine runs as a separate `kitedesk serve` process (as in the chaos harness) on a temp data dir:
 * paper mode on the built-in simulator at `speed` simulated ms per real ms (60: a trading day in about
 * 6¼ real minutes, day rolls and square-offs included) with 500 instruments, strategy instances over
 * all of them trading through the risk engine and the paper broker. A client reaches it through the
 * contract's WebSocket and subscribes as the app's windows do: quotes of all 500 instruments, a
 * candle chart, depth, orders, portfolio, signals, risk decisions and the engine status.
 *
 * Every `sampleMs` the soak reads `engine.health` (its process figures come from inside the engine:
 * RSS, the event-loop delay percentiles since the previous read from perf_hooks, unhandled promise
 * rejections, the journal's and its WAL's bytes) and watches the engine's process for an exit.
 * Figures: the RSS slope (least squares, MB per minute, over the samples after the warm-up), the
 * journal's growth against the rows written to it (both from the warm-up's end to the end), the
 * event-loop delay p99 (the worst interval and the median interval), unhandled rejections and engine
 * exits (both must be 0). Verdicts on time-free facts only; the figures are for people (docs/reliability.md).
 */
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { HealthDto } from '../contract/health-schemas.js';
import { nseCalendar } from '../core/nse-calendar.js';
import { IST_OFFSET_MS } from '../core/ist.js';
import { simulatorSeeds } from '../adapters/sim/generated-seeds.js';
import { openDatabaseReadOnly } from '../persistence/read-only.js';
import { EngineProcess } from './engine-process.js';

export interface SoakOptions {
  /** How long to hold the session after the engine is up, ms. */
  durationMs: number;
  /** How to run the CLI for `serve` (node arguments before the command). */
  cli: readonly string[];
  /** Instruments streamed and subscribed (default 500; the contract's quote subscription holds at most 500). */
  instruments?: number;
  /** Simulated ms per real ms (default 60). */
  speed?: number;
  /** Aggregate ticks per simulated second over all instruments (default 20: 1,200 a real second at speed 60). */
  ticksPerSecond?: number;
  /** Between two `engine.health` reads, ms (default: duration / 60, within 1–30 s). */
  sampleMs?: number;
  /** Samples before this are not in the slopes (default: a fifth of the duration, at most 5 min). */
  warmupMs?: number;
  seed?: number;
  progress?: (line: string) => void;
  keep?: boolean;
}

export interface SoakSample {
  /** ms since the engine answered its first health read. */
  t: number;
  rssBytes: number;
  heapUsedBytes: number;
  journalBytes: number;
  p99Ms: number;
  maxMs: number;
  totalTicks: number;
  ordersToday: number;
  unhandledRejections: number | undefined;
}

export interface SoakReport {
  durationMs: number;
  instruments: number;
  speed: number;
  samples: SoakSample[];
  warmupMs: number;
  /** RSS: first and last after the warm-up, peak, slope (least squares after the warm-up), MB / MB per minute. */
  rssStartMb: number;
  rssEndMb: number;
  rssPeakMb: number;
  rssSlopeMbPerMin: number;
  heapSlopeMbPerMin: number;
  /** Journal (database + WAL) bytes and rows in every table, at the warm-up's end and at the end. */
  journalStartBytes: number;
  journalEndBytes: number;
  rowsStart: number;
  rowsEnd: number;
  /** Rows per table at the end (the largest first). */
  rowsByTable: { table: string; rows: number }[];
  /** Journal bytes grown per row written after the warm-up (NaN when no row was written). */
  bytesPerRow: number;
  /** Event-loop delay p99 per interval: the worst and the median, and the worst max, ms. */
  loopP99WorstMs: number;
  loopP99MedianMs: number;
  loopMaxMs: number;
  /** Ticks the engine took in, and the quote deltas the client received. */
  engineTicks: number;
  clientQuotes: number;
  /** Orders (paper) and signals of the run, from the journal. */
  orders: number;
  fills: number;
  signals: number;
  /** Simulated trading days the run went through. */
  tradingDays: number;
  unhandledRejections: number;
  engineExits: number;
  /** Problems the engine reported at error level during the run (its Health tab list), newest first. */
  errors: string[];
  failures: string[];
  ok: boolean;
  dataDir: string;
}

const MB = 1024 * 1024;

/** Least-squares slope of y over x (NaN with fewer than two distinct x). */
export function slope(xs: readonly number[], ys: readonly number[]): number {
  const n = Math.min(xs.length, ys.length);
  if (n < 2) return NaN;
  let sx = 0;
  let sy = 0;
  for (let i = 0; i < n; i++) {
    sx += xs[i]!;
    sy += ys[i]!;
  }
  const mx = sx / n;
  const my = sy / n;
  let num = 0;
  let den = 0;
  for (let i = 0; i < n; i++) {
    num += (xs[i]! - mx) * (ys[i]! - my);
    den += (xs[i]! - mx) ** 2;
  }
  return den === 0 ? NaN : num / den;
}

export function median(xs: readonly number[]): number {
  if (xs.length === 0) return NaN;
  const s = [...xs].sort((a, b) => a - b);
  const m = s.length >> 1;
  return s.length % 2 === 1 ? s[m]! : (s[m - 1]! + s[m]!) / 2;
}

/** "30m", "2m", "90s", "1h", "1h30m" or a bare number of minutes → ms. */
export function parseSoakDuration(v: string): number {
  const t = v.trim().toLowerCase();
  if (/^\d+(\.\d+)?$/.test(t)) return Math.round(Number(t) * 60_000);
  const m = /^(?:(\d+)h)?(?:(\d+)m)?(?:(\d+)s)?$/.exec(t);
  if (!m || t === '' || (m[1] === undefined && m[2] === undefined && m[3] === undefined)) {
    throw new Error(`expected a duration such as 30m, 90s or 1h (got "${v}")`);
  }
  const ms = (Number(m[1] ?? 0) * 3600 + Number(m[2] ?? 0) * 60 + Number(m[3] ?? 0)) * 1000;
  if (ms <= 0) throw new Error(`expected a duration above zero (got "${v}")`);
  return ms;
}

/** The run profile: paper on the simulator, `n` instruments, strategies over all of them, limits wide enough to trade. */
export function soakProfile(o: { instruments: number; speed: number; ticksPerSecond: number; seed: number; startIso: string }): { yaml: string; symbols: string[] } {
  const symbols = simulatorSeeds(o.instruments).map((s) => s.symbol);
  const part = (i: number, k: number) => symbols.filter((_s, j) => j % k === i);
  const list = (xs: readonly string[]) => `[${xs.join(', ')}]`;
  const yaml = `# kitedesk chaos --soak: an accelerated paper session on the built-in simulator
mode: paper
feed: { kind: simulator, speed: ${o.speed}, seed: ${o.seed}, ticksPerSecond: ${o.ticksPerSecond}, instruments: ${o.instruments}, backfillMinutes: 0, startTime: "${o.startIso}" }
watchlist: ${list(symbols.slice(0, 100))}
strategies:
  - { id: soak-ema-1m, type: ema_crossover, params: { fast: 5, slow: 13 }, symbols: ${list(part(0, 3))}, timeframe: 1m }
  - { id: soak-rsi-1m, type: rsi_reversion, params: { period: 7, oversold: 30, overbought: 70 }, symbols: ${list(part(1, 3))}, timeframe: 1m }
  - { id: soak-momentum-1m, type: momentum, params: { period: 5, threshold: 0.2 }, symbols: ${list(part(2, 3))}, timeframe: 1m }
  - { id: soak-bollinger-5m, type: bollinger_reversion, params: { period: 10 }, symbols: ${list(symbols.slice(0, 100))}, timeframe: 5m }
trading:
  capital: 100000000
  sizing: { default: { mode: fixed_value, valuePaise: 2000000 } }
  risk: { maxOpenPositions: 200, maxTradesPerSymbolPerDay: 50, maxDailyLossBps: 10000, maxDrawdownBps: 10000 }
`;
  return { yaml, symbols };
}

/** The next regular session's open + 1 minute (the simulator skips nights and holidays by itself), ISO with +05:30. */
function startIso(now: number): string {
  const open = nseCalendar.nextOpen(now) + 60_000;
  return `${new Date(open + IST_OFFSET_MS).toISOString().slice(0, 19)}+05:30`;
}

function journalRows(dataDir: string): { total: number; byTable: { table: string; rows: number }[]; orders: number; fills: number; signals: number } {
  const db = openDatabaseReadOnly(join(dataDir, 'kitedesk.sqlite'));
  try {
    const tables = (db.prepare("SELECT name FROM sqlite_master WHERE type = 'table' AND name NOT LIKE 'sqlite_%'").all() as { name: string }[]).map((r) => r.name);
    const byTable = tables
      .map((t) => ({ table: t, rows: (db.prepare(`SELECT count(*) AS n FROM "${t.replace(/"/g, '""')}"`).get() as { n: number }).n }))
      .sort((a, b) => b.rows - a.rows || a.table.localeCompare(b.table));
    const of = (t: string) => byTable.find((r) => r.table === t)?.rows ?? 0;
    return { total: byTable.reduce((a, r) => a + r.rows, 0), byTable, orders: of('orders'), fills: of('fills'), signals: of('signals') };
  } finally {
    db.close();
  }
}

const sleep = (ms: number) => new Promise<void>((r) => setTimeout(r, ms));
const round = (x: number, d = 2) => (Number.isFinite(x) ? Math.round(x * 10 ** d) / 10 ** d : NaN);

export async function runSoak(o: SoakOptions): Promise<SoakReport> {
  const progress = o.progress ?? (() => undefined);
  const instruments = o.instruments ?? 500;
  const speed = o.speed ?? 60;
  const sampleMs = o.sampleMs ?? Math.min(30_000, Math.max(1000, Math.round(o.durationMs / 60)));
  const warmupMs = o.warmupMs ?? Math.min(5 * 60_000, Math.round(o.durationMs / 5));
  const work = mkdtempSync(join(tmpdir(), 'kitedesk-soak-'));
  const dataDir = join(work, 'data');
  const profileFile = join(work, 'soak-profile.yaml');
  const { yaml, symbols } = soakProfile({ instruments, speed, ticksPerSecond: o.ticksPerSecond ?? 20, seed: o.seed ?? 20261207, startIso: startIso(Date.now()) });
  writeFileSync(profileFile, yaml);
  const failures: string[] = [];
  const samples: SoakSample[] = [];
  const errors = new Map<string, number>();
  let engineExits = 0;
  let clientQuotes = 0;
  let rowsStart: number | undefined;
  let journalStart: number | undefined;
  let end: ReturnType<typeof journalRows> | undefined;
  const days = new Set<string>();

  progress(`soak: ${instruments} instruments at ${speed}× for ${Math.round(o.durationMs / 1000)} s, a health read every ${sampleMs} ms, warm-up ${Math.round(warmupMs / 1000)} s; data in ${dataDir}`);
  // KITEDESK_SOAK_NODE_ARGS: node flags for the engine's process only (e.g. "--cpu-prof --cpu-prof-dir=/tmp/p";
  // NODE_OPTIONS refuses --cpu-prof); serve exits cleanly on the soak's SIGTERM, so the profile gets written
  const nodeArgs = (process.env['KITEDESK_SOAK_NODE_ARGS'] ?? '').split(/\s+/).filter((a) => a !== '');
  const eng = await EngineProcess.start({ cli: [...nodeArgs, ...o.cli], dataDir, configFile: profileFile, env: {} });
  eng.proc.once('exit', (code, sig) => {
    engineExits++;
    failures.push(`the engine exited (${code ?? sig}) during the soak; stderr: ${eng.stderr.slice(-500)}`);
  });
  const noop = () => undefined;
  try {
    // as the app's windows do: the watchlist's quotes (here all instruments), a chart, depth, the blotter, portfolio, signals, risk, status
    const subs = [
      eng.client.subscribe('quotes.updated', { symbols }, { snapshot: (s) => void (clientQuotes += s.length), delta: () => void clientQuotes++ }),
      eng.client.subscribe('candles.updated', { symbol: symbols[0]!, tf: '1m', limit: 500 }, { snapshot: noop, delta: noop }),
      eng.client.subscribe('depth.updated', { symbol: symbols[0]! }, { snapshot: noop, delta: noop }),
      eng.client.subscribe('orders.updated', {}, { snapshot: noop, delta: noop }),
      eng.client.subscribe('portfolio.updated', {}, { snapshot: noop, delta: noop }),
      eng.client.subscribe('signals.emitted', { limit: 100 }, { snapshot: noop, delta: noop }),
      eng.client.subscribe('risk.decided', { limit: 100 }, { snapshot: noop, delta: noop }),
      eng.client.subscribe('engine.statusChanged', {}, {
        snapshot: (s) => void (s.tradingDay && days.add(s.tradingDay.date)),
        delta: (s) => void (s.tradingDay && days.add(s.tradingDay.date)),
      }),
    ];
    // the first read starts the engine's event-loop monitor (and reports zeros): not a sample
    await eng.client.call('engine.health', {});
    const t0 = Date.now();
    let next = t0;
    for (;;) {
      next += sampleMs;
      const wait = next - Date.now();
      if (wait > 0) await sleep(wait);
      if (!eng.alive) break;
      let h: HealthDto;
      try {
        h = await eng.client.call('engine.health', {});
      } catch (e) {
        failures.push(`engine.health failed: ${(e as Error).message}`);
        break;
      }
      const t = Date.now() - t0;
      samples.push({
        t,
        rssBytes: h.process.rssBytes,
        heapUsedBytes: h.process.heapUsedBytes,
        journalBytes: h.journal.dbBytes + h.journal.walBytes,
        p99Ms: h.process.eventLoopDelayMs.p99,
        maxMs: h.process.eventLoopDelayMs.max,
        totalTicks: h.feed.totalTicks,
        ordersToday: h.orders.today,
        unhandledRejections: h.process.unhandledRejections,
      });
      if (h.engine.restarts.count > 0) failures.push(`the engine says it was restarted ${h.engine.restarts.count} time(s)`);
      for (const p of h.problems) if (p.level === 'error') errors.set(p.message, p.ts);
      if (rowsStart === undefined && t >= warmupMs) {
        rowsStart = journalRows(dataDir).total;
        journalStart = samples.at(-1)!.journalBytes;
      }
      if (samples.length % 10 === 0 || t >= o.durationMs) {
        const last = samples.at(-1)!;
        progress(`soak: ${Math.round(t / 1000)} s: rss ${round(last.rssBytes / MB, 1)} MB, journal ${round(last.journalBytes / MB, 1)} MB, loop p99 ${last.p99Ms} ms, ticks ${last.totalTicks}, orders today ${last.ordersToday}`);
      }
      if (t >= o.durationMs) break;
    }
    for (const s of subs) s.close();
    if (eng.alive) end = journalRows(dataDir);
  } finally {
    const exitedEarly = !eng.alive;
    eng.proc.removeAllListeners('exit');
    await eng.stop();
    if (exitedEarly && engineExits === 0) engineExits = 1;
  }

  const after = samples.filter((s) => s.t >= warmupMs);
  const xs = after.map((s) => s.t / 60_000);
  const rejections = Math.max(0, ...samples.map((s) => s.unhandledRejections ?? 0));
  if (samples.length > 0 && samples.every((s) => s.unhandledRejections === undefined)) failures.push('the engine does not count unhandled rejections (engine.health has no process.unhandledRejections)');
  if (rejections > 0) failures.push(`${rejections} unhandled promise rejection(s) in the engine`);
  if (after.length < 2) failures.push(`only ${after.length} sample(s) after the warm-up; run longer`);
  const journalEnd = samples.at(-1)?.journalBytes ?? 0;
  const rowsEnd = end?.total ?? rowsStart ?? 0;
  const report: SoakReport = {
    durationMs: samples.at(-1)?.t ?? 0,
    instruments,
    speed,
    samples,
    warmupMs,
    rssStartMb: round((after[0]?.rssBytes ?? NaN) / MB, 1),
    rssEndMb: round((after.at(-1)?.rssBytes ?? NaN) / MB, 1),
    rssPeakMb: round(Math.max(...samples.map((s) => s.rssBytes)) / MB, 1),
    rssSlopeMbPerMin: round(slope(xs, after.map((s) => s.rssBytes / MB)), 3),
    heapSlopeMbPerMin: round(slope(xs, after.map((s) => s.heapUsedBytes / MB)), 3),
    journalStartBytes: journalStart ?? 0,
    journalEndBytes: journalEnd,
    rowsStart: rowsStart ?? 0,
    rowsEnd,
    rowsByTable: end?.byTable.filter((r) => r.rows > 0) ?? [],
    bytesPerRow: rowsEnd > (rowsStart ?? 0) ? round((journalEnd - (journalStart ?? 0)) / (rowsEnd - (rowsStart ?? 0)), 1) : NaN,
    loopP99WorstMs: Math.max(0, ...after.map((s) => s.p99Ms)),
    loopP99MedianMs: round(median(after.map((s) => s.p99Ms))),
    loopMaxMs: Math.max(0, ...after.map((s) => s.maxMs)),
    engineTicks: samples.at(-1)?.totalTicks ?? 0,
    clientQuotes,
    orders: end?.orders ?? 0,
    fills: end?.fills ?? 0,
    signals: end?.signals ?? 0,
    tradingDays: days.size,
    unhandledRejections: rejections,
    engineExits,
    errors: [...errors.entries()].sort((a, b) => b[1] - a[1]).map(([m]) => m).slice(0, 20),
    failures,
    ok: failures.length === 0 && engineExits === 0 && rejections === 0,
    dataDir,
  };
  if (report.ok && o.keep !== true) rmSync(work, { recursive: true, force: true });
  else writeFileSync(join(work, 'soak-report.json'), `${JSON.stringify(report, null, 1)}\n`); // every sample, for a closer look
  return report;
}

const mb = (b: number) => `${round(b / MB, 1)} MB`;

export function formatSoakReport(r: SoakReport): string {
  const grown = r.journalEndBytes - r.journalStartBytes;
  const rows: [string, string][] = [
    ['duration', `${round(r.durationMs / 60_000, 1)} min (warm-up ${round(r.warmupMs / 60_000, 1)} min), ${r.samples.length} samples`],
    ['session', `paper, ${r.instruments} instruments at ${r.speed}×, ${r.tradingDays} simulated trading day(s)`],
    ['ticks', `${r.engineTicks} into the engine, ${r.clientQuotes} quotes to the client`],
    ['trading', `${r.orders} orders, ${r.fills} fills, ${r.signals} signals`],
    ['RSS', `${r.rssStartMb} → ${r.rssEndMb} MB after warm-up (peak ${r.rssPeakMb} MB)`],
    ['RSS slope', `${r.rssSlopeMbPerMin} MB/min (heap ${r.heapSlopeMbPerMin} MB/min)`],
    ['journal', `${mb(r.journalStartBytes)} → ${mb(r.journalEndBytes)} (db + WAL), ${r.rowsStart} → ${r.rowsEnd} rows`],
    ['journal growth', Number.isFinite(r.bytesPerRow) ? `${mb(grown)} for ${r.rowsEnd - r.rowsStart} rows written: ${r.bytesPerRow} bytes/row` : 'no rows written after the warm-up'],
    ['largest tables', r.rowsByTable.slice(0, 5).map((t) => `${t.table} ${t.rows}`).join(', ') || '–'],
    ['event-loop p99', `worst ${r.loopP99WorstMs} ms, median ${r.loopP99MedianMs} ms (max ${r.loopMaxMs} ms)`],
    ['unhandled rejections', String(r.unhandledRejections)],
    ['engine exits', String(r.engineExits)],
  ];
  const w = Math.max(...rows.map(([k]) => k.length));
  const out = rows.map(([k, v]) => `${k.padEnd(w)}  ${v}`);
  for (const e of r.errors.slice(0, 5)) out.push(`engine error: ${e}`);
  for (const f of r.failures) out.push(`FAILED: ${f}`);
  out.push(
    `soak: ${round(r.durationMs / 60_000, 1)} min, ${r.instruments} instruments, RSS slope ${r.rssSlopeMbPerMin} MB/min, ` +
      `journal +${mb(grown)} for ${r.rowsEnd - r.rowsStart} rows, loop p99 ≤ ${r.loopP99WorstMs} ms, ` +
      `${r.unhandledRejections} unhandled rejections, ${r.engineExits} engine exits${r.ok ? '' : ' — FAILED'}`,
  );
  return out.join('\n');
}
