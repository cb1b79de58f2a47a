import type { ApiDef, CallContext, CancelSignal, Handlers, TopicHandlers, TopicSource } from './api-def.js';
import {
  DEFAULT_MAX_FRAME,
  PROTOCOL_VERSION,
  clientFrameSchema,
  describeIssues,
  sniffId,
  type ServerFrame,
} from './envelope.js';
import { ErrorCode, RpcError, type WireError } from './errors.js';
import { clearTimer, setTimer, type TimerHandle } from './timers.js';
import type { Transport } from './transport.js';

export type LogFn = (level: 'debug' | 'info' | 'warn' | 'error', message: string, data?: Record<string, unknown>) => void;

export interface RpcServerOptions {
  /** Largest accepted client frame, in characters of JSON text. */
  maxFrame?: number;
  /** Flush window for coalesced topics, ms. */
  coalesceMs?: number;
  /** Most subscriptions one connection may hold. */
  maxSubscriptions?: number;
  /** Most open connections; one more is answered UNAVAILABLE and closed. */
  maxConnections?: number;
  /** Most requests in flight on one connection; one more is answered UNAVAILABLE. */
  maxInFlight?: number;
  log?: LogFn;
}

export const DEFAULT_MAX_CONNECTIONS = 32;
export const DEFAULT_MAX_IN_FLIGHT = 64;

class Cancellation implements CancelSignal {
  cancelled = false;
  private listeners: (() => void)[] = [];
  onCancel(l: () => void): void {
    if (this.cancelled) l();
    else this.listeners.push(l);
  }
  cancel(): void {
    if (this.cancelled) return;
    this.cancelled = true;
    for (const l of this.listeners.splice(0)) {
      try {
        l();
      } catch {
        /* a cancel listener must not break the connection */
      }
    }
  }
}

interface ServerSub {
  topic: string;
  seq: number;
  source: TopicSource<unknown, unknown>;
  stop: () => void;
  pending: Map<string, unknown> | undefined;
  flushTimer: TimerHandle | undefined;
  ctx: CallContext;
}

const noopLog: LogFn = () => {};

/**
 * Serves one API over any number of transports. Every frame is validated; a bad frame gets a typed
 * error reply and the connection stays up.
 */
export class RpcServer<A extends ApiDef> {
  private readonly maxFrame: number;
  private readonly coalesceMs: number;
  private readonly maxSubs: number;
  private readonly maxConnections: number;
  private readonly maxInFlight: number;
  private readonly log: LogFn;
  private nextConnectionId = 1;
  private readonly connections = new Set<ServerConnection<A>>();

  constructor(
    readonly api: A,
    readonly handlers: Handlers<A>,
    readonly topics: TopicHandlers<A>,
    options: RpcServerOptions = {},
  ) {
    this.maxFrame = options.maxFrame ?? DEFAULT_MAX_FRAME;
    this.coalesceMs = options.coalesceMs ?? 16;
    this.maxSubs = options.maxSubscriptions ?? 256;
    this.maxConnections = options.maxConnections ?? DEFAULT_MAX_CONNECTIONS;
    this.maxInFlight = options.maxInFlight ?? DEFAULT_MAX_IN_FLIGHT;
    this.log = options.log ?? noopLog;
  }

  get connectionCount(): number {
    return this.connections.size;
  }

  /** Serve one transport; past the connection cap it is answered UNAVAILABLE and closed (returns null). */
  accept(transport: Transport): ServerConnection<A> | null {
    if (this.connections.size >= this.maxConnections) {
      this.log('warn', 'connection refused: too many connections', { limit: this.maxConnections });
      transport.send(
        JSON.stringify({ v: PROTOCOL_VERSION, t: 'err', e: { code: ErrorCode.UNAVAILABLE, message: `too many connections to the engine (limit ${this.maxConnections}); close another window or client` } }),
      );
      transport.close('too many connections');
      return null;
    }
    const conn = new ServerConnection(this, transport, this.nextConnectionId++, {
      maxFrame: this.maxFrame,
      coalesceMs: this.coalesceMs,
      maxSubs: this.maxSubs,
      maxInFlight: this.maxInFlight,
      log: this.log,
    });
    this.connections.add(conn);
    transport.onClose(() => this.connections.delete(conn));
    return conn;
  }

  closeAll(reason = 'server closing'): void {
    for (const c of [...this.connections]) c.close(reason);
  }
}

export class ServerConnection<A extends ApiDef> {
  private readonly pending = new Map<number, Cancellation>();
  private readonly subs = new Map<number, ServerSub>();

  constructor(
    private readonly server: RpcServer<A>,
    private readonly transport: Transport,
    readonly id: number,
    private readonly opts: { maxFrame: number; coalesceMs: number; maxSubs: number; maxInFlight: number; log: LogFn },
  ) {
    transport.onFrame((f) => this.onFrame(f));
    transport.onClose(() => this.teardown());
  }

  close(reason?: string): void {
    this.transport.close(reason);
    this.teardown();
  }

  private send(frame: ServerFrame): void {
    if (!this.transport.isOpen) return;
    let text: string;
    try {
      text = JSON.stringify(frame);
    } catch (e) {
      this.opts.log('error', 'could not serialise a reply', { error: String(e) });
      return;
    }
    this.transport.send(text);
  }

  private reject(id: number | undefined, error: WireError, sub = false): void {
    if (id === undefined) this.send({ v: PROTOCOL_VERSION, t: 'err', e: error });
    else if (sub) this.send({ v: PROTOCOL_VERSION, t: 'suberr', id, e: error });
    else this.send({ v: PROTOCOL_VERSION, t: 'res', id, ok: false, e: error });
  }

  private onFrame(raw: unknown): void {
    try {
      this.handleFrame(raw);
    } catch (e) {
      this.opts.log('error', 'frame handling failed', { error: e instanceof Error ? e.stack : String(e) });
      this.reject(undefined, { code: ErrorCode.INTERNAL, message: 'internal error while handling a frame; see the engine log' });
    }
  }

  private handleFrame(raw: unknown): void {
    if (typeof raw !== 'string') {
      this.reject(undefined, { code: ErrorCode.BAD_FRAME, message: 'frame must be JSON text' });
      return;
    }
    if (raw.length > this.opts.maxFrame) {
      const id = sniffId(raw);
      this.opts.log('warn', 'oversize frame refused', { length: raw.length, connection: this.id });
      this.reject(id, {
        code: ErrorCode.FRAME_TOO_LARGE,
        message: `frame of ${raw.length} characters exceeds the limit of ${this.opts.maxFrame}`,
        details: { length: raw.length, limit: this.opts.maxFrame },
      });
      return;
    }
    let obj: unknown;
    try {
      obj = JSON.parse(raw);
    } catch (e) {
      this.reject(sniffId(raw), { code: ErrorCode.BAD_FRAME, message: `frame is not valid JSON: ${(e as Error).message}` });
      return;
    }
    const rec = (typeof obj === 'object' && obj !== null ? obj : {}) as Record<string, unknown>;
    const rawId = typeof rec['id'] === 'number' && Number.isSafeInteger(rec['id']) && rec['id'] > 0 ? rec['id'] : undefined;
    const isSub = rec['t'] === 'sub';
    if (rec['v'] !== PROTOCOL_VERSION) {
      this.reject(
        rawId,
        {
          code: ErrorCode.PROTOCOL_VERSION,
          message: `protocol version ${JSON.stringify(rec['v'] ?? null)} is not supported; this engine speaks ${PROTOCOL_VERSION}`,
          details: { expected: PROTOCOL_VERSION, got: rec['v'] ?? null },
        },
        isSub,
      );
      return;
    }
    const parsed = clientFrameSchema.safeParse(obj);
    if (!parsed.success) {
      this.reject(
        rawId,
        { code: ErrorCode.BAD_FRAME, message: 'frame does not match the envelope', details: { issues: describeIssues(parsed.error) } },
        isSub,
      );
      return;
    }
    const f = parsed.data;
    switch (f.t) {
      case 'req':
        void this.onRequest(f.id, f.m, f.p);
        return;
      case 'cancel': {
        const c = this.pending.get(f.id);
        if (c) {
          this.pending.delete(f.id);
          c.cancel();
          this.reject(f.id, { code: ErrorCode.CANCELLED, message: 'cancelled by the caller' });
        }
        return;
      }
      case 'sub':
        this.onSubscribe(f.id, f.topic, f.p);
        return;
      case 'unsub':
        this.stopSub(f.id);
        return;
      case 'resync': {
        const s = this.subs.get(f.id);
        if (s) this.sendSnapshot(f.id, s);
        return;
      }
    }
  }

  private async onRequest(id: number, method: string, params: unknown): Promise<void> {
    const def = Object.prototype.hasOwnProperty.call(this.server.api.requests, method) ? this.server.api.requests[method] : undefined;
    const handler = (this.server.handlers as Record<string, ((i: unknown, c: CallContext) => unknown) | undefined>)[method];
    if (!def || !handler) {
      this.reject(id, { code: ErrorCode.UNKNOWN_METHOD, message: `unknown method "${method}"`, details: { method } });
      return;
    }
    if (this.pending.has(id)) {
      this.reject(id, { code: ErrorCode.DUPLICATE_ID, message: `request id ${id} is already in flight` });
      return;
    }
    if (this.pending.size >= this.opts.maxInFlight) {
      this.reject(id, { code: ErrorCode.UNAVAILABLE, message: `too many requests in flight on one connection (limit ${this.opts.maxInFlight}); wait for answers` });
      return;
    }
    const input = def.input.safeParse(params ?? {});
    if (!input.success) {
      this.reject(id, {
        code: ErrorCode.INVALID_INPUT,
        message: `invalid input for ${method}: ${describeIssues(input.error)
          .slice(0, 3)
          .map((i) => `${i.path}: ${i.message}`)
          .join('; ')}`,
        details: { issues: describeIssues(input.error) },
      });
      return;
    }
    const cancel = new Cancellation();
    this.pending.set(id, cancel);
    try {
      const result = await handler(input.data, { connectionId: this.id, signal: cancel });
      if (this.pending.get(id) !== cancel) return; // cancelled meanwhile: already answered
      this.pending.delete(id);
      this.send({ v: PROTOCOL_VERSION, t: 'res', id, ok: true, r: result === undefined ? null : result });
    } catch (e) {
      if (this.pending.get(id) !== cancel) return;
      this.pending.delete(id);
      this.reject(id, this.toWireError(e, method));
    }
  }

  private toWireError(e: unknown, where: string): WireError {
    if (e instanceof RpcError) return e.toWire();
    this.opts.log('error', `handler ${where} failed`, {
      error: e instanceof Error ? e.message : String(e),
      stack: e instanceof Error ? e.stack : undefined,
    });
    return { code: ErrorCode.INTERNAL, message: `internal error in ${where}; see the engine log` };
  }

  private onSubscribe(id: number, topic: string, params: unknown): void {
    const def = Object.prototype.hasOwnProperty.call(this.server.api.topics, topic) ? this.server.api.topics[topic] : undefined;
    const open = (this.server.topics as Record<string, ((p: unknown, c: CallContext) => TopicSource<unknown, unknown>) | undefined>)[topic];
    if (!def || !open) {
      this.reject(id, { code: ErrorCode.UNKNOWN_METHOD, message: `unknown topic "${topic}"`, details: { topic } }, true);
      return;
    }
    if (this.subs.has(id)) {
      this.reject(id, { code: ErrorCode.DUPLICATE_ID, message: `subscription id ${id} is already active` }, true);
      return;
    }
    if (this.subs.size >= this.opts.maxSubs) {
      this.reject(id, { code: ErrorCode.UNAVAILABLE, message: `too many subscriptions on one connection (limit ${this.opts.maxSubs})` }, true);
      return;
    }
    const p = def.params.safeParse(params ?? {});
    if (!p.success) {
      this.reject(
        id,
        { code: ErrorCode.INVALID_INPUT, message: `invalid params for ${topic}`, details: { issues: describeIssues(p.error) } },
        true,
      );
      return;
    }
    const ctx: CallContext = { connectionId: this.id, signal: new Cancellation() };
    let source: TopicSource<unknown, unknown>;
    try {
      source = open(p.data, ctx);
    } catch (e) {
      this.reject(id, this.toWireError(e, topic), true);
      return;
    }
    const sub: ServerSub = { topic, seq: 0, source, stop: () => {}, pending: undefined, flushTimer: undefined, ctx };
    this.subs.set(id, sub);
    try {
      // listen first, then snapshot, in the same turn: nothing can slip between them.
      sub.stop = source.listen((d) => this.push(id, sub, d));
      this.sendSnapshot(id, sub);
    } catch (e) {
      this.stopSub(id);
      this.reject(id, this.toWireError(e, topic), true);
    }
  }

  private sendSnapshot(id: number, sub: ServerSub): void {
    // A snapshot includes everything pending; drop the coalesced deltas it already covers.
    sub.pending?.clear();
    clearTimer(sub.flushTimer);
    sub.flushTimer = undefined;
    let d: unknown;
    try {
      d = sub.source.snapshot();
    } catch (e) {
      this.stopSub(id);
      this.reject(id, this.toWireError(e, sub.topic), true);
      return;
    }
    this.send({ v: PROTOCOL_VERSION, t: 'snap', id, seq: sub.seq, d });
  }

  private push(id: number, sub: ServerSub, delta: unknown): void {
    if (this.subs.get(id) !== sub) return;
    const keyOf = sub.source.coalesceKey;
    if (!keyOf) {
      sub.seq += 1;
      this.send({ v: PROTOCOL_VERSION, t: 'evt', id, seq: sub.seq, d: delta });
      return;
    }
    sub.pending ??= new Map();
    sub.pending.delete(keyOf(delta)); // re-insert so order follows the latest update
    sub.pending.set(keyOf(delta), delta);
    sub.flushTimer ??= setTimer(() => this.flush(id, sub), this.opts.coalesceMs);
  }

  private flush(id: number, sub: ServerSub): void {
    sub.flushTimer = undefined;
    if (this.subs.get(id) !== sub || !sub.pending) return;
    const batch = [...sub.pending.values()];
    sub.pending.clear();
    for (const d of batch) {
      sub.seq += 1;
      this.send({ v: PROTOCOL_VERSION, t: 'evt', id, seq: sub.seq, d });
    }
  }

  private stopSub(id: number): void {
    const s = this.subs.get(id);
    if (!s) return;
    this.subs.delete(id);
    clearTimer(s.flushTimer);
    (s.ctx.signal as Cancellation).cancel();
    try {
      s.stop();
    } catch (e) {
      this.opts.log('warn', 'stopping a subscription failed', { topic: s.topic, error: String(e) });
    }
  }

  private teardown(): void {
    for (const c of this.pending.values()) c.cancel();
    this.pending.clear();
    for (const id of [...this.subs.keys()]) this.stopSub(id);
  }
}
