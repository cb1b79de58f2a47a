import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type Database from 'better-sqlite3';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { ErrorCode, RpcError } from '../contract/errors.js';
import { ensembleInfoSchema } from '../contract/ensemble-schemas.js';
import { openDatabase } from '../persistence/db.js';
import { StrategyInstanceRepo } from '../persistence/strategy-repo.js';
import { WatchlistRepo } from '../persistence/watchlist-repo.js';
import type { Side, Vote } from '../strategy/index.js';
import { parseRunProfile } from './config.js';
import { Engine } from './engine.js';
import type { LogFn } from './logger.js';

const PROFILE = `
feed: { backfillMinutes: 0, startTime: "2026-11-20T09:15:00+05:30" }
watchlist: [RELIANCE, INFY]
ensemble: { buyThreshold: 0.4, sellThreshold: -0.4, conflict: priority, weights: { vwap: 2 } }
strategies: []
`;

let dir: string;
let dbs: Database.Database[] = [];
beforeEach(() => {
  dir = mkdtempSync(join(tmpdir(), 'kd-ens-'));
});
afterEach(() => {
  for (const d of dbs) if (d.open) d.close();
  dbs = [];
  rmSync(dir, { recursive: true, force: true });
});

function boot(profile = PROFILE, logs: string[] = []) {
  const db = openDatabase(join(dir, 'k.sqlite'));
  dbs.push(db);
  const log: LogFn = (level, message, fields) => void logs.push(`${level}: ${message} ${JSON.stringify(fields ?? {})}`);
  const engine = new Engine({ profile: parseRunProfile(profile), watchlist: new WatchlistRepo(db), strategies: new StrategyInstanceRepo(db), autoStart: false, log });
  return { db, engine };
}

let seq = 0;
const vote = (side: Side, confidence: number, symbol = 'RELIANCE'): Vote => ({
  signal: { ts: 1, symbol, strategy: `s${seq++}`, type: 't', side, confidence, reason: '', price: 100, timeframe: '1m', barTime: 0, snapshot: {} },
  weight: 1,
  priority: seq,
});

function refusal(f: () => unknown): { code: string; paths: string[] } {
  try {
    f();
  } catch (e) {
    if (!(e instanceof RpcError)) throw e;
    const issues = (e.details as { issues: { path: string }[] }).issues;
    return { code: e.code, paths: issues.map((i) => i.path) };
  }
  throw new Error('not refused');
}

describe('the ensemble settings (ensemble.get / ensemble.set)', () => {
  it('start from the run profile; the form schema has every editable key with the profile value as default', () => {
    const { engine } = boot();
    const info = engine.strategies.ensembleInfo();
    expect(ensembleInfoSchema.parse(info)).toEqual(info);
    expect(info.settings).toEqual({ buyThreshold: 0.4, sellThreshold: -0.4, conflict: 'priority', conflictBySymbol: {} });
    expect(info.profile).toEqual(info.settings);
    expect(info.overrides).toEqual({});
    expect(info.weights).toMatchObject({ vwap: 2, supertrend: 1.2 });
    const props = info.schema['properties'] as Record<string, Record<string, unknown>>;
    expect(Object.keys(props)).toEqual(['buyThreshold', 'sellThreshold', 'conflict', 'conflictBySymbol']);
    expect(props['buyThreshold']).toMatchObject({ type: 'number', minimum: -1, maximum: 1, default: 0.4 });
    expect(props['conflict']).toMatchObject({ enum: ['highest_confidence', 'priority', 'net_out'], default: 'priority' });
  });

  it('refuses bad settings with the path of each, and changes nothing', () => {
    const { engine } = boot();
    expect(refusal(() => engine.strategies.setEnsemble({ buyThreshold: 2 }))).toEqual({ code: ErrorCode.INVALID_INPUT, paths: ['settings.buyThreshold'] });
    expect(refusal(() => engine.strategies.setEnsemble({ buyThreshold: 'high' }))).toEqual({ code: ErrorCode.INVALID_INPUT, paths: ['settings.buyThreshold'] });
    expect(refusal(() => engine.strategies.setEnsemble({ conflict: 'loudest' })).paths).toEqual(['settings.conflict']);
    expect(refusal(() => engine.strategies.setEnsemble({ weights: { vwap: 1 } })).paths).toEqual(['settings.weights']);
    expect(refusal(() => engine.strategies.setEnsemble({ conflictBySymbol: { 'reliance!': 'priority' } })).paths[0]).toMatch(/^settings\.conflictBySymbol/);
    // the merged settings: a sell threshold above the (profile's) buy threshold
    expect(refusal(() => engine.strategies.setEnsemble({ sellThreshold: 0.5 })).paths).toEqual(['settings.sellThreshold']);
    expect(engine.strategies.ensembleInfo().settings).toEqual({ buyThreshold: 0.4, sellThreshold: -0.4, conflict: 'priority', conflictBySymbol: {} });
  });

  it('a good change takes effect on the next vote and persists across a restart; keys left out take the profile’s', () => {
    const a = boot();
    const ens = a.engine.strategies.runner.ensemble;
    expect(ens.decide('RELIANCE', [vote('BUY', 0.5)], 1, '1m')?.side).toBe('BUY');
    const info = a.engine.strategies.setEnsemble({ buyThreshold: 0.6, conflictBySymbol: { INFY: 'net_out' } });
    expect(info.settings).toEqual({ buyThreshold: 0.6, sellThreshold: -0.4, conflict: 'priority', conflictBySymbol: { INFY: 'net_out' } });
    expect(info.overrides).toEqual({ buyThreshold: 0.6, conflictBySymbol: { INFY: 'net_out' } });
    expect(ens.decide('RELIANCE', [vote('BUY', 0.5)], 2, '1m')).toBeUndefined();
    expect(ens.conflictModeOf('INFY')).toBe('net_out');
    expect(ens.weightOf('vwap')).toBe(2); // weights stay the profile's
    a.db.close();

    const b = boot();
    expect(b.engine.strategies.ensembleInfo().settings).toEqual({ buyThreshold: 0.6, sellThreshold: -0.4, conflict: 'priority', conflictBySymbol: { INFY: 'net_out' } });
    expect(b.engine.strategies.runner.ensemble.decide('RELIANCE', [vote('BUY', 0.5)], 3, '1m')).toBeUndefined();
    // an empty change: back to the profile
    expect(b.engine.strategies.setEnsemble({}).settings).toEqual({ buyThreshold: 0.4, sellThreshold: -0.4, conflict: 'priority', conflictBySymbol: {} });
  });

  it('stored settings that no longer fit the profile are logged and left unused', () => {
    const a = boot();
    a.engine.strategies.setEnsemble({ sellThreshold: 0.3 });
    a.db.close();
    const logs: string[] = [];
    const b = boot(PROFILE.replace('buyThreshold: 0.4', 'buyThreshold: 0.2'), logs);
    expect(b.engine.strategies.ensembleInfo().settings.sellThreshold).toBe(-0.4);
    expect(logs.join('\n')).toMatch(/warn: stored ensemble settings ignored.*sellThreshold/);
  });
});
