import { mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { CandleCsvError, parseCandleCsvText, parseCandleDateTime, readCandleCsv } from './candle-csv.js';
import { runIndicatorsCli } from './cli-indicators.js';

const HEAD = 'datetime,open,high,low,close,volume';

describe('candle CSV reader', () => {
  it('reads Kite rows (IST default, offsets, extra columns kept, quoted fields, BOM, blank lines)', () => {
    const t = parseCandleCsvText(
      `\uFEFF${HEAD},oi\n2024-01-01 09:15:00+05:30,100,101,99,100.5,10,0\n\n"2024-01-01 09:16",100.5,102,100,101,20,0\n2024-01-01T03:47:00Z,101,101,101,101,0,0\n`,
      'x.csv',
    );
    expect(t.header).toEqual(['datetime', 'open', 'high', 'low', 'close', 'volume', 'oi']);
    expect(t.bars.map((b) => b.t)).toEqual([Date.parse('2024-01-01T03:45:00Z'), Date.parse('2024-01-01T03:46:00Z'), Date.parse('2024-01-01T03:47:00Z')]);
    expect(t.bars[1]).toMatchObject({ o: 100.5, h: 102, l: 100, c: 101, v: 20 });
    expect(t.records[1]![0]).toBe('2024-01-01 09:16');
  });

  it('accepts date-only rows and upper-case headers', () => {
    const t = parseCandleCsvText('Date,Open,High,Low,Close,Volume\n2024-01-01,1,2,0.5,1.5,3\n', 'd.csv');
    expect(t.bars[0]!.t).toBe(Date.parse('2023-12-31T18:30:00Z'));
  });

  it.each([
    ['', /e\.csv:1: empty file/],
    ['time,open,high,low,close\n', /e\.csv:1: header "time,open,high,low,close" lacks datetime\|timestamp\|date, volume/],
    [`${HEAD}\n2024-01-01,1,2,0.5,1.5,3\n2024-01-02,1,2,0.5\n`, /e\.csv:3: expected 6 fields, got 4/],
    [`${HEAD}\n2024-13-01,1,2,0.5,1.5,3\n`, /e\.csv:2: bad datetime "2024-13-01"/],
    [`${HEAD}\n2024-02-30,1,2,0.5,1.5,3\n`, /e\.csv:2: bad datetime/],
    [`${HEAD}\n2024-01-01,1,x,0.5,1.5,3\n`, /e\.csv:2: bad high "x" \(expected a number\)/],
    [`${HEAD}\n2024-01-01,1,2,0.5,,3\n`, /e\.csv:2: bad close ""/],
    [`${HEAD}\n2024-01-01,1,2,0.5,1.5,-3\n`, /e\.csv:2: bad volume "-3" \(expected ≥ 0\)/],
    [`${HEAD}\n2024-01-02,1,2,0.5,1.5,3\n2024-01-01,1,2,0.5,1.5,3\n`, /e\.csv:3: time 2024-01-01 is not after the previous row's/],
    [`${HEAD}\n2024-01-01,1,2,0.5,1.5,3\n2024-01-01,1,2,0.5,1.5,3\n`, /e\.csv:3: time/],
    [`${HEAD}\n"2024-01-01,1,2,0.5,1.5,3\n`, /e\.csv:\d+: CSV syntax/],
  ])('%j → %s', (text, msg) => {
    expect(() => parseCandleCsvText(text, 'e.csv')).toThrow(CandleCsvError);
    expect(() => parseCandleCsvText(text, 'e.csv')).toThrow(msg);
  });

  it('names a missing file', () => {
    expect(() => readCandleCsv('/nonexistent/candles.csv')).toThrow(/\/nonexistent\/candles\.csv:0: cannot read/);
  });

  it('parseCandleDateTime', () => {
    expect(parseCandleDateTime('2024-01-01 09:15')).toBe(Date.parse('2024-01-01T03:45:00Z'));
    expect(parseCandleDateTime('2024-01-01 09:15:00-0100')).toBe(Date.parse('2024-01-01T10:15:00Z'));
    expect(parseCandleDateTime('01/01/2024')).toBeUndefined();
  });
});

describe('runIndicatorsCli', () => {
  const dir = mkdtempSync(join(tmpdir(), 'kitedesk-ind-'));
  const input = join(dir, 'in.csv');
  const rows = Array.from({ length: 30 }, (_, i) => {
    const c = 100 + ((i * 7) % 11);
    return `2024-01-${String(1 + (i % 28)).padStart(2, '0')} ${String(9 + Math.floor(i / 28)).padStart(2, '0')}:15:00+05:30,${c},${c + 2},${c - 1},${c + 0.5},${1000 + i}`;
  });
  // keep times increasing: day-major for the first 28 rows, then the next hour on days 1 and 2
  rows.sort((a, b) => Date.parse(a.slice(0, 10)) - Date.parse(b.slice(0, 10)) || a.localeCompare(b));
  writeFileSync(input, `${HEAD}\n${rows.join('\n')}\n`);

  it('writes the input rows plus one column per output, empty during warm-up', () => {
    const out = join(dir, 'out.csv');
    const r = runIndicatorsCli({ input, spec: ' sma:3 , macd:2:4:2,bb:5:2 ', out });
    expect(r.columns).toEqual(['sma_3', 'macd_2_4_2', 'macd_2_4_2_signal', 'macd_2_4_2_hist', 'bb_5_2_upper', 'bb_5_2_middle', 'bb_5_2_lower']);
    const lines = readFileSync(out, 'utf8').trimEnd().split('\n');
    expect(lines).toHaveLength(31);
    expect(lines[0]).toBe(`${HEAD},${r.columns.join(',')}`);
    const cells = lines.map((l) => l.split(','));
    expect(cells[1]!.slice(0, 6).join(',')).toBe(rows[0]);
    expect(cells[2]![6]).toBe('');
    expect(Number(cells[3]![6])).toBeCloseTo([0, 1, 2].reduce((a, i) => a + Number(rows[i]!.split(',')[4]), 0) / 3, 12);
    expect(cells[4]![7]).toBe(''); // macd warm-up: slow + signal − 1 = 5 bars
    expect(cells[5]![7]).not.toBe('');
    expect(cells.every((c) => c.length === 13)).toBe(true);
  });

  it('rejects unknown indicators listing the known ones, and duplicate columns, before writing', () => {
    const out = join(dir, 'never.csv');
    expect(() => runIndicatorsCli({ input, spec: 'sma:3,foo:2', out })).toThrow(/unknown indicator "foo".*known: .*bb.*sma/);
    expect(() => runIndicatorsCli({ input, spec: 'sma:3,sma:3', out })).toThrow(/column sma_3 appears twice/);
    expect(() => runIndicatorsCli({ input, spec: ' , ', out })).toThrow(/no indicators/);
    expect(() => runIndicatorsCli({ input: join(dir, 'missing.csv'), spec: 'sma:3', out })).toThrow(/missing\.csv:0: cannot read/);
    expect(() => readFileSync(out)).toThrow();
  });
});
