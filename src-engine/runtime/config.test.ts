import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { ConfigError, loadRunProfile, parseRunProfile } from './config.js';

describe('run profiles', () => {
  it('fills defaults for an empty profile: paper on the simulator', () => {
    const p = parseRunProfile('');
    expect(p.mode).toBe('paper');
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
});
