import { createHash } from 'node:crypto';
import { mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { kiteDeskApi, type KiteDeskApi } from '../../src-engine/contract/api.js';
import { RpcClient } from '../../src-engine/contract/rpc-client.js';
import { RpcError } from '../../src-engine/contract/errors.js';
import { createMemoryPair } from '../../src-engine/contract/transport.js';
import { bootEngine, type BootedEngine } from '../../src-engine/host/bootstrap.js';
import { USER_SMA_SOURCE } from '../../src-engine/backtest/testing.js';
import { backtestStrategyLabel } from '../../src-engine/contract/backtest-schemas.js';

/**
 * The Backtest tab's contract against a booted engine (database, worker thread) over an in-memory
 * transport, as the renderer calls it: walk-forward payloads, `backtest.sources` and
 * `backtest.openReport` — bad payloads are typed errors that say where.
 */

let dataDir: string;
let booted: BootedEngine;
let client: RpcClient<KiteDeskApi>;

beforeAll(() => {
  dataDir = mkdtempSync(join(tmpdir(), 'kd-bt-contract-'));
  // the sizing is what `useProfile` runs take (the other runs size by their qty)
  writeFileSync(join(dataDir, 'profile.yaml'), 'strategies: []\nfeed:\n  backfillMinutes: 0\ntrading:\n  sizing:\n    default: { mode: fixed_qty, qty: 7 }\n');
  // an approved user strategy file (the approval store beside the database, as `serve` keeps it)
  mkdirSync(join(dataDir, 'strategies'), { mode: 0o700 });
  writeFileSync(join(dataDir, 'strategies', 'user_sma.mjs'), USER_SMA_SOURCE, { mode: 0o600 });
  writeFileSync(join(dataDir, 'strategy-approvals.json'), JSON.stringify({ version: 1, files: { 'user_sma.mjs': createHash('sha256').update(USER_SMA_SOURCE).digest('hex') } }), { mode: 0o600 });
  booted = bootEngine({ dataDir, configFile: join(dataDir, 'profile.yaml'), overrides: { simStart: '2026-11-20T10:00:00+05:30' }, log: () => {} });
  const [a, b] = createMemoryPair();
  booted.accept(a);
  client = new RpcClient(kiteDeskApi, { timeoutMs: 60_000 });
  client.attach(b);
});
afterAll(() => {
  booted.shutdown();
  rmSync(dataDir, { recursive: true, force: true });
});

async function refusal(p: Promise<unknown>): Promise<{ code: string; paths: string[]; message: string }> {
  try {
    await p;
  } catch (e) {
    expect(e).toBeInstanceOf(RpcError);
    const r = e as RpcError;
    const issues = (r.details as { issues?: { path?: unknown }[] } | undefined)?.issues ?? [];
    return { code: r.code, paths: issues.map((i) => String(i.path)), message: r.message };
  }
  throw new Error('expected a refusal, got an answer');
}

const base = { strategy: 'sma_crossover', params: { slow: 12 }, symbols: ['RELIANCE'], timeframe: '5m' as const, from: '2026-11-02', to: '2026-11-13', charges: false };
const wf = { mode: 'rolling' as const, inSampleDays: 6, outOfSampleDays: 2, metric: 'netReturn' as const, space: [{ param: 'fast', from: 3, to: 7, step: 2 }] };

describe('backtest.* walk-forward, sources and openReport over the contract', () => {
  it('refuses bad walk-forward payloads with INVALID_INPUT at the field', async () => {
    const bad = (walkForward: unknown) => refusal(client.call('backtest.run', { ...base, walkForward } as never));
    expect(await bad({ ...wf, mode: 'sliding' })).toMatchObject({ code: 'INVALID_INPUT', paths: ['walkForward.mode'] });
    expect(await bad({ ...wf, space: [] })).toMatchObject({ code: 'INVALID_INPUT', paths: ['walkForward.space'] });
    expect(await bad({ ...wf, inSampleDays: 0 })).toMatchObject({ code: 'INVALID_INPUT', paths: ['walkForward.inSampleDays'] });
    expect(await bad({ ...wf, inSampleDays: 11 })).toMatchObject({ code: 'INVALID_INPUT', paths: ['walkForward.inSampleDays'], message: expect.stringMatching(/too short/) });
    expect(await bad({ ...wf, extra: 1 })).toMatchObject({ code: 'INVALID_INPUT' });
    expect(await bad({ ...wf, space: [{ param: 'fast', from: 1, to: 500, step: 1 }] })).toMatchObject({ code: 'INVALID_INPUT', paths: ['walkForward.space'] });
    expect(await bad({ ...wf, space: [{ param: 'fast', from: 3, to: 7, step: 0 }] })).toMatchObject({ code: 'INVALID_INPUT' });
    // a swept value the strategy refuses: at its range, and nothing started
    expect(await bad({ ...wf, space: [{ param: 'fast', values: [3, 50] }] })).toMatchObject({ code: 'INVALID_INPUT', paths: ['walkForward.space.0'] });
    expect(await refusal(client.call('backtest.run', { ...base, strategy: 'nope', walkForward: wf }))).toMatchObject({ code: 'NOT_FOUND' });
    expect(await client.call('backtest.list', { limit: 10 })).toEqual([]);
  });

  it('backtest.sources answers the backtestable types and known folders; a payload with fields is refused', async () => {
    const s = await client.call('backtest.sources', {});
    expect(s.strategyTypes).toContain('sma_crossover');
    expect(s.folders).toEqual([]);
    expect(s.kite).toEqual({ available: false, reason: expect.stringMatching(/no Kite session/) });
    // a Kite run without a session is refused before it starts, at data.kind
    expect(await refusal(client.call('backtest.run', { ...base, params: { fast: 5 }, data: { kind: 'kite', exchange: 'NSE', interval: 'minute' } }))).toMatchObject({ code: 'UNAVAILABLE', paths: ['data.kind'] });
    expect(await refusal(client.call('backtest.run', { ...base, params: { fast: 5 }, data: { kind: 'kite', interval: '2minute' } } as never))).toMatchObject({ code: 'INVALID_INPUT', paths: ['data.interval'] });
    expect(await refusal(client.call('backtest.sources', { dir: '/' } as never))).toMatchObject({ code: 'INVALID_INPUT' });
  });

  it('backtest.openReport: a bad id is INVALID_INPUT, an unknown one NOT_FOUND; a host without windows is UNAVAILABLE; the desktop host gets the id', async () => {
    expect(await refusal(client.call('backtest.openReport', { id: '../../etc/passwd' }))).toMatchObject({ code: 'INVALID_INPUT', paths: ['id'] });
    expect(await refusal(client.call('backtest.openReport', { id: 'bt-none-0000' }))).toMatchObject({ code: 'NOT_FOUND' });
    const { id } = await client.call('backtest.run', { ...base, from: '2026-11-16', to: '2026-11-16', params: { fast: 5, slow: 12 } });
    expect(await refusal(client.call('backtest.openReport', { id }))).toMatchObject({ code: 'CONFLICT' });
    await new Promise<void>((resolve) => {
      const off = booted.backtests.onProgress((p) => {
        if (p.id === id && p.state !== 'running') {
          off();
          resolve();
        }
      });
    });
    expect(await refusal(client.call('backtest.openReport', { id }))).toMatchObject({ code: 'UNAVAILABLE' });
    const asked: string[] = [];
    booted.backtests.setReportOpener((x) => asked.push(x));
    expect(await client.call('backtest.openReport', { id })).toEqual({ opened: true });
    expect(asked).toEqual([id]);
  });
});

/** Resolves when run `id` has finished (done, failed or cancelled). */
function finished(id: string): Promise<string> {
  return new Promise((resolve) => {
    const off = booted.backtests.onProgress((p) => {
      if (p.id === id && p.state !== 'running') {
        off();
        resolve(p.state);
      }
    });
  });
}

describe('backtest.run with useProfile and with a user strategy file', () => {
  it('useProfile: a boolean (else INVALID_INPUT at useProfile); true takes the run profile’s sizing (qty 7), not the payload’s qty', async () => {
    expect(await refusal(client.call('backtest.run', { ...base, params: { fast: 5 }, useProfile: 'yes' } as never))).toMatchObject({ code: 'INVALID_INPUT', paths: ['useProfile'] });
    const run = async (useProfile: boolean) => {
      const { id } = await client.call('backtest.run', { ...base, from: '2026-11-16', to: '2026-11-17', params: { fast: 5, slow: 12 }, qty: 3, useProfile });
      expect(await finished(id)).toBe('done');
      return { report: await client.call('backtest.report', { id }), json: JSON.parse(readFileSync(join(booted.backtests.runDir(id), 'report.json'), 'utf8')) as { inputs: { overrides: { profile?: { sizing: unknown } } } } };
    };
    const withProfile = await run(true);
    expect(withProfile.report.trades.length).toBeGreaterThan(0);
    expect(new Set(withProfile.report.trades.map((t) => t.qty))).toEqual(new Set([7]));
    expect(withProfile.json.inputs.overrides.profile?.sizing).toEqual({ default: expect.objectContaining({ mode: 'fixed_qty', qty: 7 }) });
    const without = await run(false);
    expect(new Set(without.report.trades.map((t) => t.qty))).toEqual(new Set([3]));
    expect(without.json.inputs.overrides.profile).toBeUndefined();
  });

  it('an approved user strategy file is offered by backtest.sources and runs; its params are checked against the file’s schema', async () => {
    if (!booted.engine.strategies.userFiles().some((f) => f.type === 'user_sma')) {
      await new Promise<void>((resolve) => {
        const off = booted.engine.strategies.onUserFiles((files) => {
          if (files.some((f) => f.type === 'user_sma')) {
            off();
            resolve();
          }
        });
      });
    }
    expect((await client.call('backtest.sources', {})).strategyTypes).toContain('user_sma');
    expect(await refusal(client.call('backtest.run', { ...base, strategy: 'user_sma', params: { fast: 'x' } }))).toMatchObject({ code: 'INVALID_INPUT', paths: ['params.fast'] });
    const { id } = await client.call('backtest.run', { ...base, strategy: 'user_sma', from: '2026-11-16', to: '2026-11-17', params: { fast: 5, slow: 12 } });
    expect(await finished(id)).toBe('done');
    const rep = await client.call('backtest.report', { id });
    expect(rep.trades.length).toBeGreaterThan(0);
    expect(rep.run.input.strategy).toBe('user_sma');
  });

  it('strategy { kind: profile }: the engine’s enabled instances (a built-in and an approved user type) as one run, with per-instance attribution; walk-forward over the set is refused', async () => {
    await client.call('strategies.add', { id: 'set-sma', type: 'sma_crossover', params: { fast: 5, slow: 12 }, symbols: ['RELIANCE'], timeframe: '5m' });
    await client.call('strategies.add', { id: 'set-user', type: 'user_sma', params: { fast: 4, slow: 12 }, symbols: ['INFY'], timeframe: '5m' });
    try {
      const set = { strategy: { kind: 'profile' as const }, from: '2026-11-16', to: '2026-11-17', charges: false };
      expect(await refusal(client.call('backtest.run', { ...set, walkForward: wf }))).toMatchObject({ code: 'INVALID_INPUT', paths: ['walkForward'] });
      expect(await refusal(client.call('backtest.run', { ...set, strategy: { kind: 'all' } } as never))).toMatchObject({ code: 'INVALID_INPUT' });
      const { id } = await client.call('backtest.run', set);
      expect(await finished(id)).toBe('done');
      const rep = await client.call('backtest.report', { id });
      expect(rep.run.input).toMatchObject({ symbols: ['RELIANCE', 'INFY'], useProfile: true, strategy: { kind: 'profile', instances: [{ id: 'set-sma', type: 'sma_crossover', symbols: ['RELIANCE'] }, { id: 'set-user', type: 'user_sma', symbols: ['INFY'] }] } });
      expect(new Set(rep.trades.map((t) => t.strategy))).toEqual(new Set(['set-sma', 'set-user']));
      expect(rep.byStrategy.map((b) => b.strategy).sort()).toEqual(['set-sma', 'set-user']);
      expect(rep.byStrategy.reduce((n, b) => n + b.trades, 0)).toBe(rep.tradeCount);
      // the user file travelled with its approved sha256 (the worker re-checked it)
      const json = readFileSync(join(booted.backtests.runDir(id), 'report.json'), 'utf8');
      expect(json).toContain(createHash('sha256').update(USER_SMA_SOURCE).digest('hex'));
      const listed = (await client.call('backtest.list', { limit: 5 })).find((r) => r.id === id)!;
      expect(backtestStrategyLabel(listed.input.strategy)).toBe('profile (2 strategies)');
    } finally {
      await client.call('strategies.remove', { id: 'set-sma' });
      await client.call('strategies.remove', { id: 'set-user' });
    }
  });
});
