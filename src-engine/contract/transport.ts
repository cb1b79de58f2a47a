/**
 * A transport moves text frames between one client and one server. The RPC layer never sees what
 * carries them: an in-memory pair, a MessagePort (Electron's, the DOM's, or Node's worker_threads
 * one) or a WebSocket. Frames that are not strings are delivered as they are, so the receiver can
 * answer them with BAD_FRAME instead of crashing.
 */
export interface Transport {
  send(frame: string): void;
  onFrame(listener: (frame: unknown) => void): void;
  onClose(listener: (reason: string) => void): void;
  close(reason?: string): void;
  readonly isOpen: boolean;
}

/** Shared bookkeeping for the adapters below: listeners, one close notification. */
class TransportBase {
  private frameListeners: ((f: unknown) => void)[] = [];
  private closeListeners: ((r: string) => void)[] = [];
  private closed = false;

  get isOpen(): boolean {
    return !this.closed;
  }
  onFrame(l: (f: unknown) => void): void {
    this.frameListeners.push(l);
  }
  onClose(l: (r: string) => void): void {
    if (this.closed) l('closed');
    else this.closeListeners.push(l);
  }
  protected deliver(frame: unknown): void {
    if (this.closed) return;
    for (const l of this.frameListeners) l(frame);
  }
  protected markClosed(reason: string): void {
    if (this.closed) return;
    this.closed = true;
    const ls = this.closeListeners;
    this.closeListeners = [];
    this.frameListeners = [];
    for (const l of ls) l(reason);
  }
}

class MemoryEnd extends TransportBase implements Transport {
  peer: MemoryEnd | undefined;
  send(frame: string): void {
    const peer = this.peer;
    if (!this.isOpen || !peer) return;
    // Asynchronous like every real transport, so tests exercise the same orderings.
    void Promise.resolve().then(() => peer.deliver(frame));
  }
  /** Test hook: deliver anything (a non-string, a forged frame) as if the peer had sent it. */
  inject(frame: unknown): void {
    this.deliver(frame);
  }
  close(reason = 'closed'): void {
    const peer = this.peer;
    this.markClosed(reason);
    if (peer) void Promise.resolve().then(() => peer.markClosed(reason));
  }
}

/** Two connected in-memory transports: what one sends, the other receives. */
export function createMemoryPair(): [Transport & { inject(f: unknown): void }, Transport & { inject(f: unknown): void }] {
  const a = new MemoryEnd();
  const b = new MemoryEnd();
  a.peer = b;
  b.peer = a;
  return [a, b];
}

/**
 * The part of a MessagePort we use. The DOM's MessagePort and Node's worker_threads MessagePort both
 * fit; Electron's MessagePortMain (an EventEmitter) is wrapped by its host into this shape.
 */
export interface PortLike {
  postMessage(data: unknown): void;
  addEventListener(type: 'message', listener: (event: { data: unknown }) => void): void;
  addEventListener(type: 'close', listener: () => void): void;
  start?(): void;
  close(): void;
}

class PortTransport extends TransportBase implements Transport {
  constructor(private readonly port: PortLike) {
    super();
    port.addEventListener('message', (e) => this.deliver(e.data));
    port.addEventListener('close', () => this.markClosed('port closed'));
    port.start?.();
  }
  send(frame: string): void {
    if (this.isOpen) this.port.postMessage(frame);
  }
  close(reason = 'closed'): void {
    if (!this.isOpen) return;
    this.markClosed(reason);
    this.port.close();
  }
}

export function fromMessagePort(port: PortLike): Transport {
  return new PortTransport(port);
}

/** The part of a WebSocket we use: the browser's WebSocket and the `ws` package both fit. */
export interface WebSocketLike {
  readonly readyState: number;
  send(data: string): void;
  close(code?: number, reason?: string): void;
  addEventListener(type: 'message', listener: (event: { data: unknown }) => void): void;
  addEventListener(type: 'close', listener: (event: { code: number; reason: string }) => void): void;
  addEventListener(type: 'error', listener: (event: unknown) => void): void;
}

const WS_OPEN = 1;

class WebSocketTransport extends TransportBase implements Transport {
  constructor(private readonly ws: WebSocketLike) {
    super();
    ws.addEventListener('message', (e) => this.deliver(e.data));
    ws.addEventListener('close', (e) => this.markClosed(`websocket closed (${e.code}${e.reason ? ` ${e.reason}` : ''})`));
    ws.addEventListener('error', () => {
      /* 'close' always follows 'error'; handled there */
    });
  }
  send(frame: string): void {
    if (this.isOpen && this.ws.readyState === WS_OPEN) this.ws.send(frame);
  }
  close(reason = 'closed'): void {
    if (!this.isOpen) return;
    this.markClosed(reason);
    this.ws.close(1000, reason.slice(0, 120));
  }
}

/** Wrap an OPEN WebSocket. */
export function fromWebSocket(ws: WebSocketLike): Transport {
  return new WebSocketTransport(ws);
}
