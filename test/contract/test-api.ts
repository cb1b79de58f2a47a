import { z } from 'zod';
import { defineApi, ErrorCode, RpcError, RpcServer, type Handlers, type TopicHandlers, type TopicSource } from '../../src-engine/contract/index.js';

/** A small API that exercises every feature of the RPC core, independent of the engine. */
export const testApi = defineApi({
  requests: {
    'test.echo': { input: z.object({ text: z.string().max(100_000) }).strict(), output: z.object({ text: z.string() }) },
    'test.slow': { input: z.object({ ms: z.number().int().min(0).max(60_000) }).strict(), output: z.object({ done: z.boolean() }) },
    'test.fail': { input: z.object({ kind: z.enum(['rpc', 'crash']) }).strict(), output: z.null() },
  },
  topics: {
    'test.counterChanged': {
      params: z.object({ name: z.string().min(1).max(20) }).strict(),
      snapshot: z.object({ value: z.number() }),
      delta: z.object({ value: z.number() }),
    },
    'test.keyedChanged': {
      params: z.object({}).strict(),
      snapshot: z.record(z.string(), z.number()),
      delta: z.object({ key: z.string(), value: z.number() }),
    },
  },
});
export type TestApi = typeof testApi;

/** Server-side state the tests drive directly. */
export class TestBackend {
  counters = new Map<string, number>();
  listeners = new Set<(name: string, value: number) => void>();
  keyed = new Map<string, number>();
  keyedListeners = new Set<(d: { key: string; value: number }) => void>();
  cancelled: number[] = [];
  activeSubs = 0;

  bump(name: string): void {
    const v = (this.counters.get(name) ?? 0) + 1;
    this.counters.set(name, v);
    for (const l of this.listeners) l(name, v);
  }
  setKey(key: string, value: number): void {
    this.keyed.set(key, value);
    for (const l of this.keyedListeners) l({ key, value });
  }

  server(options: ConstructorParameters<typeof RpcServer>[3] = {}): RpcServer<TestApi> {
    const handlers: Handlers<TestApi> = {
      'test.echo': ({ text }) => ({ text }),
      'test.slow': ({ ms }, ctx) =>
        new Promise((resolve) => {
          const t = setTimeout(() => resolve({ done: true }), ms);
          ctx.signal.onCancel(() => {
            clearTimeout(t);
            this.cancelled.push(ms);
          });
        }),
      'test.fail': ({ kind }) => {
        if (kind === 'rpc') throw new RpcError(ErrorCode.NOT_FOUND, 'nothing here', { what: 'x' });
        throw new Error('secret internal detail at /home/user/.kitedesk');
      },
    };
    const topics: TopicHandlers<TestApi> = {
      'test.counterChanged': ({ name }) => {
        const source: TopicSource<{ value: number }, { value: number }> = {
          snapshot: () => ({ value: this.counters.get(name) ?? 0 }),
          listen: (push) => {
            this.activeSubs++;
            const l = (n: string, value: number) => {
              if (n === name) push({ value });
            };
            this.listeners.add(l);
            return () => {
              this.activeSubs--;
              this.listeners.delete(l);
            };
          },
        };
        return source;
      },
      'test.keyedChanged': () => ({
        snapshot: () => Object.fromEntries(this.keyed),
        listen: (push) => {
          this.keyedListeners.add(push);
          return () => this.keyedListeners.delete(push);
        },
        coalesceKey: (d) => d.key,
      }),
    };
    return new RpcServer(testApi, handlers, topics, options);
  }
}
