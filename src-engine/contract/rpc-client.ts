import type { ApiDef, CallInput, Delta, MethodName, Output, Snapshot, TopicName, TopicParamsIn } from './api-def.js';
import { DEFAULT_MAX_SERVER_FRAME, PROTOCOL_VERSION, serverFrameSchema, type ClientFrame } from './envelope.js';
import { ErrorCode, RpcError } from './errors.js';
import { clearTimer, setTimer, type TimerHandle } from './timers.js';
import type { Transport } from './transport.js';

/** Anything with the shape of an AbortSignal (the DOM's and Node's both fit). */
export interface AbortLike {
  readonly aborted: boolean;
  addEventListener(type: 'abort', listener: () => void): void;
}

export interface CallOptions {
  /** Deadline for this call; default from the client options. */
  timeoutMs?: number;
  signal?: AbortLike;
}

export interface SubscriptionHandlers<S, D> {
  /** The full state; called first, and again after every gap or reconnect. */
  snapshot(data: S, seq: number): void;
  delta(data: D, seq: number): void;
  /** The subscription failed for good (bad params, unknown topic); it is closed. */
  error?(err: RpcError): void;
  /** A gap or reconnect was seen; a fresh snapshot is on its way. */
  resyncing?(reason: 'gap' | 'reconnect'): void;
}

export interface Subscription {
  readonly id: number;
  close(): void;
}

export interface RpcClientOptions {
  timeoutMs?: number;
  /** Largest frame accepted from the server. */
  maxFrame?: number;
  /** Frames the client could not use (a server bug or a hostile peer); never thrown. */
  onProtocolError?: (err: RpcError) => void;
}

interface PendingCall {
  resolve(v: unknown): void;
  reject(e: RpcError): void;
  timer: TimerHandle | undefined;
}

interface ClientSub {
  id: number;
  topic: string;
  params: unknown;
  handlers: SubscriptionHandlers<unknown, unknown>;
  lastSeq: number;
  awaitingSnapshot: boolean;
}

/**
 * Typed client for one API. Attach a transport; attach a new one after a reconnect and every live
 * subscription is re-subscribed and re-snapshotted. Calls are never queued or retried: a call made
 * while disconnected, or in flight when the transport drops, fails with DISCONNECTED (outcome
 * unknown), so nothing that moves money is ever sent twice by this layer.
 */
export class RpcClient<A extends ApiDef> {
  private transport: Transport | undefined;
  private nextId = 1;
  private readonly pending = new Map<number, PendingCall>();
  private readonly subs = new Map<number, ClientSub>();
  private readonly stateListeners = new Set<(connected: boolean) => void>();
  private readonly timeoutMs: number;
  private readonly maxFrame: number;

  constructor(
    readonly api: A,
    private readonly options: RpcClientOptions = {},
  ) {
    this.timeoutMs = options.timeoutMs ?? 30_000;
    this.maxFrame = options.maxFrame ?? DEFAULT_MAX_SERVER_FRAME;
  }

  get connected(): boolean {
    return this.transport?.isOpen ?? false;
  }

  onConnectionChange(listener: (connected: boolean) => void): () => void {
    this.stateListeners.add(listener);
    return () => this.stateListeners.delete(listener);
  }

  /** Use this transport from now on; re-subscribes every live subscription on it. */
  attach(transport: Transport): void {
    if (this.transport && this.transport !== transport) this.transport.close('replaced');
    this.transport = transport;
    transport.onFrame((f) => this.onFrame(transport, f));
    transport.onClose((reason) => this.onTransportClosed(transport, reason));
    for (const s of this.subs.values()) {
      const wasLive = s.lastSeq >= 0;
      s.awaitingSnapshot = true;
      if (wasLive) s.handlers.resyncing?.('reconnect');
      this.sendFrame({ v: PROTOCOL_VERSION, t: 'sub', id: s.id, topic: s.topic, p: s.params });
    }
    this.emitState(transport.isOpen);
  }

  /** Close the transport and fail everything in flight. Subscriptions stay, waiting for attach(). */
  detach(reason = 'detached'): void {
    this.transport?.close(reason);
  }

  call<M extends MethodName<A>>(method: M, input: CallInput<A, M>, opts: CallOptions = {}): Promise<Output<A, M>> {
    return new Promise<Output<A, M>>((resolve, reject) => {
      if (!this.connected) {
        reject(new RpcError(ErrorCode.DISCONNECTED, `not connected; ${method} was not sent`));
        return;
      }
      if (opts.signal?.aborted) {
        reject(new RpcError(ErrorCode.CANCELLED, `${method} cancelled before it was sent`));
        return;
      }
      const id = this.nextId++;
      const timeoutMs = opts.timeoutMs ?? this.timeoutMs;
      const entry: PendingCall = {
        resolve: resolve as (v: unknown) => void,
        reject,
        timer: setTimer(() => {
          if (this.pending.get(id) !== entry) return;
          this.pending.delete(id);
          this.sendFrame({ v: PROTOCOL_VERSION, t: 'cancel', id });
          reject(new RpcError(ErrorCode.TIMEOUT, `${method} got no answer within ${timeoutMs} ms`));
        }, timeoutMs),
      };
      this.pending.set(id, entry);
      opts.signal?.addEventListener('abort', () => {
        if (this.pending.get(id) !== entry) return;
        this.pending.delete(id);
        clearTimer(entry.timer);
        this.sendFrame({ v: PROTOCOL_VERSION, t: 'cancel', id });
        reject(new RpcError(ErrorCode.CANCELLED, `${method} cancelled by the caller`));
      });
      this.sendFrame({ v: PROTOCOL_VERSION, t: 'req', id, m: method, p: input === undefined ? {} : input });
    });
  }

  subscribe<T extends TopicName<A>>(
    topic: T,
    params: TopicParamsIn<A, T>,
    handlers: SubscriptionHandlers<Snapshot<A, T>, Delta<A, T>>,
  ): Subscription {
    const id = this.nextId++;
    const sub: ClientSub = {
      id,
      topic,
      params: params === undefined ? {} : params,
      handlers: handlers as SubscriptionHandlers<unknown, unknown>,
      lastSeq: -1,
      awaitingSnapshot: true,
    };
    this.subs.set(id, sub);
    if (this.connected) this.sendFrame({ v: PROTOCOL_VERSION, t: 'sub', id, topic, p: sub.params });
    return {
      id,
      close: () => {
        if (!this.subs.delete(id)) return;
        this.sendFrame({ v: PROTOCOL_VERSION, t: 'unsub', id });
      },
    };
  }

  private sendFrame(frame: ClientFrame): void {
    const t = this.transport;
    if (t?.isOpen) t.send(JSON.stringify(frame));
  }

  private emitState(connected: boolean): void {
    for (const l of this.stateListeners) l(connected);
  }

  private protocolError(message: string, details?: unknown): void {
    this.options.onProtocolError?.(new RpcError(ErrorCode.BAD_FRAME, message, details));
  }

  private onTransportClosed(transport: Transport, reason: string): void {
    if (this.transport !== transport) return;
    for (const [id, p] of this.pending) {
      clearTimer(p.timer);
      p.reject(new RpcError(ErrorCode.DISCONNECTED, `connection lost before an answer (${reason}); the outcome is unknown`));
      this.pending.delete(id);
    }
    for (const s of this.subs.values()) s.awaitingSnapshot = true;
    this.emitState(false);
  }

  private onFrame(transport: Transport, raw: unknown): void {
    if (this.transport !== transport) return;
    try {
      this.handleFrame(raw);
    } catch (e) {
      // A throwing subscriber must not take the connection (or the process) down with it.
      this.protocolError(`a frame handler threw: ${e instanceof Error ? e.message : String(e)}`);
    }
  }

  private handleFrame(raw: unknown): void {
    if (typeof raw !== 'string') return this.protocolError('server frame is not text');
    if (raw.length > this.maxFrame) return this.protocolError(`server frame of ${raw.length} characters exceeds ${this.maxFrame}`);
    let obj: unknown;
    try {
      obj = JSON.parse(raw);
    } catch {
      return this.protocolError('server frame is not valid JSON');
    }
    const parsed = serverFrameSchema.safeParse(obj);
    if (!parsed.success) return this.protocolError('server frame does not match the envelope', { issues: parsed.error.issues.slice(0, 5) });
    const f = parsed.data;
    switch (f.t) {
      case 'res': {
        const p = this.pending.get(f.id);
        if (!p) return; // answered already (cancel/timeout)
        this.pending.delete(f.id);
        clearTimer(p.timer);
        if (f.ok) p.resolve(f.r);
        else if (f.e) p.reject(RpcError.fromWire(f.e));
        return;
      }
      case 'snap': {
        const s = this.subs.get(f.id);
        if (!s) return;
        s.lastSeq = f.seq;
        s.awaitingSnapshot = false;
        s.handlers.snapshot(f.d, f.seq);
        return;
      }
      case 'evt': {
        const s = this.subs.get(f.id);
        if (!s || s.awaitingSnapshot) return;
        if (f.seq <= s.lastSeq) return; // duplicate or stale
        if (f.seq !== s.lastSeq + 1) {
          s.awaitingSnapshot = true;
          s.handlers.resyncing?.('gap');
          this.sendFrame({ v: PROTOCOL_VERSION, t: 'resync', id: s.id });
          return;
        }
        s.lastSeq = f.seq;
        s.handlers.delta(f.d, f.seq);
        return;
      }
      case 'suberr': {
        const s = this.subs.get(f.id);
        if (!s) return;
        this.subs.delete(f.id);
        s.handlers.error?.(RpcError.fromWire(f.e));
        return;
      }
      case 'err':
        this.options.onProtocolError?.(RpcError.fromWire(f.e));
        return;
    }
  }
}
