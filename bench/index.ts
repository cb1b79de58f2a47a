/**
 * `npm run bench [-- --quick] [-- --only decode,orders]`: every benchmark in bench/, each printed next to
 * its in-process baseline; then the headline figures as one table, also written to bench/results.json.
 */
import { writeFileSync } from 'node:fs';
import { loadavg } from 'node:os';
import { join } from 'node:path';
import { QUICK, assertComplete, buildResults, machineInfo, recordedFigures, renderTable } from './harness.js';

const BENCHES: Record<string, () => Promise<void>> = {
  rpc: async () => (await import('./rpc.bench.js')).rpcBench(),
  market: async () => (await import('./market.bench.js')).marketBench(),
  decode: async () => (await import('./tick-codec.bench.js')).tickCodecBench(),
  pool: async () => (await import('./pool.bench.js')).poolBench(),
  strategy: async () => (await import('./strategy.bench.js')).strategyBench(),
  orders: async () => (await import('./orders.bench.js')).ordersBench(),
  backtest: async () => (await import('./backtest.bench.js')).backtestBench(),
  ui: async () => (await import('./chart-page.bench.js')).chartPageBench(),
};

const at = process.argv.indexOf('--only');
const only = at >= 0 ? (process.argv[at + 1] ?? '').split(',').filter(Boolean) : undefined;
const unknown = (only ?? []).filter((n) => !(n in BENCHES));
if (only !== undefined && (only.length === 0 || unknown.length > 0)) {
  console.error(`bench: --only takes a comma-separated list of ${Object.keys(BENCHES).join(', ')}${unknown.length ? ` (unknown: ${unknown.join(', ')})` : ''}`);
  process.exit(2);
}

const load0 = loadavg();
console.log(`KiteDesk benchmarks — node ${process.version}, ${process.arch}${QUICK ? ' (quick)' : ''}; load average ${load0.map((x) => x.toFixed(2)).join(' / ')}`);
const failed: string[] = [];
for (const [name, run] of Object.entries(BENCHES)) {
  if (only && !only.includes(name)) continue;
  try {
    await run();
  } catch (e) {
    // one broken bench must not hide the others' figures: report it, go on, fail at the end
    failed.push(name);
    console.error(`\nbench "${name}" failed:`, e);
  }
}

const results = buildResults(recordedFigures(), machineInfo(load0), only !== undefined);
const out = join(import.meta.dirname, 'results.json');
writeFileSync(out, JSON.stringify({ ...results, quick: QUICK }, null, 2) + '\n');
console.log(`\nHeadline figures (written to ${out}):\n\n${renderTable(results)}`);
if (failed.length > 0) {
  console.error(`\nbench: ${failed.join(', ')} failed (see above)`);
  process.exitCode = 1;
}
if (!results.partial) assertComplete(results);
