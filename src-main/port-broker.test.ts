import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import { EngineSupervisor, type ChildLike } from './engine-supervisor.js';
import { PortBroker, type WindowHandle } from './port-broker.js';

class FakePort {
  closed = false;
  constructor(readonly name: string) {}
  close(): void {
    this.closed = true;
  }
}

class FakeChild implements ChildLike<FakePort> {
  pid: number | undefined = 4242;
  sent: { message: unknown; transfer: FakePort[] | undefined }[] = [];
  private exitL: ((c: number) => void)[] = [];
  private msgL: ((m: unknown) => void)[] = [];
  postMessage(message: unknown, transfer?: FakePort[]): void {
    if (this.pid === undefined) throw new Error('posted to a dead child');
    this.sent.push({ message, transfer });
  }
  on(event: 'exit' | 'message', l: (x: never) => void): this {
    if (event === 'exit') this.exitL.push(l as (c: number) => void);
    else this.msgL.push(l as (m: unknown) => void);
    return this;
  }
  kill(): void {}
  ready(): void {
    for (const l of this.msgL) l({ type: 'ready', pid: 4242, version: 't' });
  }
  exit(code: number): void {
    this.pid = undefined;
    for (const l of this.exitL) l(code);
  }
}

class FakeWindow implements WindowHandle<FakePort> {
  destroyed = false;
  ports: FakePort[] = [];
  failures: string[] = [];
  throwOnSend = false;
  constructor(readonly id: number) {}
  isDestroyed(): boolean {
    return this.destroyed;
  }
  sendPort(port: FakePort): void {
    if (this.throwOnSend) throw new Error('Object has been destroyed');
    this.ports.push(port);
  }
  sendFailure(message: string): void {
    this.failures.push(message);
  }
}

function setup() {
  const children: FakeChild[] = [];
  const channels: { port1: FakePort; port2: FakePort }[] = [];
  const sup = new EngineSupervisor<FakePort>({
    fork: () => {
      const c = new FakeChild();
      children.push(c);
      return c;
    },
  });
  let n = 0;
  const broker = new PortBroker<FakePort>({
    engine: sup,
    createChannel: () => {
      n++;
      const ch = { port1: new FakePort(`e${n}`), port2: new FakePort(`w${n}`) };
      channels.push(ch);
      return ch;
    },
  });
  /** What the engine was told, as [windowId, port name] pairs. */
  const attached = (c: FakeChild) =>
    c.sent
      .filter((s) => (s.message as { type: string }).type === 'attach-window')
      .map((s) => [(s.message as { windowId: number }).windowId, s.transfer?.[0]?.name]);
  return { sup, broker, children, channels, attached };
}

beforeEach(() => vi.useFakeTimers());
afterEach(() => vi.useRealTimers());

describe('PortBroker', () => {
  it('waits for ready, then gives each window one end and the engine the other', () => {
    const { sup, broker, children, channels, attached } = setup();
    const w1 = new FakeWindow(1);
    const w2 = new FakeWindow(2);
    sup.start();
    broker.addWindow(w1);
    expect(channels).toHaveLength(0); // engine not ready yet
    children[0]!.ready();
    broker.addWindow(w2); // engine ready: brokered at once
    expect(attached(children[0]!)).toEqual([
      [1, 'e1'],
      [2, 'e2'],
    ]);
    expect(w1.ports.map((p) => p.name)).toEqual(['w1']);
    expect(w2.ports.map((p) => p.name)).toEqual(['w2']);
    // Each pair is one channel: the engine's end and the window's end belong together.
    expect(channels.map((c) => [c.port1.name, c.port2.name])).toEqual([
      ['e1', 'w1'],
      ['e2', 'w2'],
    ]);
  });

  it('re-brokers every open window on engine restart and forgets closed ones', () => {
    const { sup, broker, children, attached } = setup();
    const w1 = new FakeWindow(1);
    const w2 = new FakeWindow(2);
    const w3 = new FakeWindow(3);
    sup.start();
    children[0]!.ready();
    broker.addWindow(w1);
    broker.addWindow(w2);
    broker.addWindow(w3);
    broker.removeWindow(2); // closed normally
    w3.destroyed = true; // destroyed without a close event reaching us
    children[0]!.exit(11);
    vi.advanceTimersByTime(250);
    expect(children).toHaveLength(2);
    expect(attached(children[1]!)).toEqual([]); // not before ready
    children[1]!.ready();
    expect(attached(children[1]!).map(([id]) => id)).toEqual([1]);
    expect(w1.ports).toHaveLength(2);
    expect(w2.ports).toHaveLength(1);
    expect(w3.ports).toHaveLength(1);
    expect(broker.windowIds).toEqual([1]);
  });

  it('closes both ends when the engine cannot take its port', () => {
    const { sup, broker, children, channels } = setup();
    const w1 = new FakeWindow(1);
    sup.start();
    children[0]!.ready();
    children[0]!.pid = undefined; // died, exit not yet delivered
    broker.addWindow(w1);
    expect(channels).toHaveLength(0); // not ready any more: nothing created
    broker.brokerAll();
    expect(channels).toHaveLength(1);
    expect(channels[0]!.port1.closed).toBe(true);
    expect(channels[0]!.port2.closed).toBe(true);
    expect(w1.ports).toHaveLength(0);
    expect(broker.windowIds).toEqual([1]); // still waits for the next engine
  });

  it('closes the window end and forgets the window when handing it over throws', () => {
    const { sup, broker, children, channels } = setup();
    const w1 = new FakeWindow(1);
    w1.throwOnSend = true;
    sup.start();
    children[0]!.ready();
    broker.addWindow(w1);
    expect(channels[0]!.port2.closed).toBe(true);
    expect(broker.windowIds).toEqual([]);
  });

  it('rebroker hands one window a fresh port (renderer reload)', () => {
    const { sup, broker, children } = setup();
    const w1 = new FakeWindow(1);
    expect(broker.rebroker(1)).toBe(false);
    sup.start();
    broker.addWindow(w1);
    expect(broker.rebroker(1)).toBe(false); // not ready
    children[0]!.ready();
    expect(w1.ports).toHaveLength(1);
    expect(broker.rebroker(1)).toBe(true);
    expect(w1.ports).toHaveLength(2);
    expect(broker.rebroker(99)).toBe(false);
  });

  it('tells every window when the supervisor gives up, and windows opened later too', () => {
    const { sup, broker, children } = setup();
    const w1 = new FakeWindow(1);
    sup.start();
    broker.addWindow(w1);
    for (let i = 0; i < 4; i++) {
      children[i]!.exit(11);
      vi.advanceTimersByTime(5_000);
    }
    expect(sup.state).toBe('failed');
    expect(w1.failures).toHaveLength(1);
    expect(w1.failures[0]).toMatch(/will not be restarted/);
    const w2 = new FakeWindow(2);
    broker.addWindow(w2);
    expect(w2.failures).toEqual(w1.failures);
    expect(w2.ports).toHaveLength(0);
  });

  it('rejects invalid window ids and stops listening after dispose', () => {
    const { sup, broker, children } = setup();
    expect(() => broker.addWindow(new FakeWindow(-1))).toThrow();
    const w1 = new FakeWindow(1);
    broker.addWindow(w1);
    broker.dispose();
    sup.start();
    children[0]!.ready();
    expect(w1.ports).toHaveLength(0);
  });
});
