/**
 * Fuzzing of every input family (issue 15): `kitedesk chaos --fuzz` runs them all (≥ 1M cases by
 * default) and prints a table; `npm test` runs FAST_SLICE of each (fuzz.test.ts).
 */
import type { FuzzResult, FuzzTarget } from './common.js';
import { fuzzContract } from './contract.js';
import { fuzzCsv } from './csv.js';
import { fuzzKiteRest } from './kite-rest.js';
import { fuzzOrderUpdates } from './order-updates.js';
import { fuzzProfiles } from './profiles.js';
import { fuzzTicks } from './ticks.js';

export type { FuzzResult, FuzzTarget } from './common.js';

export type FuzzFamily = 'ticks' | 'contract' | 'profiles' | 'csv' | 'kite-rest' | 'order-updates';

export interface FamilyDef {
  name: FuzzFamily;
  what: string;
  run: FuzzTarget;
  /** Share of the total runs (by cost: the binary decoder is far cheaper than an engine round trip). */
  share: number;
}

export const FUZZ_FAMILIES: readonly FamilyDef[] = [
  { name: 'ticks', what: 'binary tick frames → decoder', run: fuzzTicks, share: 0.5 },
  { name: 'contract', what: 'every method/topic payload → RpcServer + engine', run: fuzzContract, share: 0.1 },
  { name: 'profiles', what: 'YAML run profiles → parseRunProfile', run: fuzzProfiles, share: 0.05 },
  { name: 'csv', what: 'candle CSVs → 3 loaders', run: fuzzCsv, share: 0.1 },
  { name: 'kite-rest', what: 'Kite REST replies → KiteRest', run: fuzzKiteRest, share: 0.1 },
  { name: 'order-updates', what: 'order-update texts → ticker pool → live broker', run: fuzzOrderUpdates, share: 0.15 },
];

/** Cases per family in `npm test` (a few seconds each on a loaded machine). */
export const FAST_SLICE: Readonly<Record<FuzzFamily, number>> = { ticks: 3000, contract: 600, profiles: 400, csv: 600, 'kite-rest': 600, 'order-updates': 600 };

export const DEFAULT_FUZZ_RUNS = 1_000_000;

export interface FuzzRow extends FuzzResult {
  family: FuzzFamily;
  ms: number;
}

export interface FuzzReport {
  rows: FuzzRow[];
  seed: number;
  cases: number;
  failures: number;
  ms: number;
}

/** Runs `families`, splitting `runs` by their shares (each at least 1). */
export async function runFuzz(opts: { runs: number; seed: number; families?: readonly FuzzFamily[]; progress?: (line: string) => void }): Promise<FuzzReport> {
  const fams = FUZZ_FAMILIES.filter((f) => !opts.families || opts.families.includes(f.name));
  const shareSum = fams.reduce((s, f) => s + f.share, 0);
  const rows: FuzzRow[] = [];
  const t0 = Date.now();
  let left = opts.runs;
  for (const [i, f] of fams.entries()) {
    const n = i === fams.length - 1 ? Math.max(1, left) : Math.max(1, Math.round((opts.runs * f.share) / shareSum));
    left -= n;
    opts.progress?.(`fuzz ${f.name}: ${n} cases (seed ${opts.seed})…`);
    const t = Date.now();
    const r = await f.run(n, opts.seed);
    rows.push({ family: f.name, ...r, ms: Date.now() - t });
  }
  const cases = rows.reduce((s, r) => s + r.cases, 0);
  const failures = rows.reduce((s, r) => s + r.failureCount, 0);
  return { rows, seed: opts.seed, cases, failures, ms: Date.now() - t0 };
}

export function formatFuzzReport(r: FuzzReport): string {
  const head = ['family', 'what', 'cases', 'failures', 'time'];
  const body = r.rows.map((row) => [row.family, FUZZ_FAMILIES.find((f) => f.name === row.family)!.what, String(row.cases), String(row.failureCount), `${(row.ms / 1000).toFixed(1)} s`]);
  const w = head.map((h, i) => Math.max(h.length, ...body.map((b) => b[i]!.length)));
  const line = (cells: string[]) => cells.map((c, i) => (i >= 2 ? c.padStart(w[i]!) : c.padEnd(w[i]!))).join('  ');
  const out = [line(head), ...body.map(line)];
  for (const row of r.rows) if (row.notes) out.push(`${row.family}: ${row.notes}`);
  for (const row of r.rows) for (const f of row.failures) out.push(`FAIL ${row.family}: ${f}`);
  out.push(`fuzz: ${r.cases} cases, ${r.failures} failures, ${r.rows.length} families, seed ${r.seed}, ${(r.ms / 1000).toFixed(1)} s`);
  return out.join('\n');
}
