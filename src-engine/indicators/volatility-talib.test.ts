import { describe, expect, it } from 'vitest';
import { Adx } from './adx.js';
import { Atr } from './atr.js';
import type { Indicator } from './indicator.js';
import { Mfi } from './mfi.js';
import { Natr } from './natr.js';
import { Obv } from './obv.js';
import { Psar } from './psar.js';
import { loadTalibDataset, TALIB_DATASETS } from './talib-reference.js';
import { TrueRange } from './trange.js';
import { externalInput } from '../../test/support/external-inputs.js';

// TA-Lib reference values: our synthetic fixture (always), and the RELIANCE file of ../shared when it is
// there (internal data: read in place at test time, never copied into the repo).

/** Relative error with a floor of 1 on the scale, so values near 0 (OBV, MFI, DI) compare absolutely. */
const relErr = (a: number, b: number): number => Math.abs(a - b) / Math.max(1, Math.abs(b));

interface Case {
  name: string;
  make: () => Indicator;
  /** reference column for each output column (in order); undefined = not in the reference file. */
  ref: (string | undefined)[];
  /** Index from which the value no longer depends on seeding (the converged tail). */
  tailFrom: number;
}

const cases: Case[] = [
  { name: 'trange', make: () => new TrueRange(), ref: ['trange'], tailFrom: 1 },
  { name: 'atr:14', make: () => new Atr(14), ref: ['atr_14'], tailFrom: 70 },
  { name: 'natr:14', make: () => new Natr(14), ref: ['natr_14'], tailFrom: 70 },
  { name: 'adx:14', make: () => new Adx(14), ref: ['adx_14', 'plus_di_14', 'minus_di_14'], tailFrom: 140 },
  { name: 'obv', make: () => new Obv(), ref: ['obv'], tailFrom: 0 },
  { name: 'mfi:14', make: () => new Mfi(14), ref: ['mfi_14'], tailFrom: 14 },
  { name: 'psar:0.02:0.2', make: () => new Psar(0.02, 0.2), ref: ['sar_0.02_0.2'], tailFrom: 1 },
];

for (const ds of TALIB_DATASETS) {
  const { ref, skip } = loadTalibDataset(ds);
  if (skip) externalInput(import.meta.url, 'shared-data', false, skip);

  describe.skipIf(!ref)(`against TA-Lib (${ds.name})${skip ? ` — skipped: ${skip}` : ''}`, () => {
    const bars = ref?.table.bars ?? [];

    it('has the expected shape', () => {
      expect(bars.length).toBe(ds.rows);
      expect(bars.every((b) => Number.isFinite(b.t) && Number.isFinite(b.c) && Number.isFinite(b.v))).toBe(true);
    });

    it.each(cases)('$name: defined exactly where TA-Lib is, and within 1e-9 relative everywhere (1e-10 in the tail)', (c) => {
      const ind = c.make();
      const want = c.ref.map((col) => (col ? ref!.column(col) : undefined));
      const maxAll = c.ref.map(() => 0);
      const maxTail = c.ref.map(() => 0);
      let compared = 0;
      bars.forEach((bar, i) => {
        const ready = ind.update(bar);
        expect(ready, `${c.name} ready at bar ${i}`).toBe(i + 1 >= ind.warmup);
        want.forEach((column, j) => {
          if (!column) return;
          const cell = column[i]!;
          const got = ind.out[j]!;
          if (Number.isNaN(cell)) {
            expect(got, `${c.name} ${ind.columns[j]} bar ${i} should be NaN`).toBeNaN();
            return;
          }
          const e = relErr(got, cell);
          if (!(e <= maxAll[j]!)) maxAll[j] = e; // also catches NaN
          if (i >= c.tailFrom && !(e <= maxTail[j]!)) maxTail[j] = e;
          compared++;
        });
      });
      console.info(
        `${ds.name} ${c.name}: compared ${compared} values; max rel err all ${maxAll.map((x) => x.toExponential(2)).join('/')}, tail ${maxTail.map((x) => x.toExponential(2)).join('/')}`,
      );
      for (const e of maxAll) expect(e).toBeLessThanOrEqual(1e-9);
      for (const e of maxTail) expect(e).toBeLessThanOrEqual(1e-10);
    });
  });
}
