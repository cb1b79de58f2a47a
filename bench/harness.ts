/**
 * A tiny benchmark harness: each case runs next to a baseline in the same process, so the printed
 * ratio means something on any machine. Figures are printed, never asserted.
 *
 * The headline figures (REQUIRED_FIGURES) are recorded into a registry as the benches run; at the end
 * `bench/index.ts` prints them as one table and writes `bench/results.json` with the machine they ran on.
 */
import { cpus, loadavg, totalmem } from 'node:os';

export interface Case {
  name: string;
  /** What one op is (e.g. "frame", "tick"). */
  unit: string;
  /** Runs `n` ops; returns when done (may be async). */
  run(n: number): void | Promise<void>;
}

/** `--quick`: shorter runs (fewer rounds, smaller windows) for a smoke run; the figures are noisier. */
export const QUICK = process.argv.includes('--quick');

async function opsPerSec(c: Case, n: number, rounds: number): Promise<number> {
  await c.run(Math.min(n, 1000)); // warm-up
  const rates: number[] = [];
  for (let r = 0; r < rounds; r++) {
    const t0 = process.hrtime.bigint();
    await c.run(n);
    const s = Number(process.hrtime.bigint() - t0) / 1e9;
    rates.push(n / s);
  }
  rates.sort((a, b) => a - b);
  return rates[Math.floor(rates.length / 2)]!; // median
}

export const fmt = (x: number) => (x >= 1e6 ? `${(x / 1e6).toFixed(2)} M` : x >= 1e3 ? `${(x / 1e3).toFixed(1)} k` : x.toFixed(x < 100 ? 1 : 0));

/** Runs baseline then subject (median of `rounds`), prints both, and returns both rates in ops/s. */
export async function compare(title: string, subject: Case, baseline: Case, n: number, rounds = QUICK ? 3 : 5): Promise<{ subject: number; baseline: number }> {
  const b = await opsPerSec(baseline, n, rounds);
  const s = await opsPerSec(subject, n, rounds);
  console.log(`\n${title}`);
  console.log(`  baseline  ${baseline.name.padEnd(48)} ${fmt(b).padStart(9)} ${baseline.unit}/s`);
  console.log(`  subject   ${subject.name.padEnd(48)} ${fmt(s).padStart(9)} ${subject.unit}/s   (${((s / b) * 100).toFixed(1)} % of baseline)`);
  return { subject: s, baseline: b };
}

// ---------------------------------------------------------------------------------------------------
// The figures registry, the table and bench/results.json

/** The figures `npm run bench` must produce (issue 15); a full run without one of them fails. */
export const REQUIRED_FIGURES = [
  'decode ticks/s',
  'tick → intent ticks/s',
  'tick → intent p99',
  'orders/s through the kernel',
  'backtest bar-events/s, 1 symbol',
  'backtest bar-events/s, 50 symbols',
  'engine RSS, 9,000 instruments subscribed',
  'UI fps while streaming',
] as const;
export type FigureName = (typeof REQUIRED_FIGURES)[number];

export interface Measure {
  /** What was measured. */
  name: string;
  value: number;
  unit: string;
}
export interface Figure extends Measure {
  name: FigureName;
  /** Whether a larger value is better (rates, fps) or a smaller one (latency, memory). */
  better: 'higher' | 'lower';
  /** What was run: the subject's description. */
  subject: string;
  /** The in-process baseline measured in the same run. */
  baseline: Measure;
}

const registry = new Map<FigureName, Figure>();

/** Record one headline figure (a later record of the same name replaces the earlier one). */
export function record(f: Figure): void {
  if (!(REQUIRED_FIGURES as readonly string[]).includes(f.name)) throw new Error(`bench: unknown figure name "${f.name}"`);
  if (!Number.isFinite(f.value) || !Number.isFinite(f.baseline.value)) throw new Error(`bench: figure "${f.name}" is not a finite number (${f.value} vs ${f.baseline.value})`);
  registry.set(f.name, f);
}

export function recordedFigures(): Figure[] {
  return REQUIRED_FIGURES.flatMap((n) => registry.get(n) ?? []);
}

export interface Machine {
  cpu: string;
  cores: number;
  memoryGiB: number;
  /** os.loadavg() (1, 5 and 15 min) at the start and at the end of the run. */
  loadAverageStart: number[];
  loadAverageEnd: number[];
  node: string;
  platform: string;
  date: string;
}

export function machineInfo(loadAverageStart: number[], now = new Date()): Machine {
  const c = cpus();
  return {
    cpu: c[0]?.model.trim() ?? 'unknown',
    cores: c.length,
    memoryGiB: Math.round((totalmem() / 2 ** 30) * 10) / 10,
    loadAverageStart: loadAverageStart.map((x) => Math.round(x * 100) / 100),
    loadAverageEnd: loadavg().map((x) => Math.round(x * 100) / 100),
    node: process.version,
    platform: `${process.platform} ${process.arch}`,
    date: now.toISOString(),
  };
}

export interface Results {
  machine: Machine;
  figures: Figure[];
  /** Required figures this run did not produce (a `--only` run, or a skipped bench). */
  missing: FigureName[];
  /** True when only some benches were asked for (`--only`). */
  partial: boolean;
}

export function buildResults(figures: readonly Figure[], machine: Machine, partial = false): Results {
  const have = new Set(figures.map((f) => f.name));
  return { machine, figures: REQUIRED_FIGURES.flatMap((n) => figures.filter((f) => f.name === n)), missing: REQUIRED_FIGURES.filter((n) => !have.has(n)), partial };
}

/** Throws, naming every missing figure, unless the results hold all of REQUIRED_FIGURES. */
export function assertComplete(r: Results): void {
  if (r.missing.length > 0) throw new Error(`bench: no figure for ${r.missing.map((m) => `"${m}"`).join(', ')} in this run`);
}

const show = (m: { value: number; unit: string }) => `${fmt(m.value)} ${m.unit}`;

/** The one table: a Markdown table (printed at the end of the run, and the README's copy). */
export function renderTable(r: Results): string {
  const rows = r.figures.map((f) => {
    const ratio = f.value / f.baseline.value;
    const rel = ratio >= 10 ? `${Math.round(ratio).toLocaleString('en-US')}×` : ratio >= 0.1 ? `${(ratio * 100).toFixed(0)} %` : `${(ratio * 100).toPrecision(2)} %`;
    return `| ${f.name} | ${show(f)} (${f.subject}) | ${show(f.baseline)} (${f.baseline.name}) | ${rel} |`;
  });
  const m = r.machine;
  const missing = r.missing.length > 0 ? `\n\nNot measured in this run: ${r.missing.join(', ')}.` : '';
  return [
    '| figure | value | baseline (same run) | value / baseline |',
    '|---|---|---|---|',
    ...rows,
    '',
    `Machine: ${m.cpu}, ${m.cores} cores, ${m.memoryGiB} GiB, ${m.platform}, Node ${m.node}; ${m.date}; ` +
      `load average ${m.loadAverageStart.join(' / ')} at the start, ${m.loadAverageEnd.join(' / ')} at the end (1 / 5 / 15 min).${missing}`,
  ].join('\n');
}
