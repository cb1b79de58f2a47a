import { useSyncExternalStore } from 'react';
import { create } from 'zustand';

/**
 * The workspace layout: resizable panes (react-resizable-panels, sizes kept in localStorage by the
 * library under `react-resizable-panels:<group id>`; the same renderer code in the desktop window and in
 * `serve`) and a compact mode for small screens. Compact is automatic below COMPACT_BREAKPOINT_PX of
 * window width; the status bar's toggle overrides it, and the override is remembered here.
 */

/** Below this window width (CSS px) the automatic layout is compact. */
export const COMPACT_BREAKPOINT_PX = 1100;

export type LayoutMode = 'auto' | 'full' | 'compact';

export const LAYOUT_MODE_KEY = 'kitedesk.layout.mode';

/** The group ids the panes' sizes are saved under (one localStorage entry per group). */
export const LAYOUT_GROUPS = {
  workspace: 'kd-workspace',
  mainColumn: 'kd-main-column',
  chartRow: 'kd-chart-row',
  compact: 'kd-compact',
} as const;

type Store = Pick<Storage, 'getItem' | 'setItem'>;

export function parseLayoutMode(raw: string | null | undefined): LayoutMode {
  return raw === 'full' || raw === 'compact' ? raw : 'auto';
}

export function autoCompact(windowWidth: number): boolean {
  return windowWidth < COMPACT_BREAKPOINT_PX;
}

export function isCompact(mode: LayoutMode, windowWidth: number): boolean {
  return mode === 'auto' ? autoCompact(windowWidth) : mode === 'compact';
}

/**
 * The mode after the toggle: the opposite of what is shown now; when that is what the width would give
 * anyway, back to 'auto' (so the breakpoint applies again after a resize).
 */
export function toggledMode(mode: LayoutMode, windowWidth: number): LayoutMode {
  const next = !isCompact(mode, windowWidth);
  if (next === autoCompact(windowWidth)) return 'auto';
  return next ? 'compact' : 'full';
}

function storage(): Store | undefined {
  try {
    return globalThis.localStorage;
  } catch {
    return undefined; // storage denied (e.g. an opaque origin): the layout just is not remembered
  }
}

export function loadLayoutMode(s: Store | undefined = storage()): LayoutMode {
  try {
    return parseLayoutMode(s?.getItem(LAYOUT_MODE_KEY));
  } catch {
    return 'auto';
  }
}

export function saveLayoutMode(mode: LayoutMode, s: Store | undefined = storage()): void {
  try {
    s?.setItem(LAYOUT_MODE_KEY, mode);
  } catch {
    // quota or denied storage: the choice lasts for this page only
  }
}

interface LayoutState {
  mode: LayoutMode;
  setMode(mode: LayoutMode): void;
}

export const useLayoutStore = create<LayoutState>((set) => ({
  mode: loadLayoutMode(),
  setMode(mode) {
    saveLayoutMode(mode);
    set({ mode });
  },
}));

function subscribeWidth(cb: () => void): () => void {
  window.addEventListener('resize', cb);
  return () => window.removeEventListener('resize', cb);
}

/** The window's width, re-rendering on resize. */
export function useWindowWidth(): number {
  return useSyncExternalStore(subscribeWidth, () => window.innerWidth, () => COMPACT_BREAKPOINT_PX);
}

/** Whether the workspace shows its compact layout now. */
export function useCompact(): boolean {
  const mode = useLayoutStore((s) => s.mode);
  return isCompact(mode, useWindowWidth());
}
