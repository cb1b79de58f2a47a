/**
 * `kitedesk backtest` with `backtest.options` (issue 14): a config whose only strategy is an `fno:` instance on
 * NIFTY 50 trading synthetic ATM options derived from the index's (generated) history; report.json and
 * report.html say the option prices are synthetic and name the model's parameters.
 */
import { spawnSync } from 'node:child_process';
import { mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { beforeAll, describe, expect, it } from 'vitest';
import { IST_OFFSET_MS } from '../../src-engine/core/ist.js';
import { Rng } from '../../src-engine/core/random.js';
import type { Candle, CandleSeries } from '../../src-engine/kite-sim/csv-replay.js';
import { kiteCsv } from '../../src-engine/backtest/testing.js';
import { ensureBuilt, repoRoot } from '../support/serve-process.js';

function cli(...args: string[]) {
  const r = spawnSync(process.execPath, [join(repoRoot, 'dist/engine/cli.js'), 'backtest', ...args], { cwd: repoRoot, encoding: 'utf8' });
  return { code: r.status, stdout: r.stdout, stderr: r.stderr };
}

/** Three days of NIFTY 50 minute bars around ₹26,000 ending on the Tuesday 2026-12-08 expiry. */
function nifty(): CandleSeries {
  const rng = new Rng(5);
  const candles: Candle[] = [];
  let px = 26_000_00;
  for (const day of ['2026-12-04', '2026-12-07', '2026-12-08']) {
    const open = Date.parse(`${day}T09:15:00Z`) - IST_OFFSET_MS;
    for (let m = 0; m < 375; m++) {
      const o = px;
      const c = Math.round((o + rng.normal() * 800) / 5) * 5;
      const start = open + m * 60_000;
      candles.push({ start, end: start + 60_000, openPaise: o, highPaise: Math.max(o, c) + 100, lowPaise: Math.min(o, c) - 100, closePaise: c, volume: 0, line: candles.length + 2 });
      px = c;
    }
  }
  return { symbol: 'NIFTY 50', file: 'generated', interval: 60_000, candles };
}

describe('kitedesk backtest with synthetic option prices (built CLI)', () => {
  const dir = mkdtempSync(join(tmpdir(), 'kitedesk-bt-opt-'));
  beforeAll(() => {
    ensureBuilt();
    writeFileSync(join(dir, 'NIFTY 50.csv'), kiteCsv(nifty()));
    writeFileSync(
      join(dir, 'opt.yaml'),
      [
        'strategies: []',
        'ensemble: { buyThreshold: 0.1, sellThreshold: -0.1 }',
        'fno:',
        '  underlyings: [NIFTY]',
        '  options: { strike: ATM, steps: 0, expiry: nearest, right: both, reResolveStrikes: 1 }',
        '  strategies:',
        "    - { id: nifty-atm, type: fno_intraday_trend, leg: option, on: underlying, params: { fast: 2, slow: 5, adx: 3, minAdx: 0, entryTo: '15:20', squareOff: '15:45' } }",
        'trading: { capital: 2000000, product: NRML, sizing: { default: { mode: fixed_lots, lots: 1 } } }',
        'backtest:',
        '  exits: none',
        '  options: { underlying: NIFTY, strikes: 1, model: { vol: 0.15, smile: false, rate: 0.06 } }',
      ].join('\n') + '\n',
    );
  });

  it('trades the options in lots and states in report.json and report.html that their prices are synthetic, with the model', () => {
    const r = cli('--config', join(dir, 'opt.yaml'), '--data', join(dir, 'NIFTY 50.csv'), '--out', join(dir, 'out'));
    expect(r.code, r.stderr).toBe(0);
    expect(r.stderr).toContain('warning: Option prices are SYNTHETIC, not market data');
    const rep = JSON.parse(readFileSync(join(dir, 'out', 'report.json'), 'utf8')) as {
      syntheticOptions: { synthetic: boolean; statement: string; model: { name: string; vol: number; smile: unknown; rate: number }; contracts: string[] };
      trades: { symbol: string; qty: number }[];
    };
    expect(rep.syntheticOptions).toMatchObject({ synthetic: true, model: { name: 'Black-76', vol: 0.15, smile: false, rate: 0.06 } });
    expect(rep.syntheticOptions.statement).toMatch(/^Option prices are SYNTHETIC/);
    expect(rep.trades.length).toBeGreaterThan(0);
    for (const t of rep.trades) {
      expect(rep.syntheticOptions.contracts).toContain(t.symbol);
      expect(t.qty % 65).toBe(0);
    }
    const html = readFileSync(join(dir, 'out', 'report.html'), 'utf8');
    expect(html).toMatch(/id="synthetic-options"[^>]*><strong>Option prices are SYNTHETIC, not market data/);
    expect(html).toContain('vol 0.15, smile off (flat), rate 0.06');
  });
});
