import { spawnSync } from 'node:child_process';
import { existsSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { beforeAll, describe, expect, it } from 'vitest';
import { ensureBuilt, repoRoot, tempDataDir } from '../support/serve-process.js';
import { sharedFiles } from '../support/external-inputs.js';

/** `kitedesk indicators` from dist/, as users run it. */
function cli(...args: string[]) {
  const r = spawnSync(process.execPath, [join(repoRoot, 'dist/engine/cli.js'), 'indicators', ...args], { cwd: repoRoot, encoding: 'utf8' });
  return { code: r.status, stdout: r.stdout, stderr: r.stderr };
}

function readCsv(path: string): { header: string[]; rows: string[][] } {
  const [head, ...rest] = readFileSync(path, 'utf8').trimEnd().split('\n');
  return { header: head!.split(','), rows: rest.map((l) => l.split(',')) };
}

const REFERENCE = join(repoRoot, '..', 'shared', 'data', 'indicators', 'talib_RELIANCE_daily_kite.csv');
const haveReference = sharedFiles(import.meta.url, 'shared-data', REFERENCE);
const FULL_SPEC = 'sma:20,ema:20,rsi:14,macd:12:26:9,bb:20:2,atr:14,adx:14,stoch:14:3:3,willr:14,cci:20,supertrend:10:3,vwap';

describe('kitedesk indicators (built CLI)', () => {
  const dir = tempDataDir('kitedesk-indicators-');
  const input = join(dir, 'candles.csv');

  beforeAll(() => {
    ensureBuilt();
    const lines = ['datetime,open,high,low,close,volume'];
    for (let i = 0; i < 60; i++) {
      const c = 1500 + 20 * Math.sin(i / 5) + (i % 3);
      const day = new Date(Date.UTC(2024, 0, 1 + i)).toISOString().slice(0, 10);
      lines.push(`${day} 00:00:00+05:30,${(c - 1).toFixed(2)},${(c + 4).toFixed(2)},${(c - 5).toFixed(2)},${c.toFixed(2)},${100_000 + i * 10}`);
    }
    writeFileSync(input, lines.join('\n') + '\n');
  });

  it('--help documents the options and lists the known indicators', () => {
    const r = cli('--help');
    expect(r.code).toBe(0);
    expect(r.stdout).toMatch(/--input <file>/);
    expect(r.stdout).toMatch(/--spec <list>/);
    expect(r.stdout).toMatch(/--out <file>/);
    expect(r.stdout).toMatch(/Known indicators: .*macd.*sma/);
  });

  it('writes the input rows plus one column per output, empty during warm-up', () => {
    const out = join(dir, 'out.csv');
    const r = cli('--input', input, '--spec', 'sma:20,ema:20,rsi:14,macd:12:26:9,bb:20:2,stoch:14:3:3,willr:14,cci:20', '--out', out);
    expect(r.stderr).toMatch(/60 rows, 13 indicator columns/);
    expect(r.code).toBe(0);
    const { header, rows } = readCsv(out);
    expect(header).toEqual([
      ...'datetime,open,high,low,close,volume'.split(','),
      'sma_20',
      'ema_20',
      'rsi_14',
      'macd_12_26_9',
      'macd_12_26_9_signal',
      'macd_12_26_9_hist',
      'bb_20_2_upper',
      'bb_20_2_middle',
      'bb_20_2_lower',
      'stoch_14_3_3_k',
      'stoch_14_3_3_d',
      'willr_14',
      'cci_20',
    ]);
    expect(rows).toHaveLength(60);
    expect(rows.map((x) => x.slice(0, 6).join(','))).toEqual(readFileSync(input, 'utf8').trimEnd().split('\n').slice(1));
    const col = (name: string) => rows.map((x) => x[header.indexOf(name)]!);
    const firstFilled = (name: string) => col(name).findIndex((v) => v !== '');
    expect(firstFilled('sma_20')).toBe(19);
    expect(firstFilled('rsi_14')).toBe(14);
    expect(firstFilled('macd_12_26_9_hist')).toBe(33);
    expect(firstFilled('stoch_14_3_3_d')).toBe(17);
    for (const name of header.slice(6)) expect(col(name).slice(firstFilled(name)).every((v) => Number.isFinite(Number(v)) && v !== '')).toBe(true);
    const closes = rows.map((x) => Number(x[4]));
    expect(Number(col('sma_20')[19])).toBeCloseTo(closes.slice(0, 20).reduce((a, b) => a + b, 0) / 20, 10);
  });

  it('an unregistered indicator fails with exit code 1 and lists the known ones', () => {
    const r = cli('--input', input, '--spec', 'sma:20,ichimoku:9', '--out', join(dir, 'bad.csv'));
    expect(r.code).toBe(1);
    expect(r.stderr).toMatch(/unknown indicator "ichimoku" in "ichimoku:9"; known: .*ema.*rsi.*sma/);
    expect(existsSync(join(dir, 'bad.csv'))).toBe(false);
  });

  it('a bad candle file fails naming the file and line', () => {
    const bad = join(dir, 'bad-candles.csv');
    writeFileSync(bad, 'datetime,open,high,low,close,volume\n2024-01-01,1,2,0.5,1.5,3\n2024-01-02,1,2,zero,1.5,3\n');
    const r = cli('--input', bad, '--spec', 'sma:2', '--out', join(dir, 'x.csv'));
    expect(r.code).toBe(1);
    expect(r.stderr).toContain(`${bad}:3: bad low "zero"`);
  });

  it('the full spec with the part-B indicators (atr, adx, supertrend, vwap) when they are registered', () => {
    const out = join(dir, 'full.csv');
    const r = cli('--input', input, '--spec', FULL_SPEC, '--out', out);
    expect(r.stderr).not.toMatch(/unknown indicator/);
    expect(r.code).toBe(0);
    const { header, rows } = readCsv(out);
    for (const c of ['atr_14', 'adx_14', 'vwap', 'cci_20']) expect(header).toContain(c);
    expect(header.some((h) => h.startsWith('supertrend_10_3'))).toBe(true);
    expect(rows).toHaveLength(60);
  });

  it.skipIf(!haveReference)('RELIANCE daily (../shared): columns match TA-Lib to 1e-9 relative', () => {
    // only the six input columns: the reference file already carries columns named like ours
    const src = readFileSync(REFERENCE, 'utf8').trimEnd().split('\n');
    const refHeader = src[0]!.split(',');
    const ref = src.slice(1).map((l) => l.split(','));
    const inp = join(dir, 'RELIANCE.csv');
    writeFileSync(inp, src.map((l) => l.split(',').slice(0, 6).join(',')).join('\n') + '\n');
    const out = join(dir, 'RELIANCE-out.csv');
    const r = cli('--input', inp, '--spec', 'sma:20,ema:20,rsi:14,macd:12:26:9,bb:20:2,stoch:14:3:3,willr:14,cci:20', '--out', out);
    expect(r.code).toBe(0);
    const { header, rows } = readCsv(out);
    expect(rows).toHaveLength(1367);
    const pairs: [string, string][] = [
      ['sma_20', 'sma_20'],
      ['ema_20', 'ema_20'],
      ['rsi_14', 'rsi_14'],
      ['macd_12_26_9_signal', 'macd_signal_12_26_9'],
      ['bb_20_2_lower', 'bb_lower_20_2'],
      ['stoch_14_3_3_d', 'stoch_slowd_14_3_3'],
      ['willr_14', 'willr_14'],
      ['cci_20', 'cci_20'],
    ];
    for (const [ours, theirs] of pairs) {
      const a = header.indexOf(ours);
      const b = refHeader.indexOf(theirs);
      let worst = 0;
      rows.forEach((row, i) => {
        const want = ref[i]![b]!;
        expect(row[a] === '', `${ours} row ${i} empty`).toBe(want === '');
        if (want !== '') worst = Math.max(worst, Math.abs(Number(row[a]) - Number(want)) / Math.abs(Number(want)));
      });
      expect(worst, ours).toBeLessThan(1e-9);
    }
  });
});
