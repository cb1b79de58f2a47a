import { describe, expect, it } from 'vitest';
import { computeSeries } from './series.js';
import { createIndicator } from './registry.js';
import { loadTalibDataset, maxRelativeError, TALIB_DATASETS } from './talib-reference.js';
import { externalInput } from '../../test/support/external-inputs.js';

/** Our spec → for each of its columns, the TA-Lib reference column (README §7 of ../shared; same in the fixture). */
const CASES: [spec: string, refColumns: string[]][] = [
  ['sma:20', ['sma_20']],
  ['ema:20', ['ema_20']],
  ['wma:20', ['wma_20']],
  ['dema:20', ['dema_20']],
  ['tema:20', ['tema_20']],
  ['rsi:14', ['rsi_14']],
  ['macd:12:26:9', ['macd_12_26_9', 'macd_signal_12_26_9', 'macd_hist_12_26_9']],
  ['bb:20:2', ['bb_upper_20_2', 'bb_middle_20_2', 'bb_lower_20_2']],
  ['stddev:20', ['stddev_20']],
  ['stoch:14:3:3', ['stoch_slowk_14_3_3', 'stoch_slowd_14_3_3']],
  ['willr:14', ['willr_14']],
  ['cci:20', ['cci_20']],
  ['roc:10', ['roc_10']],
  ['mom:10', ['mom_10']],
];

for (const ds of TALIB_DATASETS) {
  const { ref, skip } = loadTalibDataset(ds);
  if (skip) externalInput(import.meta.url, 'shared-data', false, skip);

  describe.skipIf(!ref)(`TA-Lib reference (${ds.name}, talib@2.0.5)${skip ? ` — skipped: ${skip}` : ''}`, () => {
    const bars = ref?.table.bars ?? [];
    const report: string[] = [];

    it(`has the ${ds.rows.toLocaleString('en')} rows`, () => {
      expect(bars.length).toBe(ds.rows);
    });

    for (const [spec, refCols] of CASES) {
      it(`${spec}: same warm-up as TA-Lib and ≤ 1e-6 relative error on every defined row`, () => {
        const ind = createIndicator(spec);
        const ours = computeSeries(spec, bars);
        refCols.forEach((name, j) => {
          const want = ref!.column(name);
          const got = ours[j]!;
          const firstRef = want.findIndex((x) => x === x);
          const firstOurs = got.findIndex((x) => x === x);
          expect(firstOurs, `${ind.columns[j]} first value`).toBe(firstRef);
          expect(firstRef, `${ind.columns[j]} warmup`).toBe(ind.warmup - 1);
          const all = maxRelativeError(got, want);
          const tail = maxRelativeError(got, want, bars.length - 200);
          report.push(`${ind.columns[j]!.padEnd(22)} vs ${name.padEnd(22)} all ${all.max.toExponential(2)} (row ${all.at}), last 200 ${tail.max.toExponential(2)}`);
          expect(all.max, `${ind.columns[j]} worst at row ${all.at}: ${got[all.at]} vs ${want[all.at]}`).toBeLessThanOrEqual(1e-6);
        });
      });
    }

    it('report', () => {
      console.info(`max relative error vs TA-Lib over ${bars.length} rows of ${ds.name}:\n${report.join('\n')}`);
    });
  });
}
