import { CHART_TIMEFRAMES } from './timeframes.js';
import type { Timeframe } from '../../src-engine/contract/schemas.js';

/**
 * Keyboard shortcuts: one key map for the handler and the help overlay. Single keys, no modifier but
 * Shift (for the two that act on every order); ignored while typing in a field or with a dialog open.
 */
export type ShortcutAction =
  | { kind: 'search' }
  | { kind: 'buy' }
  | { kind: 'sell' }
  | { kind: 'cancel-all' }
  | { kind: 'kill-switch' }
  | { kind: 'timeframe'; tf: Timeframe }
  | { kind: 'help' };

export interface Shortcut {
  key: string;
  label: string;
  action: ShortcutAction;
}

export const SHORTCUTS: readonly Shortcut[] = [
  { key: '/', label: 'Find a symbol (the watchlist’s add box)', action: { kind: 'search' } },
  { key: 'b', label: 'Buy: the ticket on BUY, quantity focused', action: { kind: 'buy' } },
  { key: 's', label: 'Sell: the ticket on SELL, quantity focused', action: { kind: 'sell' } },
  { key: 'C', label: 'Cancel all open orders (asks first)', action: { kind: 'cancel-all' } },
  { key: 'K', label: 'Kill switch (asks first)', action: { kind: 'kill-switch' } },
  ...CHART_TIMEFRAMES.map((t, i) => ({ key: String(i + 1), label: `Chart timeframe ${t.label}`, action: { kind: 'timeframe' as const, tf: t.tf } })),
  { key: '?', label: 'This help', action: { kind: 'help' } },
];

export interface KeyLike {
  key: string;
  ctrlKey: boolean;
  metaKey: boolean;
  altKey: boolean;
  /** The focused element's tag (INPUT, SELECT, TEXTAREA…) and whether it is editable. */
  targetTag?: string;
  targetEditable?: boolean;
  /** A modal dialog is open: its own keys (Escape, Enter) win. */
  dialogOpen?: boolean;
}

/** The action for a key press, or null when the press is not a shortcut here. */
export function shortcutFor(e: KeyLike): ShortcutAction | null {
  if (e.ctrlKey || e.metaKey || e.altKey || e.dialogOpen) return null;
  if (e.targetEditable || (e.targetTag !== undefined && ['INPUT', 'SELECT', 'TEXTAREA'].includes(e.targetTag))) return null;
  return SHORTCUTS.find((s) => s.key === e.key)?.action ?? null;
}
