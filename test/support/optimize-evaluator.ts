/**
 * An evaluator for the BullMQ integration test: the built-in SMA evaluator, plus a marker file per
 * job start (`$KD_OPT_MARKS/<pid>-<fast>-<slow>`) so the test sees which process took which point,
 * and with KD_OPT_HANG=1 a job that never finishes (a worker to kill mid-job).
 */
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import type { Evaluator } from '../../src-engine/optimize/evaluator.js';
import { smaEvaluator } from '../../src-engine/optimize/sma-evaluator.js';

export const markingSma: Evaluator = {
  async evaluate(params, data, opts) {
    const marks = process.env['KD_OPT_MARKS'];
    if (marks) writeFileSync(join(marks, `${process.pid}-${params['fast']}-${params['slow']}`), '');
    if (process.env['KD_OPT_HANG'] === '1') await new Promise(() => {});
    return smaEvaluator.evaluate(params, data, opts);
  },
  range: (data) => smaEvaluator.range!(data),
};
