/**
 * The execution router: the one Broker the OMS talks to. It sends each new order to the broker of
 * the current mode — 'backtest' and 'paper' → paper, 'shadow' → shadow, 'live' → live — and keeps every
 * order with the broker it was placed at, so modify/cancel still reach it after the mode changes.
 * Updates from all brokers are forwarded unchanged.
 *
 * Switching to 'live' needs a live broker AND setMode('live', { confirm: true }); anything else throws.
 * Orders the router did not place (e.g. restored after a restart) must be adopt()ed before they can be
 * modified or cancelled; until then modify/cancel throw BrokerError ORDER_NOT_FOUND rather than guess.
 * The order → broker mapping is dropped when the order reaches a terminal status.
 */
import type { Order } from '../model/order.js';
import { type Broker, type BrokerKind, BrokerError, type BrokerOrderUpdate, type OrderModify } from './broker.js';
import { isTerminalStatus } from './order-state.js';

export type ExecutionMode = 'backtest' | 'paper' | 'shadow' | 'live';

export interface ExecutionRouterOptions {
  paper: Broker;
  shadow?: Broker;
  live?: Broker;
  /** Default 'paper'. 'live' cannot be the initial mode (it needs setMode's confirmation). */
  mode?: Exclude<ExecutionMode, 'live'>;
}

const EXECUTION_MODES: readonly ExecutionMode[] = ['backtest', 'paper', 'shadow', 'live'];

export class ExecutionRouter implements Broker {
  private readonly brokers: { paper: Broker; shadow: Broker | undefined; live: Broker | undefined };
  private currentMode: ExecutionMode;
  private readonly owner = new Map<string, Broker>();
  private listeners: ((u: BrokerOrderUpdate) => void)[] = [];
  private modeListeners: ((mode: ExecutionMode) => void)[] = [];

  constructor(opts: ExecutionRouterOptions) {
    this.brokers = { paper: opts.paper, shadow: opts.shadow, live: opts.live };
    const distinct = new Set([opts.paper, opts.shadow, opts.live].filter((b) => b !== undefined));
    if (distinct.size !== [opts.paper, opts.shadow, opts.live].filter((b) => b !== undefined).length) {
      throw new RangeError('ExecutionRouter: paper, shadow and live must be different broker objects');
    }
    const mode = opts.mode ?? 'paper';
    if ((mode as ExecutionMode) === 'live') throw new RangeError("ExecutionRouter: the initial mode cannot be 'live'; use setMode('live', { confirm: true })");
    if (!EXECUTION_MODES.includes(mode)) throw new RangeError(`ExecutionRouter: unknown mode ${String(mode)}`);
    if (mode === 'shadow' && opts.shadow === undefined) throw new RangeError("ExecutionRouter: mode 'shadow' needs a shadow broker");
    this.currentMode = mode;
    for (const b of distinct) b.onUpdate((u) => this.forward(b, u));
  }

  get mode(): ExecutionMode {
    return this.currentMode;
  }

  /** The kind of broker new orders go to now. */
  get kind(): BrokerKind {
    return this.target().kind;
  }

  /**
   * Changes where NEW orders go. 'live' requires a live broker and `{ confirm: true }`; 'shadow' a
   * shadow broker. Throws a RangeError explaining what is missing; the mode is then unchanged.
   */
  setMode(mode: ExecutionMode, opts?: { confirm?: boolean }): void {
    if (!EXECUTION_MODES.includes(mode)) throw new RangeError(`unknown execution mode ${String(mode)}`);
    if (mode === 'live') {
      if (this.brokers.live === undefined) throw new RangeError('cannot switch to live: no live broker is configured (log in to Kite first)');
      if (opts?.confirm !== true) throw new RangeError("switching to live trading places real orders: call setMode('live', { confirm: true })");
    }
    if (mode === 'shadow' && this.brokers.shadow === undefined) throw new RangeError('cannot switch to shadow: no shadow broker is configured');
    if (mode === this.currentMode) return;
    this.currentMode = mode;
    for (const l of this.modeListeners) l(mode);
  }

  onModeChange(fn: (mode: ExecutionMode) => void): () => void {
    this.modeListeners = [...this.modeListeners, fn];
    return () => {
      this.modeListeners = this.modeListeners.filter((l) => l !== fn);
    };
  }

  /** Which broker holds `orderId`, if the router knows. */
  brokerOf(orderId: string): BrokerKind | undefined {
    return this.owner.get(orderId)?.kind;
  }

  /** Declares that a (restored) order lives at the broker of `kind`. */
  adopt(orderId: string, kind: BrokerKind): void {
    const b = this.brokers[kind];
    if (b === undefined) throw new RangeError(`cannot adopt order ${orderId}: no ${kind} broker is configured`);
    const cur = this.owner.get(orderId);
    if (cur !== undefined && cur !== b) throw new RangeError(`order ${orderId} already belongs to the ${cur.kind} broker`);
    this.owner.set(orderId, b);
  }

  place(order: Readonly<Order>): void {
    const prev = this.owner.get(order.orderId);
    if (prev !== undefined) throw new BrokerError('DUPLICATE_ORDER', `order ${order.orderId} was already placed (at the ${prev.kind} broker)`);
    const b = this.target();
    // mapped before the call: the broker may answer synchronously, and a terminal answer unmaps it
    this.owner.set(order.orderId, b);
    try {
      b.place(order);
    } catch (e) {
      if (e instanceof BrokerError) this.owner.delete(order.orderId);
      throw e;
    }
  }

  modify(orderId: string, changes: OrderModify): void {
    this.ownerOf(orderId).modify(orderId, changes);
  }

  cancel(orderId: string): void {
    this.ownerOf(orderId).cancel(orderId);
  }

  onUpdate(listener: (u: BrokerOrderUpdate) => void): () => void {
    this.listeners = [...this.listeners, listener];
    return () => {
      this.listeners = this.listeners.filter((l) => l !== listener);
    };
  }

  private target(): Broker {
    switch (this.currentMode) {
      case 'live':
        return this.brokers.live!;
      case 'shadow':
        return this.brokers.shadow!;
      default:
        return this.brokers.paper;
    }
  }

  private ownerOf(orderId: string): Broker {
    const b = this.owner.get(orderId);
    if (b === undefined) throw new BrokerError('ORDER_NOT_FOUND', `order ${orderId} is not open at any broker of this router (terminal, unknown, or restored without adopt())`);
    return b;
  }

  private forward(from: Broker, u: BrokerOrderUpdate): void {
    const ls = this.listeners;
    for (let i = 0; i < ls.length; i++) ls[i]!(u);
    // after the listeners, so brokerOf() still answers while they handle the terminal update
    if (isTerminalStatus(u.status) && this.owner.get(u.orderId) === from) this.owner.delete(u.orderId);
  }
}
