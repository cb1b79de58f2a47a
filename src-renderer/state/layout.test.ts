import { describe, expect, it } from 'vitest';
import { COMPACT_BREAKPOINT_PX, LAYOUT_MODE_KEY, isCompact, loadLayoutMode, parseLayoutMode, saveLayoutMode, toggledMode } from './layout.js';

const narrow = COMPACT_BREAKPOINT_PX - 1;
const wide = COMPACT_BREAKPOINT_PX;

function memory(): Pick<Storage, 'getItem' | 'setItem'> & { m: Map<string, string> } {
  const m = new Map<string, string>();
  return { m, getItem: (k) => m.get(k) ?? null, setItem: (k, v) => void m.set(k, v) };
}

describe('layout mode', () => {
  it('is compact below the breakpoint when automatic, and as chosen otherwise', () => {
    expect(isCompact('auto', narrow)).toBe(true);
    expect(isCompact('auto', wide)).toBe(false);
    expect(isCompact('full', narrow)).toBe(false);
    expect(isCompact('compact', wide)).toBe(true);
  });

  it('the toggle shows the other layout, and goes back to automatic when that is what the width gives', () => {
    expect(toggledMode('auto', narrow)).toBe('full');
    expect(toggledMode('auto', wide)).toBe('compact');
    expect(toggledMode('full', narrow)).toBe('auto');
    expect(toggledMode('compact', wide)).toBe('auto');
    // an override that no longer differs from the width's layout still flips what is shown
    expect(toggledMode('full', wide)).toBe('compact');
    expect(toggledMode('compact', narrow)).toBe('full');
  });

  it('is remembered in storage; anything unknown reads as automatic', () => {
    const s = memory();
    expect(loadLayoutMode(s)).toBe('auto');
    saveLayoutMode('compact', s);
    expect(s.m.get(LAYOUT_MODE_KEY)).toBe('compact');
    expect(loadLayoutMode(s)).toBe('compact');
    expect(parseLayoutMode('wide')).toBe('auto');
    expect(parseLayoutMode(null)).toBe('auto');
    const throwing = { getItem: () => { throw new Error('denied'); }, setItem: () => { throw new Error('denied'); } };
    expect(loadLayoutMode(throwing)).toBe('auto');
    expect(() => saveLayoutMode('full', throwing)).not.toThrow();
  });
});
