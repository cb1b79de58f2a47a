import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { ConfigError, loadRunProfile, parseRunProfile } from './config.js';

describe('run profiles', () => {
  it('fills defaults for an empty profile: paper on the simulator', () => {
    const p = parseRunProfile('');
    expect(p.mode).toBe('paper');
    expect(parseRunProfile('mode: shadow\n').mode).toBe('shadow');
    expect(p.feed).toMatchObject({ kind: 'simulator', speed: 1 });
    expect(p.watchlist.length).toBeGreaterThan(0);
  });

  it('reads the values it is given', () => {
    const p = parseRunProfile('feed:\n  speed: 60\n  seed: 7\nwatchlist: [TCS, M&M]\n');
    expect(p.feed.speed).toBe(60);
    expect(p.feed.seed).toBe(7);
    expect(p.watchlist).toEqual(['TCS', 'M&M']);
  });

  it('names the file and every bad key path', () => {
    let err: unknown;
    try {
      parseRunProfile('mode: live\nfeed:\n  speed: 0\nwatchlist: [tcs]\nextra: true\n', 'my.yaml');
    } catch (e) {
      err = e;
    }
    expect(err).toBeInstanceOf(ConfigError);
    const m = (err as Error).message;
    expect(m).toMatch(/^my\.yaml: /);
    for (const k of ['mode', 'feed.speed', 'watchlist.0', 'extra']) expect(m).toContain(k);
  });

  it('validates strategies with the strategy schemas, naming the YAML key path', () => {
    const ok = parseRunProfile('strategies:\n  - { id: a, type: ema_crossover, params: { fast: 5, slow: 13 }, symbols: [TCS], timeframe: 1m }\nensemble: { conflict: priority }\n');
    expect(ok.strategies).toEqual([{ id: 'a', type: 'ema_crossover', params: { fast: 5, slow: 13 }, symbols: ['TCS'], timeframe: '1m', enabled: true }]);
    expect(ok.ensemble).toMatchObject({ conflict: 'priority', buyThreshold: 0.3 });
    expect(parseRunProfile('').ensemble).toMatchObject({ conflict: 'net_out', sellThreshold: -0.3 });
    let m = '';
    try {
      parseRunProfile(
        [
          'strategies:',
          '  - { id: a, type: ema_crossover, symbols: [TCS] }',
          '  - { id: b, type: Not-A-Type, symbols: [TCS] }',
          '  - { id: c, type: ema_crossover, params: { fast: 0 }, symbols: [TCS] }',
          '  - { id: a, type: rsi_reversion, symbols: [TCS], timeframe: 2m, colour: red }',
          'ensemble: { conflict: loudest }',
        ].join('\n'),
        's.yaml',
      );
    } catch (e) {
      m = (e as Error).message;
    }
    expect(m).toMatch(/^s\.yaml: invalid run profile/);
    expect(m).toContain('strategies.1.type: unknown strategy type "Not-A-Type"');
    expect(m).toContain('strategies.2.params.fast: ');
    expect(m).toContain('strategies.3.timeframe');
    expect(m).toContain('strategies.3');
    expect(m).toContain('ensemble.conflict');
  });

  it('accepts a type that is not built in (a user strategy from the data dir) with the other checks intact', () => {
    const ok = parseRunProfile('strategies:\n  - { id: u, type: my_breakout, params: { lookback: 20 }, symbols: [TCS, INFY], timeframe: 5m }\n');
    expect(ok.strategies).toEqual([{ id: 'u', type: 'my_breakout', params: { lookback: 20 }, symbols: ['TCS', 'INFY'], timeframe: '5m', enabled: true }]);
    let m = '';
    try {
      parseRunProfile(
        [
          'strategies:',
          '  - { id: u, type: my_breakout, symbols: [TCS, TCS] }',
          '  - { id: v, type: my_breakout, symbols: [TCS], colour: red }',
          '  - { id: c, type: ema_crossover, params: { fast: 0 }, symbols: [TCS] }',
          '  - { id: u, type: my_breakout, symbols: [INFY] }',
        ].join('\n'),
        'u.yaml',
      );
    } catch (e) {
      m = (e as Error).message;
    }
    expect(m).toContain('strategies.0.symbols: duplicate symbol(s) TCS');
    expect(m).toContain('strategies.1');
    expect(m).toContain('strategies.2.params.fast: ');
    expect(m).toContain('strategies.3.id: duplicate instance id "u"');
  });

  it('accepts the shipped paper profile with its strategy set', () => {
    const p = loadRunProfile(join(import.meta.dirname, '../../configs/paper.yaml'));
    expect(p.strategies.length).toBeGreaterThanOrEqual(4);
    expect(new Set(p.strategies.map((s) => s.timeframe))).toEqual(new Set(['1m', '5m', '15m']));
    // no strategies key = the same set; an empty list runs none
    expect(parseRunProfile('').strategies).toEqual(p.strategies);
    expect(parseRunProfile('strategies: []').strategies).toEqual([]);
  });

  it('reports YAML syntax errors with a line number', () => {
    expect(() => parseRunProfile('feed:\n  speed: [1, 2\nmode: paper\n', 'x.yaml')).toThrow(/x\.yaml: invalid YAML at line \d+/);
  });

  it('reports an unreadable file by name', () => {
    expect(() => loadRunProfile('/nonexistent/kitedesk.yaml')).toThrow(/\/nonexistent\/kitedesk\.yaml: cannot read: ENOENT/);
  });

  it('loads a file from disk', () => {
    const dir = mkdtempSync(join(tmpdir(), 'kd-cfg-'));
    const f = join(dir, 'p.yaml');
    writeFileSync(f, 'feed:\n  speed: 2\n');
    expect(loadRunProfile(f).feed.speed).toBe(2);
  });

  it('reads the universe section: NIFTY50 with a soft cap of 30 by default, keys merged over it, errors by key path', () => {
    expect(parseRunProfile('').universe).toEqual({ seed: 'NIFTY50', minPricePaise: 0, softCap: 30 });
    expect(parseRunProfile('universe:\n  softCap: 12\n  include: [TCS]\n').universe).toEqual({ seed: 'NIFTY50', minPricePaise: 0, softCap: 12, include: ['TCS'] });
    expect(parseRunProfile('universe:\n  seed: custom\n  symbols: [TCS, INFY]\n').universe.symbols).toEqual(['TCS', 'INFY']);
    const bad = (yaml: string): string => {
      try {
        parseRunProfile(yaml, 'u.yaml');
      } catch (e) {
        return (e as Error).message;
      }
      throw new Error('accepted');
    };
    expect(bad('universe:\n  softCap: 0\n')).toContain('universe.softCap: ');
    expect(bad('universe:\n  seed: NIFTY500\n')).toContain('universe.seed: ');
    expect(bad('universe:\n  seed: custom\n')).toContain('universe.symbols: ');
    expect(bad('universe:\n  include: [TCS]\n  exclude: [TCS]\n')).toContain('universe.exclude: ');
    expect(bad('universe:\n  cap: 3\n')).toContain('universe: ');
    expect(bad('universe: 5\n')).toContain('universe: ');
  });

  it('feed.kind: `feed: { kind: kite }` alone is a whole feed, replay needs its dir, dir is for replay only', () => {
    expect(parseRunProfile('').feed).toMatchObject({ kind: 'simulator', speed: 1, backfillMinutes: 60 });
    expect(parseRunProfile('feed: { kind: kite }\n').feed).toEqual({ kind: 'kite', speed: 1, seed: 20261121, ticksPerSecond: 150, backfillMinutes: 60, clockToleranceMs: 120_000 });
    expect(parseRunProfile('feed: { kind: replay, dir: /data/candles }\n').feed).toMatchObject({ kind: 'replay', dir: '/data/candles' });
    expect(() => parseRunProfile('feed: { kind: replay }\n', 'r.yaml')).toThrow(/r\.yaml: invalid run profile:\n {2}feed\.dir: a replay feed needs `dir`/);
    expect(() => parseRunProfile('feed: { kind: kite, dir: x }\n', 'k.yaml')).toThrow(/feed\.dir: `dir` is for feed\.kind replay, not kite/);
    expect(() => parseRunProfile('feed: { kind: upstox }\n', 'u.yaml')).toThrow(/feed\.kind: /);
  });
});
