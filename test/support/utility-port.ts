import { EventEmitter } from 'node:events';
import type { MessagePort } from 'node:worker_threads';
import type { EngineToMain } from '../../src-engine/contract/index.js';
import type { MessagePortMainLike, ParentPortLike } from '../../src-engine/host/utility-entry.js';

/** Electron's MessagePortMain is an EventEmitter delivering {data}; build one over a Node port. */
export function asPortMain(p: MessagePort): MessagePortMainLike {
  return {
    postMessage: (m) => p.postMessage(m),
    on: ((event: 'message' | 'close', l: (e: { data: unknown }) => void) => {
      if (event === 'message') p.on('message', (data) => l({ data }));
      else p.on('close', () => (l as () => void)());
    }) as MessagePortMainLike['on'],
    start: () => p.start(),
    close: () => p.close(),
  };
}

/** process.parentPort stand-in: main's side posts into it, the engine's replies are recorded. */
export class FakeParentPort extends EventEmitter implements ParentPortLike {
  sent: EngineToMain[] = [];
  postMessage(m: unknown) {
    this.sent.push(m as EngineToMain);
  }
  deliver(data: unknown, ports: MessagePortMainLike[] = []) {
    this.emit('message', { data, ports });
  }
  /** The first message of this type the engine sent (waits for it). */
  async next<T extends EngineToMain['type']>(type: T, timeoutMs = 10_000): Promise<Extract<EngineToMain, { type: T }>> {
    const end = Date.now() + timeoutMs;
    for (;;) {
      const m = this.sent.find((x) => x.type === type);
      if (m) return m as Extract<EngineToMain, { type: T }>;
      if (Date.now() > end) throw new Error(`no ${type} from the engine; got ${this.sent.map((x) => x.type).join(', ')}`);
      await new Promise((r) => setTimeout(r, 10));
    }
  }
}
