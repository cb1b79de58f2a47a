/**
 * Gives every window its own MessagePort to the engine, so market data never passes through main
 * (platform-notes 1.4). Pure and injectable: `main.ts` passes `() => new MessageChannelMain()` and
 * window handles wrapping `webContents`; tests pass fakes.
 *
 * Brokering happens when the engine says `ready` (its control channel is listening), so each engine
 * (re)start re-brokers every open window. A window's old port closes with the old engine, which
 * the preload sees as the link closing.
 */
import type { MainToEngine } from '../src-engine/contract/control.js';

export interface PortLikeMain {
  close(): void;
}

export interface ChannelLike<P extends PortLikeMain> {
  readonly port1: P;
  readonly port2: P;
}

/** One window, as the broker sees it. */
export interface WindowHandle<P> {
  readonly id: number;
  isDestroyed(): boolean;
  /** `webContents.postMessage('engine-port', null, [port])`. */
  sendPort(port: P): void;
  /** `webContents.send('engine-failure', message)`. */
  sendFailure(message: string): void;
}

/** The part of EngineSupervisor the broker uses. */
export interface EngineLink<P> {
  readonly isReady: boolean;
  readonly failureMessage: string | undefined;
  postMessage(message: MainToEngine, transfer?: P[]): boolean;
  on(event: 'ready', listener: (info: { incarnation: number }) => void): () => void;
  on(event: 'failed', listener: (info: { message: string }) => void): () => void;
}

export interface PortBrokerOptions<P extends PortLikeMain> {
  engine: EngineLink<P>;
  createChannel: () => ChannelLike<P>;
  log?: (level: 'info' | 'warn' | 'error', message: string) => void;
}

export class PortBroker<P extends PortLikeMain> {
  private readonly windows = new Map<number, WindowHandle<P>>();
  private readonly unsubscribe: (() => void)[] = [];
  private readonly log: NonNullable<PortBrokerOptions<P>['log']>;

  constructor(private readonly opts: PortBrokerOptions<P>) {
    this.log = opts.log ?? (() => {});
    this.unsubscribe.push(opts.engine.on('ready', () => this.brokerAll()));
    this.unsubscribe.push(opts.engine.on('failed', ({ message }) => this.notifyFailure(message)));
  }

  get windowIds(): number[] {
    return [...this.windows.keys()];
  }

  /** Track a window; it gets a port now if the engine is ready, else on the next `ready`. */
  addWindow(win: WindowHandle<P>): void {
    if (!Number.isInteger(win.id) || win.id < 0) throw new Error(`invalid window id ${String(win.id)}`);
    this.windows.set(win.id, win);
    const failure = this.opts.engine.failureMessage;
    if (failure !== undefined) this.sendFailure(win, failure);
    else if (this.opts.engine.isReady) this.broker(win);
  }

  /** Forget a closed window. Its port closes with its renderer; the engine sees `close`. */
  removeWindow(id: number): void {
    this.windows.delete(id);
  }

  /**
   * Hand a fresh port to one window again (e.g. after its renderer reloaded and lost the old
   * one). Returns false when the engine is not ready; the next `ready` will do it.
   */
  rebroker(id: number): boolean {
    const win = this.windows.get(id);
    if (!win || !this.opts.engine.isReady) return false;
    return this.broker(win);
  }

  brokerAll(): void {
    for (const win of [...this.windows.values()]) this.broker(win);
  }

  dispose(): void {
    for (const u of this.unsubscribe.splice(0)) u();
    this.windows.clear();
  }

  private broker(win: WindowHandle<P>): boolean {
    if (win.isDestroyed()) {
      this.windows.delete(win.id);
      return false;
    }
    const { port1, port2 } = this.opts.createChannel();
    if (!this.opts.engine.postMessage({ type: 'attach-window', windowId: win.id }, [port1])) {
      this.log('warn', `port broker: engine not accepting ports; window ${win.id} waits for the next start`);
      closeQuietly(port1);
      closeQuietly(port2);
      return false;
    }
    try {
      win.sendPort(port2);
      return true;
    } catch (err) {
      // The window went away between the check and the send. Closing our end tells the engine.
      this.log('warn', `port broker: could not hand a port to window ${win.id}: ${String(err)}`);
      closeQuietly(port2);
      this.windows.delete(win.id);
      return false;
    }
  }

  private notifyFailure(message: string): void {
    for (const win of [...this.windows.values()]) this.sendFailure(win, message);
  }

  private sendFailure(win: WindowHandle<P>, message: string): void {
    if (win.isDestroyed()) {
      this.windows.delete(win.id);
      return;
    }
    try {
      win.sendFailure(message);
    } catch (err) {
      this.log('warn', `port broker: could not tell window ${win.id} about the failure: ${String(err)}`);
    }
  }
}

function closeQuietly(p: PortLikeMain): void {
  try {
    p.close();
  } catch {
    /* already closed or transferred */
  }
}
