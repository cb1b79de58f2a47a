/**
 * Simulator-generated minute candles written as Kite candle CSVs (`datetime,open,high,low,close,volume`),
 * for optimisation runs and benchmarks that need more symbols than the real data has. They come from
 * the Kite simulator's own historical path (kite-sim/historical.ts: deterministic per seed and token,
 * regular NSE sessions only) and are NOT real market data.
 */
import { mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { CandleRecorder, SimHistory } from '../kite-sim/historical.js';

const DAY_MS = 86_400_000;

export interface SimCandleSpec {
  /** Symbols to write, e.g. SIM01…SIM08 (one file each: <dir>/<symbol>.csv). */
  symbols: readonly string[];
  /** First and last IST day, YYYY-MM-DD. */
  from: string;
  to: string;
  seed: number;
  /** Starting price in rupees of the first symbol; the others step up by 10 % (default 1000). */
  basePrice?: number;
}

/** Writes one CSV per symbol and returns their paths. */
export function writeSimCandleCsvs(dir: string, spec: SimCandleSpec): string[] {
  mkdirSync(dir, { recursive: true });
  const from = Date.parse(`${spec.from}T00:00:00+05:30`);
  const to = Date.parse(`${spec.to}T23:59:59+05:30`);
  if (!(Number.isFinite(from) && Number.isFinite(to) && from <= to)) throw new RangeError(`sim candles: bad day range ${spec.from}..${spec.to}`);
  const history = new SimHistory({ seed: spec.seed, startMs: to + 1, recorder: new CandleRecorder(), now: () => to + 1 });
  const files: string[] = [];
  spec.symbols.forEach((symbol, k) => {
    const inst = { token: 900_001 + k, tickPaise: 5, avgDailyVolume: 1_000_000, basePaise: Math.round((spec.basePrice ?? 1000) * 100 * 1.1 ** k) };
    const lines = ['datetime,open,high,low,close,volume'];
    for (let a = from; a <= to; a += 59 * DAY_MS) {
      const b = Math.min(to, a + 59 * DAY_MS - 1);
      for (const c of history.candles(inst, { interval: 'minute', from: a, to: b, oi: false })) lines.push(c.join(','));
    }
    const file = join(dir, `${symbol}.csv`);
    writeFileSync(file, lines.join('\n') + '\n');
    files.push(file);
  });
  return files;
}
