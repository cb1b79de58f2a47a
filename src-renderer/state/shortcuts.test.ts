import { describe, expect, it } from 'vitest';
import { SHORTCUTS, shortcutFor } from './shortcuts.js';

const key = (k: string, over: object = {}) => ({ key: k, ctrlKey: false, metaKey: false, altKey: false, ...over });

describe('keyboard shortcuts', () => {
  it('maps the keys to their actions; timeframe keys follow the picker', () => {
    expect(shortcutFor(key('b'))).toEqual({ kind: 'buy' });
    expect(shortcutFor(key('s'))).toEqual({ kind: 'sell' });
    expect(shortcutFor(key('/'))).toEqual({ kind: 'search' });
    expect(shortcutFor(key('K'))).toEqual({ kind: 'kill-switch' });
    expect(shortcutFor(key('k'))).toBeNull(); // the kill switch needs Shift
    expect(shortcutFor(key('C'))).toEqual({ kind: 'cancel-all' });
    expect(shortcutFor(key('1'))).toEqual({ kind: 'timeframe', tf: '1m' });
    expect(shortcutFor(key('7'))).toEqual({ kind: 'timeframe', tf: 'day' });
    expect(shortcutFor(key('?'))).toEqual({ kind: 'help' });
    expect(shortcutFor(key('x'))).toBeNull();
  });
  it('never while typing, with a modifier, or under a dialog', () => {
    expect(shortcutFor(key('b', { targetTag: 'INPUT' }))).toBeNull();
    expect(shortcutFor(key('b', { targetTag: 'SELECT' }))).toBeNull();
    expect(shortcutFor(key('b', { targetEditable: true }))).toBeNull();
    expect(shortcutFor(key('b', { ctrlKey: true }))).toBeNull();
    expect(shortcutFor(key('K', { dialogOpen: true }))).toBeNull();
  });
  it('every key is listed once', () => {
    expect(new Set(SHORTCUTS.map((s) => s.key)).size).toBe(SHORTCUTS.length);
  });
});
