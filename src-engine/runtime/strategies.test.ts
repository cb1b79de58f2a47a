import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type Database from 'better-sqlite3';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { z } from 'zod';
import { ErrorCode, RpcError } from '../contract/errors.js';
import { openDatabase } from '../persistence/db.js';
import { DeferredWrites } from '../persistence/deferred-writes.js';
import { IntentJournal, SignalJournal } from '../persistence/journal-repo.js';
import { StrategyInstanceRepo } from '../persistence/strategy-repo.js';
import { WatchlistRepo } from '../persistence/watchlist-repo.js';
import { SIGNAL_COLUMNS, defineStrategy } from '../strategy/index.js';
import { parseRunProfile } from './config.js';
import { Engine } from './engine.js';

const PROFILE = `
feed: { backfillMinutes: 0, startTime: "2026-11-20T09:15:00+05:30" }
watchlist: [RELIANCE, INFY, TCS, SBIN]
strategies:
  - { id: ema, type: ema_crossover, params: { fast: 3, slow: 8 }, symbols: [RELIANCE, INFY, TCS, SBIN], timeframe: 1m }
  - { id: rsi, type: rsi_reversion, params: { period: 5, oversold: 35, overbought: 65 }, symbols: [RELIANCE, INFY, TCS, SBIN], timeframe: 1m }
  - { id: mom, type: momentum, params: { period: 3, threshold: 0.2 }, symbols: [RELIANCE, INFY], timeframe: 1m, weight: 2 }
  - { id: bb5, type: bollinger_reversion, symbols: [RELIANCE], timeframe: 5m, enabled: false }
`;

let dir: string;
let dbs: Database.Database[] = [];
beforeEach(() => {
  dir = mkdtempSync(join(tmpdir(), 'kd-strat-'));
});
afterEach(() => {
  for (const d of dbs) if (d.open) d.close();
  dbs = [];
  rmSync(dir, { recursive: true, force: true });
});

function boot(file = join(dir, 'k.sqlite'), profile = PROFILE) {
  const db = openDatabase(file);
  dbs.push(db);
  const engine = new Engine({
    profile: parseRunProfile(profile),
    watchlist: new WatchlistRepo(db),
    strategies: new StrategyInstanceRepo(db),
    signals: new SignalJournal(db),
    intents: new IntentJournal(db),
    autoStart: false,
  });
  return { db, engine, file };
}

describe('strategies in the engine', () => {
  it('seeds the store from the profile, fires on simulated bars and journals every signal', () => {
    const { db, engine } = boot();
    const list = engine.strategies.list();
    expect(list.instances.map((i) => [i.id, i.enabled, i.running])).toEqual([
      ['ema', true, true],
      ['rsi', true, true],
      ['mom', true, true],
      ['bb5', false, false],
    ]);
    expect(list.instances[0]!.params).toEqual({ fast: 3, slow: 8 });
    expect(list.instances[2]!.weight).toBe(2);
    expect(list.types.map((t) => t.type)).toContain('ema_crossover');
    const ema = list.types.find((t) => t.type === 'ema_crossover')!;
    expect(ema.paramsSchema).toMatchObject({ type: 'object', properties: { fast: { default: 9 }, slow: { default: 21 } } });

    const pushed: number[] = [];
    engine.strategies.onSignal((s) => pushed.push(s.id));
    engine.simulator.advance(45 * 60_000);
    expect(pushed.length).toBeGreaterThan(5);

    DeferredWrites.of(db).flush(); // signals are written with the turn's group commit
    const rows = db.prepare('SELECT * FROM signals ORDER BY id').all() as Record<string, unknown>[];
    expect(rows.map((r) => r['id'])).toEqual(pushed);
    for (const c of SIGNAL_COLUMNS) expect(Object.keys(rows[0]!)).toContain(c);
    const strategies = new Set(rows.map((r) => r['strategy']));
    expect(strategies.has('ema') || strategies.has('rsi')).toBe(true);
    expect(strategies.has('bb5')).toBe(false);
    const open = Date.parse('2026-11-20T09:15:00+05:30');
    for (const r of rows) {
      expect(['BUY', 'SELL']).toContain(r['side']);
      expect(Number.isInteger(r['price'])).toBe(true); // paise
      expect(r['price'] as number).toBeGreaterThan(10_000);
      expect(r['ts'] as number).toBeGreaterThan(open);
      expect(typeof JSON.parse(r['snapshot'] as string)).toBe('object');
    }
    const recent = engine.strategies.recentSignals(3);
    expect(recent.map((s) => s.id)).toEqual(pushed.slice(-3).reverse());
    expect(recent[0]!.pricePaise).toBe(rows[rows.length - 1]!['price']);
    // the journal is append-only
    expect(() => db.prepare('UPDATE signals SET side = ? WHERE id = ?').run('BUY', pushed[0])).toThrow(/append-only/);
    expect(() => db.prepare('DELETE FROM signals').run()).toThrow(/append-only/);
    // the ensemble's intents are journalled too (momentum weighs 2: alone it crosses the threshold)
    const intents = db.prepare('SELECT count(*) AS n FROM intents').get() as { n: number };
    expect(intents.n).toBeGreaterThan(0);
  });

  it('setEnabled and setParams are persisted and survive a reopen of the same database file', () => {
    const a = boot();
    const changes: string[] = [];
    a.engine.strategies.onChange((i) => changes.push(`${i.id}:${i.enabled}`));
    expect(a.engine.strategies.setEnabled('bb5', true)).toMatchObject({ id: 'bb5', enabled: true, running: true });
    expect(a.engine.strategies.setEnabled('rsi', false)).toMatchObject({ id: 'rsi', enabled: false, running: false });
    const p = a.engine.strategies.setParams('ema', { fast: 4, slow: 12 });
    expect(p).toMatchObject({ params: { fast: 4, slow: 12 }, running: true });
    // the run order (ensemble priority) is kept
    expect(a.engine.strategies.runner.status().map((s) => s.config.id)).toEqual(['ema', 'rsi', 'mom', 'bb5']);
    expect(changes).toEqual(['bb5:true', 'rsi:false', 'ema:true']);
    a.engine.stop();
    a.db.close();

    // a different profile does not override the stored state
    const b = boot(a.file, PROFILE.replace('fast: 3, slow: 8', 'fast: 2, slow: 30'));
    const byId = Object.fromEntries(b.engine.strategies.list().instances.map((i) => [i.id, i]));
    expect(byId['bb5']).toMatchObject({ enabled: true, running: true });
    expect(byId['rsi']).toMatchObject({ enabled: false, running: false });
    expect(byId['ema']!.params).toEqual({ fast: 4, slow: 12 });
  });

  it('seeds from the profile once: a database emptied on purpose stays empty after a restart', () => {
    const a = boot();
    const ids = a.engine.strategies.list().instances.map((i) => i.id);
    expect(ids.length).toBeGreaterThan(0);
    for (const id of ids) a.engine.strategies.remove(id);
    expect(a.engine.strategies.list().instances).toEqual([]);
    a.engine.stop();
    a.db.close();
    const b = boot(a.file);
    expect(b.engine.strategies.list().instances).toEqual([]);
  });

  it('refuses bad params with INVALID_INPUT naming the path, and changes nothing', () => {
    const { engine } = boot();
    const bad = (params: Record<string, unknown>) => {
      try {
        engine.strategies.setParams('ema', params);
      } catch (e) {
        return e as RpcError;
      }
      throw new Error('accepted');
    };
    const e1 = bad({ fast: 0 });
    expect(e1).toBeInstanceOf(RpcError);
    expect(e1.code).toBe(ErrorCode.INVALID_INPUT);
    expect(e1.message).toContain('params.fast');
    expect(e1.details).toMatchObject({ issues: [{ path: 'params.fast' }] });
    expect(bad({ fast: 30, slow: 10 }).details).toMatchObject({ issues: [{ path: 'params.fast', message: 'fast must be shorter than slow' }] });
    expect(bad({ nope: 1 }).code).toBe(ErrorCode.INVALID_INPUT);
    expect(engine.strategies.get('ema').params).toEqual({ fast: 3, slow: 8 });
    expect(() => engine.strategies.setEnabled('missing', true)).toThrow(expect.objectContaining({ code: ErrorCode.NOT_FOUND }));
  });

  it('a throwing instance is switched off and reported (persisted) while the others go on', () => {
    const file = join(dir, 'k.sqlite');
    // A stored instance of a type registered later (the user-strategy hook): a config error first.
    {
      const db = openDatabase(file);
      new StrategyInstanceRepo(db).replaceAll([
        { id: 'ema', type: 'ema_crossover', params: { fast: 3, slow: 8 }, symbols: ['RELIANCE', 'INFY'], timeframe: '1m', enabled: true },
        { id: 'boom', type: 'boom', params: {}, symbols: ['RELIANCE'], timeframe: '1m', enabled: true },
      ]);
      db.close();
    }
    const { db, engine } = boot(file);
    expect(engine.strategies.get('boom')).toMatchObject({ running: false, enabled: true, error: { hook: 'unloaded' } });
    expect(engine.strategies.get('boom').error!.message).toBe('type boom is not loaded (no file in <dataDir>/strategies defines it)');

    const changes: string[] = [];
    engine.strategies.onChange((i) => changes.push(`${i.id}:${i.running}:${i.error?.hook ?? ''}`));
    let bars = 0;
    engine.strategies.registerDefinition(
      defineStrategy({
        type: 'boom',
        description: 'throws on its third bar',
        params: z.strictObject({}),
        timeframes: ['1m'],
        warmup: 0,
        create: () => ({
          onBar() {
            if (++bars === 3) throw new Error('kaboom on bar 3');
          },
        }),
      }),
    );
    expect(engine.strategies.get('boom')).toMatchObject({ running: true, enabled: true });
    expect(engine.strategies.get('boom').error).toBeUndefined();

    const signals: string[] = [];
    engine.strategies.onSignal((s) => signals.push(s.strategy));
    engine.simulator.advance(40 * 60_000);
    const boom = engine.strategies.get('boom');
    expect(boom).toMatchObject({ enabled: false, running: false, error: { hook: 'onBar', symbol: 'RELIANCE', message: 'kaboom on bar 3' } });
    expect(changes).toContain('boom:false:onBar');
    expect(engine.strategies.get('ema')).toMatchObject({ running: true });
    expect(signals.filter((s) => s === 'ema').length).toBeGreaterThan(0);
    expect(engine.strategies.runner.errors.map((e) => e.instance)).toEqual(['boom']);
    // persisted: switched off with its message
    const stored = new StrategyInstanceRepo(db).list().find((r) => r.id === 'boom')!;
    expect(stored).toMatchObject({ enabled: false, lastError: { hook: 'onBar', message: 'kaboom on bar 3' } });
    // enabling again clears the error and rebuilds it
    expect(engine.strategies.setEnabled('boom', true)).toMatchObject({ enabled: true, running: true });
    expect(engine.strategies.get('boom').error).toBeUndefined();
  });

  it('strategies.add / remove: built-in and registered user types, typed errors, persisted across a reopen', () => {
    const file = join(dir, 'k.sqlite');
    const { db, engine } = boot(file);
    const changes: string[] = [];
    engine.strategies.onChange((i) => changes.push(`${i.id}:${i.running}:${i.removed ? 'removed' : ''}`));
    expect(engine.strategies.add({ id: 'ema2', type: 'ema_crossover', params: { fast: 4 }, symbols: ['TCS'], timeframe: '1m' })).toMatchObject({
      id: 'ema2',
      params: { fast: 4, slow: 21 },
      enabled: true,
      running: true,
    });
    engine.strategies.registerDefinition(
      defineStrategy({
        type: 'always_buy',
        description: 'BUY on every bar',
        params: z.strictObject({ size: z.number().int().min(1).default(1) }),
        timeframes: ['1m'],
        warmup: 0,
        create: (ctx) => ({ onBar: () => ctx.emit({ side: 'BUY', confidence: 0.5, reason: 'always' }) }),
      }),
    );
    expect(engine.strategies.add({ id: 'ab', type: 'always_buy', symbols: ['INFY'] })).toMatchObject({ type: 'always_buy', params: { size: 1 }, running: true });
    expect(changes).toEqual(['ema2:true:', 'ab:true:']);
    const signals: string[] = [];
    engine.strategies.onSignal((s) => signals.push(s.strategy));
    engine.simulator.advance(3 * 60_000);
    expect(signals).toContain('ab');

    const err = (f: () => unknown) => {
      try {
        f();
      } catch (e) {
        return e as RpcError;
      }
      throw new Error('did not throw');
    };
    const bad = err(() => engine.strategies.add({ id: 'x', type: 'ema_crossover', params: { fast: 0 }, symbols: ['TCS'] }));
    expect(bad).toBeInstanceOf(RpcError);
    expect(bad.code).toBe(ErrorCode.INVALID_INPUT);
    expect(bad.details).toMatchObject({ issues: [{ path: 'params.fast' }] });
    expect(err(() => engine.strategies.add({ id: 'x', type: 'always_buy', params: { size: 'big' }, symbols: ['TCS'] })).details).toMatchObject({
      issues: [{ path: 'params.size' }],
    });
    expect(err(() => engine.strategies.add({ id: 'ema', type: 'ema_crossover', symbols: ['TCS'] })).details).toMatchObject({ issues: [{ path: 'id' }] });
    expect(err(() => engine.strategies.add({ id: 'x', type: 'nope', symbols: ['TCS'] })).code).toBe(ErrorCode.NOT_FOUND);
    expect(err(() => engine.strategies.add({ id: 'x', type: 'ema_crossover', symbols: ['TCS', 'NOSUCH'] })).code).toBe(ErrorCode.NOT_FOUND);
    expect(err(() => engine.strategies.remove('nope')).code).toBe(ErrorCode.NOT_FOUND);
    expect(engine.strategies.list().instances.map((i) => i.id)).toEqual(['ema', 'rsi', 'mom', 'bb5', 'ema2', 'ab']);

    expect(engine.strategies.remove('rsi')).toMatchObject({ id: 'rsi', removed: true, running: false });
    expect(changes.at(-1)).toBe('rsi:false:removed');
    expect(engine.strategies.runner.status().some((s) => s.config.id === 'rsi')).toBe(false);
    engine.stop();
    db.close();

    // reopen: the user type is not loaded yet, so its instance waits with an error until it is registered
    const again = boot(file).engine;
    expect(again.strategies.list().instances.map((i) => i.id)).toEqual(['ema', 'mom', 'bb5', 'ema2', 'ab']);
    expect(again.strategies.get('ema2')).toMatchObject({ params: { fast: 4, slow: 21 }, running: true });
    expect(again.strategies.get('ab')).toMatchObject({ enabled: true, running: false, error: { hook: 'unloaded' } });
    again.stop();
  });

  it('a profile instance of a user type that is not loaded stays off with a clear error, then starts when the type registers', () => {
    const profile = `
feed: { backfillMinutes: 0, startTime: "2026-11-20T09:15:00+05:30" }
strategies:
  - { id: ema, type: ema_crossover, symbols: [RELIANCE] }
  - { id: mine, type: my_buyer, params: { conf: 0.7 }, symbols: [INFY], timeframe: 1m }
`;
    const db = openDatabase(join(dir, 'k.sqlite'));
    dbs.push(db);
    const engine = new Engine({
      profile: parseRunProfile(profile),
      watchlist: new WatchlistRepo(db),
      strategies: new StrategyInstanceRepo(db),
      autoStart: false,
      userStrategiesDir: '/data/strategies',
    });
    expect(engine.strategies.get('mine')).toMatchObject({ enabled: true, running: false, params: { conf: 0.7 } });
    expect(engine.strategies.get('mine').error).toMatchObject({ hook: 'unloaded', message: 'type my_buyer is not loaded (no file in /data/strategies defines it)' });
    expect(engine.strategies.get('ema')).toMatchObject({ running: true });
    const def = defineStrategy({
      type: 'my_buyer',
      description: 'BUY on every bar',
      params: z.strictObject({ conf: z.number().min(0).max(1).default(0.5) }),
      timeframes: ['1m'],
      warmup: 0,
      create: (ctx) => ({ onBar: () => ctx.emit({ side: 'BUY', confidence: ctx.params.conf, reason: 'always' }) }),
    });
    engine.strategies.registerDefinition(def);
    expect(engine.strategies.get('mine')).toMatchObject({ running: true, params: { conf: 0.7 } });
    expect(engine.strategies.get('mine').error).toBeUndefined();
    const confs: number[] = [];
    engine.strategies.onSignal((s) => s.strategy === 'mine' && confs.push(s.confidence));
    engine.simulator.advance(3 * 60_000);
    expect(confs[0]).toBe(0.7);
    // file gone and back: off with an error, then on again
    engine.strategies.unregisterDefinition('my_buyer', 'mine.mjs');
    expect(engine.strategies.get('mine')).toMatchObject({ running: false, error: { hook: 'unloaded' } });
    engine.strategies.registerDefinition(def);
    expect(engine.strategies.get('mine')).toMatchObject({ running: true });
    engine.stop();
  });
});
