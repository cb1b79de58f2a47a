/**
 * Candle CSVs: arbitrary lines and mutations of valid files into the three loaders (indicators'
 * candle-csv, the simulator's csv-replay, the backtest loader) → rows, or typed errors naming file:line.
 */
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import fc from 'fast-check';
import { BacktestDataError, loadBacktestData } from '../backtest/data.js';
import { CandleCsvError, parseCandleCsvText } from '../indicators/candle-csv.js';
import { parseCandleCsv } from '../kite-sim/csv-replay.js';
import { Failures, type FuzzResult, describeError, forEachSample, mutatedText } from './common.js';

const FILE = 'FUZZ.csv';

function validFiles(): string[] {
  const day = ['datetime,open,high,low,close,volume'];
  const min = ['date,open,high,low,close,volume'];
  let p = 2500;
  for (let i = 0; i < 6; i++) {
    day.push(`2026-11-${String(16 + i).padStart(2, '0')},${p},${p + 12.5},${p - 8},${p + 3.05},${10000 + i * 37}`);
    min.push(`2026-11-20 09:${String(15 + i).padStart(2, '0')}:00+05:30,${p},${p + 1.5},${p - 1},${p + 0.35},${500 + i}`);
    p += 4;
  }
  return [`${day.join('\n')}\n`, `${min.join('\n')}\n`, `\ufeff${min.join('\r\n')}\r\n`];
}

const field = fc.oneof(fc.constantFrom('', '2026-11-20', '2026-11-20 09:15:00', '2026-13-40', 'NaN', '-1', '0', '1e308', 'Infinity', '"', '""', 'abc', ' 12.5 ', '9999999999999999999'), fc.string({ maxLength: 6 }), fc.double().map(String));
const junkFile = fc
  .tuple(fc.constantFrom('datetime,open,high,low,close,volume', 'date,open,high,low,close,volume', 'time,o,h,l,c', '', 'a,b'), fc.array(fc.array(field, { maxLength: 8 }), { maxLength: 8 }))
  .map(([h, rows]) => [h, ...rows.map((r) => r.join(','))].join('\n'));

function barsOk(bars: readonly { t: number; o: number; h: number; l: number; c: number; v: number }[]): string | undefined {
  for (const b of bars) for (const k of ['t', 'o', 'h', 'l', 'c', 'v'] as const) if (!Number.isFinite(b[k])) return `bar with ${k} = ${b[k]}`;
  return undefined;
}

export async function fuzzCsv(runs: number, seed: number): Promise<FuzzResult> {
  const arb = fc.oneof({ weight: 1, arbitrary: fc.string({ maxLength: 200 }) }, { weight: 2, arbitrary: junkFile }, { weight: 4, arbitrary: mutatedText(validFiles()) });
  const fails = new Failures();
  const dir = mkdtempSync(join(tmpdir(), 'kitedesk-fuzz-csv-'));
  let cases = 0;
  try {
    forEachSample(arb, runs, seed, (text) => {
      cases++;
      try {
        const t = parseCandleCsvText(text, FILE);
        const bad = barsOk(t.bars);
        if (bad) fails.add(`candle-csv: ${bad}`, text);
      } catch (e) {
        if (!(e instanceof CandleCsvError)) fails.add(`candle-csv threw ${describeError(e)}`, text);
        else if (!new RegExp(`^${FILE}:\\d+: `).test(e.message)) fails.add(`candle-csv error without file:line: ${e.message}`, text);
      }
      try {
        const r = parseCandleCsv(text, FILE, 'FUZZ');
        const wrong = r.issues.find((i) => i.file !== FILE || !Number.isInteger(i.line) || i.line < 0 || !i.message);
        if (wrong) fails.add(`csv-replay issue without file:line: ${JSON.stringify(wrong)}`, text);
        if (r.series) {
          const c = r.series.candles;
          for (let i = 0; i < c.length; i++) {
            const x = c[i]!;
            if (![x.openPaise, x.highPaise, x.lowPaise, x.closePaise, x.volume, x.start].every(Number.isInteger)) {
              fails.add(`csv-replay: candle ${i} has a non-integer field`, text);
              break;
            }
            if (i > 0 && !(x.start >= c[i - 1]!.end)) {
              fails.add(`csv-replay: candle ${i} overlaps ${i - 1}`, text);
              break;
            }
          }
        }
      } catch (e) {
        fails.add(`csv-replay threw ${describeError(e)}`, text);
      }
      // the backtest loader reads files: one case in 20 goes through a real file
      if (cases % 20 === 0) {
        const path = join(dir, FILE);
        writeFileSync(path, text);
        try {
          loadBacktestData([{ path, symbol: 'FUZZ' }]);
        } catch (e) {
          if (!(e instanceof BacktestDataError)) fails.add(`backtest loader threw ${describeError(e)}`, text);
          else if (e.issues.some((i) => !i.file.includes(FILE) || !Number.isInteger(i.line))) fails.add(`backtest issue without file:line: ${e.message}`, text);
        }
      }
    });
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
  return fails.result(cases);
}
