/** `npm run bench`'s table and bench/results.json: every figure of issue 15, without running the benches. */
import { describe, expect, it } from 'vitest';
import { REQUIRED_FIGURES, assertComplete, buildResults, machineInfo, record, recordedFigures, renderTable, type Figure, type FigureName } from '../../bench/harness.js';

const figure = (name: FigureName, value: number): Figure => ({
  name,
  subject: `subject of ${name}`,
  value,
  unit: 'ops/s',
  better: 'higher',
  baseline: { name: `baseline of ${name}`, value: value / 2, unit: 'ops/s' },
});
const machine = machineInfo([1.5, 2, 3], new Date('2026-12-07T06:30:00Z'));

describe('bench results', () => {
  it('names the figures the issue asks for', () => {
    expect(REQUIRED_FIGURES).toEqual([
      'decode ticks/s',
      'tick → intent ticks/s',
      'tick → intent p99',
      'orders/s through the kernel',
      'backtest bar-events/s, 1 symbol',
      'backtest bar-events/s, 50 symbols',
      'engine RSS, 9,000 instruments subscribed',
      'UI fps while streaming',
    ]);
  });

  it('puts every figure with its value, unit and baseline in the table and the JSON, with the machine', () => {
    const figures = REQUIRED_FIGURES.map((n, i) => figure(n, 1000 * (i + 1)));
    const r = buildResults([...figures].reverse(), machine);
    expect(r.missing).toEqual([]);
    expect(() => assertComplete(r)).not.toThrow();
    expect(r.figures.map((f) => f.name)).toEqual([...REQUIRED_FIGURES]);
    const json = JSON.parse(JSON.stringify(r)) as typeof r;
    expect(json.figures[3]).toMatchObject({ name: 'orders/s through the kernel', value: 4000, unit: 'ops/s', baseline: { value: 2000, unit: 'ops/s' } });
    expect(json.machine).toMatchObject({ cores: machine.cores, node: process.version, date: '2026-12-07T06:30:00.000Z', loadAverageStart: [1.5, 2, 3] });
    const table = renderTable(r);
    const rows = table.split('\n').filter((l) => l.startsWith('| ') && !l.startsWith('| figure'));
    expect(rows).toHaveLength(REQUIRED_FIGURES.length);
    REQUIRED_FIGURES.forEach((n, i) => {
      expect(rows[i]).toContain(`| ${n} |`);
      expect(rows[i]).toContain(`baseline of ${n}`);
      expect(rows[i]).toContain('200 %');
    });
    expect(table).toContain(`${machine.cores} cores`);
    expect(table).toContain('load average 1.5 / 2 / 3 at the start');
  });

  it.each(REQUIRED_FIGURES.map((n) => [n]))('fails a run without "%s"', (dropped) => {
    const r = buildResults(
      REQUIRED_FIGURES.filter((n) => n !== dropped).map((n) => figure(n, 10)),
      machine,
    );
    expect(r.missing).toEqual([dropped]);
    expect(() => assertComplete(r)).toThrow(`"${dropped}"`);
    expect(renderTable(r)).toContain(`Not measured in this run: ${dropped}`);
  });

  it('writes ratios far from 1 so they stay readable', () => {
    const r = buildResults(
      [
        { ...figure('decode ticks/s', 7_260_000), baseline: { name: 'official', value: 10_600, unit: 'ticks/s' } },
        { ...figure('backtest bar-events/s, 1 symbol', 19_600), baseline: { name: 'plain loop', value: 7_570_000, unit: 'bar-events/s' } },
      ],
      machine,
    );
    const table = renderTable(r);
    expect(table).toContain('| 685× |');
    expect(table).toContain('| 0.26 % |');
  });

  it('refuses an unknown figure name or a value that is not a number', () => {
    expect(() => record({ ...figure('decode ticks/s', 1), name: 'decode tick/s' as FigureName })).toThrow('unknown figure name "decode tick/s"');
    expect(() => record(figure('decode ticks/s', Number.NaN))).toThrow('"decode ticks/s" is not a finite number');
    record(figure('decode ticks/s', 5));
    expect(recordedFigures().map((f) => f.name)).toEqual(['decode ticks/s']);
  });
});
