import { create } from 'zustand';
import type { EngineStatus } from '../../src-engine/contract/schemas.js';
import type { OrderDto, RiskDecisionDto, RiskStatus } from '../../src-engine/contract/trading-schemas.js';
import { formatPaise } from '../format/format.js';

/**
 * Notifications: what happened while the trader looked elsewhere. Detected in the renderer from the
 * streams it already follows (orders, risk decisions, risk status, engine status), kept in an in-app
 * list, and shown as desktop notifications for the kinds the user chose (the browser Notification API,
 * which Electron turns into native notifications; asked for on first use). Detectors are pure.
 */
export type NotificationKind = 'fill' | 'rejection' | 'risk-block' | 'halt' | 'kill-switch' | 'feed-stale' | 'session-expired';

export const NOTIFICATION_KINDS: { kind: NotificationKind; label: string }[] = [
  { kind: 'fill', label: 'Fills' },
  { kind: 'rejection', label: 'Rejections' },
  { kind: 'risk-block', label: 'Risk blocks of my orders' },
  { kind: 'halt', label: 'Halts' },
  { kind: 'kill-switch', label: 'Kill switch' },
  { kind: 'feed-stale', label: 'Feed stale' },
  { kind: 'session-expired', label: 'Kite session expired' },
];

export interface AppNotification {
  id: number;
  kind: NotificationKind;
  ts: number;
  title: string;
  body: string;
  tone: 'up' | 'down' | 'warn' | 'info';
}
type Draft = Omit<AppNotification, 'id' | 'ts'>;

// ---------------------------------------------------------------- detectors (pure)

/** A fill (filled quantity grew) or a rejection, from an order's previous and new state. */
export function fromOrder(prev: Pick<OrderDto, 'filledQty' | 'status'> | undefined, next: OrderDto): Draft[] {
  const out: Draft[] = [];
  const before = prev?.filledQty ?? 0;
  if (next.filledQty > before) {
    const qty = next.filledQty - before;
    out.push({
      kind: 'fill',
      title: `${next.side} ${qty} ${next.symbol} filled`,
      body: `at ₹${formatPaise(next.avgPricePaise)} avg · ${next.filledQty}/${next.qty} · ${next.strategy} · ${next.broker}`,
      tone: next.side === 'BUY' ? 'up' : 'down',
    });
  }
  if (next.status === 'REJECTED' && prev?.status !== 'REJECTED') {
    out.push({ kind: 'rejection', title: `${next.side} ${next.qty} ${next.symbol} rejected`, body: next.statusMessage ?? 'no reason given', tone: 'down' });
  }
  return out;
}

/** A person's order blocked by risk (machine orders are blocked all day long by design: not notified). */
export function fromDecision(d: RiskDecisionDto): Draft[] {
  if (d.source !== 'manual' || (d.action !== 'BLOCK' && d.action !== 'HALT_SESSION')) return [];
  return [{ kind: 'risk-block', title: `${d.side} ${d.qty} ${d.symbol} blocked by risk`, body: `${d.rule ?? d.action}${d.message ? `: ${d.message}` : ''}`, tone: 'warn' }];
}

export function fromRisk(prev: RiskStatus | null, next: RiskStatus): Draft[] {
  const out: Draft[] = [];
  if (!prev) return out; // the first snapshot is the state as found, not news
  if (next.halted && !prev.halted) out.push({ kind: 'halt', title: 'Trading halted', body: next.haltReason ?? 'no reason given', tone: 'warn' });
  if (next.killSwitch && !prev.killSwitch) out.push({ kind: 'kill-switch', title: 'Kill switch engaged', body: next.killReason ?? 'all new orders blocked', tone: 'down' });
  return out;
}

/** The feed going quiet while the market is open; the Kite session expiring. */
export function fromStatus(prev: EngineStatus | null, next: EngineStatus): Draft[] {
  const out: Draft[] = [];
  if (!prev) return out;
  const open = next.tradingDay?.phase === 'open';
  if (open && next.ticksPerSec === 0 && prev.ticksPerSec > 0) {
    out.push({ kind: 'feed-stale', title: 'Feed stale', body: `no tick in the last second from the ${next.feed} feed while the market is open`, tone: 'warn' });
  }
  if (next.kite.state === 'expired' && prev.kite.state !== 'expired') {
    out.push({ kind: 'session-expired', title: 'Kite session expired', body: next.kite.message ?? 'log in again (Settings)', tone: 'warn' });
  }
  return out;
}

// ---------------------------------------------------------------- the list and the preferences

const PREFS_KEY = 'kitedesk.notifications';
const MAX = 100;

export interface NotificationPrefs {
  /** Show desktop notifications at all (the permission is asked when this is switched on). */
  desktop: boolean;
  kinds: Record<NotificationKind, boolean>;
}

export const DEFAULT_PREFS: NotificationPrefs = {
  desktop: false,
  kinds: { fill: true, rejection: true, 'risk-block': true, halt: true, 'kill-switch': true, 'feed-stale': true, 'session-expired': true },
};

function loadPrefs(): NotificationPrefs {
  try {
    const raw = globalThis.localStorage?.getItem(PREFS_KEY);
    if (!raw) return DEFAULT_PREFS;
    const p = JSON.parse(raw) as Partial<NotificationPrefs>;
    return { desktop: p.desktop === true, kinds: { ...DEFAULT_PREFS.kinds, ...(p.kinds ?? {}) } };
  } catch {
    return DEFAULT_PREFS;
  }
}

export interface NotificationState {
  items: readonly AppNotification[];
  unread: number;
  prefs: NotificationPrefs;
  add(d: Draft, ts: number): AppNotification;
  markRead(): void;
  clear(): void;
  setPrefs(p: NotificationPrefs): void;
}

let nextId = 1;
export const useNotificationStore = create<NotificationState>()((set) => ({
  items: [],
  unread: 0,
  prefs: loadPrefs(),
  add: (d, ts) => {
    const n = { ...d, id: nextId++, ts };
    set((s) => ({ items: [n, ...s.items].slice(0, MAX), unread: Math.min(MAX, s.unread + 1) }));
    return n;
  },
  markRead: () => set({ unread: 0 }),
  clear: () => set({ items: [], unread: 0 }),
  setPrefs: (prefs) => {
    try {
      globalThis.localStorage?.setItem(PREFS_KEY, JSON.stringify(prefs));
    } catch {
      /* private mode: the choice lasts this session */
    }
    set({ prefs });
  },
}));

/** Desktop delivery: the Notification API when allowed and wanted for this kind. */
export function showDesktop(n: AppNotification, prefs: NotificationPrefs, api: { permission: string; create(title: string, body: string): void } | null): boolean {
  if (!api || !prefs.desktop || !prefs.kinds[n.kind] || api.permission !== 'granted') return false;
  api.create(n.title, n.body);
  return true;
}

// ---------------------------------------------------------------- the watcher

interface TradingView {
  orders: readonly OrderDto[] | null;
  decisions: readonly RiskDecisionDto[];
  decisionSnapshots: number;
  risk: RiskStatus | null;
}
interface Subscribable<T> {
  getState(): T;
  subscribe(fn: (s: T, prev: T) => void): () => void;
}

/**
 * Follows the trading and app stores and turns changes into notifications. The first snapshot of
 * each stream is the state as found (not news); after a reconnect, a snapshot notifies only what
 * changed meanwhile (fills by filled quantity, decisions by id).
 */
export function watchNotifications(opts: {
  trading: Subscribable<TradingView>;
  app: Subscribable<{ status: EngineStatus | null }>;
  store?: typeof useNotificationStore;
  desktop?: () => { permission: string; create(title: string, body: string): void } | null;
  now?: () => number;
}): () => void {
  const store = opts.store ?? useNotificationStore;
  const now = opts.now ?? Date.now;
  const emit = (drafts: Draft[]) => {
    for (const d of drafts) {
      const n = store.getState().add(d, now());
      showDesktop(n, store.getState().prefs, opts.desktop?.() ?? null);
    }
  };
  const orders = new Map<string, { filledQty: number; status: OrderDto['status'] }>();
  let ordersSeeded = false;
  let lastDecision = -Infinity;
  let decisionsSeeded = false;
  const seed = (t: TradingView) => {
    if (t.orders) {
      for (const o of t.orders) orders.set(o.orderId, { filledQty: o.filledQty, status: o.status });
      ordersSeeded = true;
    }
    if (t.decisionSnapshots > 0) {
      for (const d of t.decisions) lastDecision = Math.max(lastDecision, d.id);
      decisionsSeeded = true;
    }
  };
  seed(opts.trading.getState());
  const offTrading = opts.trading.subscribe((t, prev) => {
    if (t.orders !== prev.orders && t.orders) {
      if (!ordersSeeded) seed({ ...t, decisionSnapshots: 0 });
      else
        for (const o of t.orders) {
          const before = orders.get(o.orderId);
          if (before && before.filledQty === o.filledQty && before.status === o.status) continue;
          emit(fromOrder(before, o));
          orders.set(o.orderId, { filledQty: o.filledQty, status: o.status });
        }
    }
    if (t.decisions !== prev.decisions || t.decisionSnapshots !== prev.decisionSnapshots) {
      if (!decisionsSeeded) {
        if (t.decisionSnapshots > 0) seed({ ...t, orders: null });
      } else {
        const fresh = t.decisions.filter((d) => d.id > lastDecision).sort((a, b) => a.id - b.id);
        for (const d of fresh) {
          emit(fromDecision(d));
          lastDecision = d.id;
        }
      }
    }
    if (t.risk !== prev.risk && t.risk) emit(fromRisk(prev.risk, t.risk));
  });
  const offApp = opts.app.subscribe((a, prev) => {
    if (a.status !== prev.status && a.status) emit(fromStatus(prev.status, a.status));
  });
  return () => {
    offTrading();
    offApp();
  };
}

/** The browser's (or Electron's) Notification API, or null where there is none. */
export function browserNotifications(): { permission: string; create(title: string, body: string): void } | null {
  const N = (globalThis as { Notification?: { permission: string; new (title: string, o?: { body?: string }): unknown } }).Notification;
  if (!N) return null;
  return { permission: N.permission, create: (title, body) => void new N(title, { body }) };
}
