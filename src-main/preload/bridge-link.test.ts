import { MessageChannel, type MessagePort } from 'node:worker_threads';
import { afterEach, describe, expect, it, vi } from 'vitest';
import { BRIDGE_GLOBAL, fromBridgeLink, type BridgeLink } from '../../src-engine/contract/bridge.js';
import type { PortLike } from '../../src-engine/contract/transport.js';
import { MAX_BUFFERED_FRAMES, createBridgeController, createBridgeLink } from './bridge-link.js';

const opened: MessagePort[] = [];
function channel(): { page: PortLike; engine: MessagePort } {
  const { port1, port2 } = new MessageChannel();
  opened.push(port1, port2);
  return { page: port1 as unknown as PortLike, engine: port2 };
}
afterEach(() => {
  for (const p of opened.splice(0)) p.close();
});

const tick = (ms = 10) => new Promise((r) => setTimeout(r, ms));
/** Cross-thread port events arrive when the event loop gets to them: wait for the outcome, not a fixed time. */
const eventually = (check: () => void) => vi.waitFor(check, { timeout: 3000, interval: 5 });
function engineInbox(engine: MessagePort): unknown[] {
  const got: unknown[] = [];
  engine.on('message', (m) => got.push(m));
  return got;
}

describe('createBridgeLink', () => {
  it('passes string frames both ways', async () => {
    const { page, engine } = channel();
    const { link } = createBridgeLink(page);
    const inbox = engineInbox(engine);
    const frames: string[] = [];
    link.onFrame((f) => frames.push(f));
    link.send('{"id":1}');
    engine.postMessage('{"id":1,"ok":true}');
    await eventually(() => {
      expect(inbox).toEqual(['{"id":1}']);
      expect(frames).toEqual(['{"id":1,"ok":true}']);
    });
  });

  it('drops non-string frames in both directions', async () => {
    const { page, engine } = channel();
    const { link } = createBridgeLink(page);
    const inbox = engineInbox(engine);
    const frames: string[] = [];
    link.onFrame((f) => frames.push(f));
    engine.postMessage({ evil: true });
    engine.postMessage(42);
    engine.postMessage(new Uint8Array([1, 2]));
    engine.postMessage('ok');
    (link.send as (f: unknown) => void)({ not: 'a string' });
    link.send('fine');
    await eventually(() => {
      expect(frames).toEqual(['ok']);
      expect(inbox).toEqual(['fine']);
    });
  });

  it('buffers frames that arrive before the page listens', async () => {
    const { page, engine } = channel();
    const { link } = createBridgeLink(page);
    engine.postMessage('a');
    engine.postMessage('b');
    await tick();
    const frames: string[] = [];
    link.onFrame((f) => frames.push(f));
    engine.postMessage('c');
    await eventually(() => expect(frames).toEqual(['a', 'b', 'c']));
  });

  it('closes the link when nobody reads and the buffer overflows', async () => {
    const { page, engine } = channel();
    const h = createBridgeLink(page);
    const errors = console.error;
    console.error = () => {};
    try {
      for (let i = 0; i <= MAX_BUFFERED_FRAMES; i++) engine.postMessage('x');
      await eventually(() => expect(h.isOpen()).toBe(false));
    } finally {
      console.error = errors;
    }
  });

  it('fires close once when the far end closes, then ignores sends', async () => {
    const { page, engine } = channel();
    const { link, isOpen } = createBridgeLink(page);
    let closes = 0;
    link.onClose(() => closes++);
    engine.close();
    await eventually(() => {
      expect(isOpen()).toBe(false);
      expect(closes).toBe(1);
    });
    link.close();
    link.send('late');
    let late = 0;
    link.onClose(() => late++);
    expect(late).toBe(1); // a listener added after close is called at once
    expect(closes).toBe(1);
  });

  it('close() closes the port and the engine side sees it', async () => {
    const { page, engine } = channel();
    const { link } = createBridgeLink(page);
    let engineSawClose = false;
    engine.on('close', () => (engineSawClose = true));
    let closes = 0;
    link.onClose(() => closes++);
    link.close();
    link.close();
    await eventually(() => {
      expect(closes).toBe(1);
      expect(engineSawClose).toBe(true);
    });
  });

  it('a throwing listener does not stop the others', async () => {
    const { page, engine } = channel();
    const { link } = createBridgeLink(page);
    const frames: string[] = [];
    const errors = console.error;
    console.error = () => {};
    link.onFrame(() => {
      throw new Error('page bug');
    });
    link.onFrame((f) => frames.push(f));
    engine.postMessage('x');
    try {
      await eventually(() => expect(frames).toEqual(['x']));
    } finally {
      console.error = errors;
    }
  });

  it('is a frozen plain object with exactly the BridgeLink functions (contextBridge drops prototypes)', () => {
    const { page } = channel();
    const { link } = createBridgeLink(page);
    expect(Object.getPrototypeOf(link)).toBe(Object.prototype);
    expect(Object.keys(link).sort()).toEqual(['close', 'onClose', 'onFrame', 'send']);
    expect(Object.isFrozen(link)).toBe(true);
  });

  it('fits the contract adapter fromBridgeLink', async () => {
    const { page, engine } = channel();
    const t = fromBridgeLink(createBridgeLink(page).link);
    const reasons: string[] = [];
    t.onClose((r) => reasons.push(r));
    engine.close();
    await eventually(() => {
      expect(t.isOpen).toBe(false);
      expect(reasons).toEqual(['engine link closed']);
    });
  });
});

describe('createBridgeController', () => {
  it('exposes exactly the KiteDeskBridge keys', () => {
    const { bridge } = createBridgeController({ platform: 'linux' });
    expect(BRIDGE_GLOBAL).toBe('kitedesk');
    expect(Object.keys(bridge).sort()).toEqual(['bridgeVersion', 'onEngineFailure', 'onEngineLink', 'platform']);
    expect(bridge.bridgeVersion).toBe(1);
    expect(bridge.platform).toBe('linux');
    expect(Object.getPrototypeOf(bridge)).toBe(Object.prototype);
    expect(Object.isFrozen(bridge)).toBe(true);
  });

  it('hands every new port to listeners and closes the link it replaces', async () => {
    const c = createBridgeController({ platform: 'linux' });
    const links: BridgeLink[] = [];
    c.bridge.onEngineLink((l) => links.push(l));
    const a = channel();
    c.acceptPort(a.page);
    let firstClosed = 0;
    links[0]!.onClose(() => firstClosed++);
    let engineASawClose = false;
    a.engine.on('close', () => (engineASawClose = true));

    const b = channel();
    c.acceptPort(b.page);
    expect(links).toHaveLength(2);
    expect(firstClosed).toBe(1);
    await eventually(() => expect(engineASawClose).toBe(true));

    const inbox = engineInbox(b.engine);
    links[1]!.send('hello');
    links[0]!.send('to the dead');
    await eventually(() => expect(inbox).toContain('hello'));
    await tick(20);
    expect(inbox).toEqual(['hello']);
  });

  it('replays the current open link to a late subscriber, not a closed one', async () => {
    const c = createBridgeController({ platform: 'darwin' });
    const a = channel();
    c.acceptPort(a.page);
    const late: BridgeLink[] = [];
    const off = c.bridge.onEngineLink((l) => late.push(l));
    expect(late).toHaveLength(1);
    off();
    a.engine.close();
    await eventually(() => {
      const probe: BridgeLink[] = [];
      const offProbe = c.bridge.onEngineLink((l) => probe.push(l));
      offProbe();
      expect(probe).toHaveLength(0); // the closed link is no longer replayed
    });
    const later: BridgeLink[] = [];
    c.bridge.onEngineLink((l) => later.push(l));
    expect(later).toHaveLength(0);
    // unsubscribed listener gets nothing new
    c.acceptPort(channel().page);
    expect(late).toHaveLength(1);
    expect(later).toHaveLength(1);
  });

  it('relays failures as strings, replays the last one, and clears it on a new port', () => {
    const c = createBridgeController({ platform: 'win32' });
    const got: string[] = [];
    c.bridge.onEngineFailure((m) => got.push(m));
    c.acceptFailure({ not: 'a string' });
    c.acceptFailure('engine gave up');
    c.acceptFailure('x'.repeat(5_000));
    expect(got[0]).toBe('engine gave up');
    expect(got[1]).toHaveLength(2_000);
    const late: string[] = [];
    c.bridge.onEngineFailure((m) => late.push(m));
    expect(late).toHaveLength(1);
    c.acceptPort(channel().page);
    const later: string[] = [];
    c.bridge.onEngineFailure((m) => later.push(m));
    expect(later).toEqual([]);
  });

  it('ignores junk from the page and a message without a port', () => {
    const c = createBridgeController({ platform: 'linux' });
    expect(() => c.bridge.onEngineLink('nope' as never)()).not.toThrow();
    expect(() => c.bridge.onEngineFailure(null as never)()).not.toThrow();
    expect(() => c.acceptPort(undefined)).not.toThrow();
  });
});
