import { spawnSync } from 'node:child_process';
import { join } from 'node:path';
import { beforeAll, describe, expect, it } from 'vitest';
import { ensureBuilt, repoRoot } from '../support/serve-process.js';

/** `kitedesk charges` from dist/, as users run it. */
function cli(...args: string[]) {
  const r = spawnSync(process.execPath, [join(repoRoot, 'dist/engine/cli.js'), 'charges', ...args], { cwd: repoRoot, encoding: 'utf8' });
  return { code: r.status, stdout: r.stdout, stderr: r.stderr };
}

describe('kitedesk charges (built CLI)', () => {
  beforeAll(() => ensureBuilt());

  it('prints the calculator breakdown of a round trip as JSON in rupees', () => {
    // Zerodha's calculator's intraday default (buy 1000, sell 1100, qty 400) at the 2024-10-01 rates,
    // worked by hand in src-engine/execution/charges.test.ts
    const r = cli('--segment', 'equity-intraday', '--exchange', 'NSE', '--buy', '1000', '--sell', '1100', '--qty', '400', '--date', '2024-10-01');
    expect(r.stderr).toBe('');
    expect(r.code).toBe(0);
    expect(JSON.parse(r.stdout)).toEqual({
      segment: 'equity-intraday',
      exchange: 'NSE',
      date: '2024-10-01',
      turnover: 840000,
      brokerage: 40,
      stt: 110,
      exchangeTxn: 25.79,
      sebi: 0.84,
      stampDuty: 12,
      gst: 11.99,
      dp: 0,
      total: 200.62,
      grossPnl: 40000,
      netPnl: 39799.38,
      pointsToBreakeven: 0.5,
    });
  });

  it('picks the rates in force on --date (options STT 0.1% → 0.15% on 2026-04-01)', () => {
    const args = ['--segment', 'options', '--exchange', 'NSE', '--buy', '120.50', '--sell', '135.25', '--qty', '75'];
    const before = JSON.parse(cli(...args, '--date', '2026-03-31').stdout);
    const after = JSON.parse(cli(...args, '--date', '2026-04-01').stdout);
    expect([before.stt, after.stt]).toEqual([10, 15]);
    expect([before.total, after.total]).toEqual([65.27, 70.27]);
    expect(after.dp).toBe(0);
  });

  it('defaults --date to today in IST', () => {
    const r = cli('--segment', 'equity-delivery', '--exchange', 'BSE', '--buy', '2500.50', '--sell', '2600', '--qty', '40');
    expect(r.code).toBe(0);
    const out = JSON.parse(r.stdout);
    const istToday = new Date(Date.now() + 5.5 * 3600_000).toISOString().slice(0, 10);
    expect([istToday, new Date(Date.now() + 5.5 * 3600_000 - 60_000).toISOString().slice(0, 10)]).toContain(out.date);
    expect(out.dp).toBe(15.34);
  });

  it('runs through npm run -s kitedesk (scripts/kitedesk.mjs)', () => {
    const r = spawnSync(process.execPath, [join(repoRoot, 'scripts/kitedesk.mjs'), 'charges', '--segment', 'futures', '--exchange', 'BSE', '--buy', '24000', '--sell', '24100', '--qty', '75', '--date', '2024-10-01'], {
      cwd: repoRoot,
      encoding: 'utf8',
    });
    expect(r.status).toBe(0);
    const out = JSON.parse(r.stdout);
    expect(out).toMatchObject({ segment: 'futures', exchange: 'BSE', exchangeTxn: 0, stt: 362, total: 449.46 });
  });

  it.each([
    [['--buy', '12.345'], /option '--buy <price>' argument '12\.345' is invalid\. --buy: "12\.345" is not a rupee amount with at most 2 decimals/],
    [['--sell', 'abc'], /option '--sell <price>' argument 'abc' is invalid/],
    [['--qty', '0'], /option '--qty <n>' argument '0' is invalid\. --qty: expected a whole number of units ≥ 1/],
    [['--qty', '2.5'], /option '--qty <n>' argument '2\.5' is invalid/],
    [['--segment', 'commodity'], /option '--segment <segment>' argument 'commodity' is invalid\. Allowed choices are equity-intraday, equity-delivery, futures, options/],
    [['--exchange', 'MCX'], /option '--exchange <exchange>' argument 'MCX' is invalid\. Allowed choices are NSE, BSE/],
    [['--date', '2024-05-31'], /option '--date <YYYY-MM-DD>' argument '2024-05-31' is invalid\. --date: the charges schedule starts 2024-06-01/],
    [['--date', '31-12-2025'], /option '--date <YYYY-MM-DD>' argument '31-12-2025' is invalid\. --date: expected a calendar date YYYY-MM-DD/],
  ])('bad input %j: exit 1 and a message naming the option', (override, message) => {
    const base: Record<string, string> = { '--segment': 'futures', '--exchange': 'NSE', '--buy': '100', '--sell': '101', '--qty': '10' };
    base[override[0]!] = override[1]!;
    const r = cli(...Object.entries(base).flat());
    expect(r.code).toBe(1);
    expect(r.stdout).toBe('');
    expect(r.stderr).toMatch(message);
  });

  it('a missing option is named', () => {
    const r = cli('--segment', 'futures', '--buy', '1', '--sell', '2', '--qty', '1');
    expect(r.code).toBe(1);
    expect(r.stderr).toMatch(/required option '--exchange <exchange>' not specified/);
  });
});
