/**
 * The contract: every request method (and every topic's params) sent arbitrary payloads — shapes built
 * from the method's own zod schema, mutations of them, and junk — as raw frames through a real RpcServer
 * over the in-memory transport pair, against a real engine (simulator feed, paper trading). Every answer
 * must be a result or a typed error other than INTERNAL, within 10 s; afterwards the engine still answers
 * engine.health, and a paper order placed before the fuzzing is still in orders.list.
 */
import fc from 'fast-check';
import { z } from 'zod';
import { createEngineServer } from '../api/server.js';
import { kiteDeskApi } from '../contract/api.js';
import { ErrorCode } from '../contract/errors.js';
import { createMemoryPair } from '../contract/transport.js';
import { parseRunProfile } from '../runtime/config.js';
import { Engine, type WatchlistStore } from '../runtime/engine.js';
import { MemoryTradingStore } from '../runtime/trading.js';
import { Failures, type FuzzResult, forEachSampleAsync } from './common.js';

type Json = Record<string, unknown>;

const junk: fc.Arbitrary<unknown> = fc.oneof(
  fc.constantFrom(null, true, false, 0, -1, 1e308, '', 'NIFTY', 'RELIANCE', 'x'.repeat(300), '2026-11-20', '../../etc/passwd', '__proto__', 'constructor'),
  fc.integer(),
  fc.double(),
  fc.string({ maxLength: 12 }),
  fc.jsonValue({ maxDepth: 2 }),
);

/** A fast-check arbitrary for (roughly) the values a JSON Schema describes. */
function fromJsonSchema(s: unknown, depth = 0): fc.Arbitrary<unknown> {
  if (!s || typeof s !== 'object' || depth > 5) return junk;
  const js = s as Json;
  if ('const' in js) return fc.constant(js.const);
  if (Array.isArray(js.enum)) return fc.constantFrom(...(js.enum as unknown[]));
  const alts = (js.anyOf ?? js.oneOf) as unknown[] | undefined;
  if (Array.isArray(alts) && alts.length) return fc.oneof(...alts.map((a) => fromJsonSchema(a, depth + 1)));
  if (Array.isArray(js.allOf) && js.allOf.length) return fromJsonSchema(js.allOf[0], depth + 1);
  const type = Array.isArray(js.type) ? (js.type as string[])[0] : (js.type as string | undefined);
  switch (type) {
    case 'object': {
      const props = (js.properties ?? {}) as Record<string, unknown>;
      const required = new Set((js.required ?? []) as string[]);
      const keys = Object.keys(props);
      if (keys.length === 0) return js.additionalProperties && typeof js.additionalProperties === 'object' ? fc.dictionary(fc.string({ maxLength: 8 }), fromJsonSchema(js.additionalProperties, depth + 1), { maxKeys: 3 }) : fc.constant({});
      const rec: Record<string, fc.Arbitrary<unknown>> = {};
      for (const k of keys) rec[k] = fromJsonSchema(props[k], depth + 1);
      return fc.record(rec, { requiredKeys: keys.filter((k) => required.has(k)) });
    }
    case 'array': {
      const items = js.prefixItems as unknown[] | undefined;
      if (Array.isArray(items)) return fc.tuple(...items.map((i) => fromJsonSchema(i, depth + 1)));
      const min = typeof js.minItems === 'number' ? js.minItems : 0;
      const max = Math.min(typeof js.maxItems === 'number' ? js.maxItems : min + 4, min + 4);
      return fc.array(fromJsonSchema(js.items, depth + 1), { minLength: min, maxLength: max });
    }
    case 'string': {
      if (typeof js.pattern === 'string') {
        try {
          return fc.stringMatching(new RegExp(js.pattern), { maxLength: 24 });
        } catch {
          /* a pattern fast-check cannot generate from: plain strings below */
        }
      }
      const fmt = js.format === 'date' ? fc.constantFrom('2026-11-20', '2026-02-30', '1999-01-01') : undefined;
      const min = typeof js.minLength === 'number' ? js.minLength : 0;
      const max = typeof js.maxLength === 'number' ? Math.min(js.maxLength, min + 16) : min + 16;
      return fmt ?? fc.oneof(fc.string({ minLength: min, maxLength: max }), fc.constantFrom('RELIANCE', 'INFY', 'NIFTY', 'mom', '1m', 'BUY', 'MARKET'));
    }
    case 'integer':
    case 'number': {
      const min = typeof js.minimum === 'number' ? js.minimum : typeof js.exclusiveMinimum === 'number' ? js.exclusiveMinimum + 1 : -1e6;
      const max = typeof js.maximum === 'number' ? js.maximum : typeof js.exclusiveMaximum === 'number' ? js.exclusiveMaximum - 1 : 1e9;
      return type === 'integer' ? fc.integer({ min: Math.max(min, -(2 ** 31)), max: Math.min(max, 2 ** 31) }) : fc.double({ min, max, noNaN: true });
    }
    case 'boolean':
      return fc.boolean();
    case 'null':
      return fc.constant(null);
    default:
      return junk;
  }
}

function schemaArb(schema: z.ZodType): fc.Arbitrary<unknown> {
  try {
    return fromJsonSchema(z.toJSONSchema(schema, { io: 'input', unrepresentable: 'any' }));
  } catch {
    return junk;
  }
}

/** Valid-shaped payloads, mutations of them (a key dropped, added, or given junk), and plain junk. */
function payloadArb(schema: z.ZodType): fc.Arbitrary<unknown> {
  const shaped = schemaArb(schema);
  const mutated = fc.tuple(shaped, fc.nat(), fc.constantFrom('drop', 'junk', 'add'), junk).map(([v, at, op, j]) => {
    if (!v || typeof v !== 'object' || Array.isArray(v)) return op === 'junk' ? j : v;
    const o = { ...(v as Json) };
    const keys = Object.keys(o);
    const k = keys.length ? keys[at % keys.length]! : 'extra';
    if (op === 'drop') delete o[k];
    else if (op === 'junk') o[k] = j;
    else o[`extra${at % 3}`] = j;
    return o;
  });
  return fc.oneof({ weight: 4, arbitrary: shaped }, { weight: 4, arbitrary: mutated }, { weight: 2, arbitrary: junk }, { weight: 1, arbitrary: fc.constant(undefined) });
}

// Friday 2026-11-20 10:00 IST, inside the session
const NOW = Date.parse('2026-11-20T10:00:00+05:30');
const PROFILE = 'feed:\n  backfillMinutes: 30\n  seed: 3\nstrategies:\n  - id: mom\n    type: momentum\n    params: { period: 2, threshold: 0.01 }\n    symbols: [RELIANCE]\n    timeframe: 1m\ntrading:\n  capital: 1000000\n  autoTrade: false\n';

interface Reply {
  ok: boolean;
  r?: unknown;
  e?: { code: string; message: string };
}

/** Raw frames to the server: what a buggy or hostile client could send (the RpcClient would validate first). */
class RawClient {
  private nextId = 1;
  private readonly waiting = new Map<number, (f: Json) => void>();
  constructor(private readonly end: ReturnType<typeof createMemoryPair>[0]) {
    end.onFrame((raw) => {
      let f: Json;
      try {
        f = JSON.parse(String(raw)) as Json;
      } catch {
        return;
      }
      const w = typeof f.id === 'number' ? this.waiting.get(f.id) : undefined;
      if (w && (f.t === 'res' || f.t === 'snap' || f.t === 'suberr')) {
        this.waiting.delete(f.id as number);
        w(f);
      }
    });
  }
  /** The answer to one frame, or 'hang' after 10 s. */
  ask(frame: Json): Promise<Json | 'hang'> {
    const id = this.nextId++;
    return new Promise((resolve) => {
      const timer = setTimeout(() => {
        this.waiting.delete(id);
        resolve('hang');
      }, 10_000);
      this.waiting.set(id, (f) => {
        clearTimeout(timer);
        resolve(f);
      });
      this.end.send(JSON.stringify({ v: 1, id, ...frame }));
    });
  }
  send(frame: Json): void {
    this.end.send(JSON.stringify({ v: 1, id: this.nextId++, ...frame }));
  }
}

const METHODS = Object.keys(kiteDeskApi.requests).sort();
const TOPICS = Object.keys(kiteDeskApi.topics).sort();

export async function fuzzContract(runs: number, seed: number): Promise<FuzzResult> {
  const fails = new Failures();
  let s: string[] = [];
  const watchlist: WatchlistStore = { get: () => [...s], set: (x) => void (s = [...x]) };
  const engine = new Engine({ profile: parseRunProfile(PROFILE), watchlist, clock: { now: () => NOW }, autoStart: false, trading: new MemoryTradingStore() });
  let lastLog = '';
  const server = createEngineServer(engine, {
    coalesceMs: 5,
    log: (level, message, data) => {
      if (level === 'error') lastLog = `${message} ${JSON.stringify(data ?? {}).slice(0, 600)}`;
    },
  });
  const [clientEnd, serverEnd] = createMemoryPair();
  server.accept(serverEnd);
  const c = new RawClient(clientEnd);
  let cases = 0;
  const answers = new Map<string, number>();
  try {
    // saved before the fuzzing: it must still be listed after
    const placed = await c.ask({ t: 'req', m: 'orders.place', p: { symbol: 'RELIANCE', side: 'BUY', qty: 1, orderType: 'MARKET', clientId: 'fuzzkeep1' } });
    const keptId = placed !== 'hang' && placed.ok === true ? (placed.r as { orders?: { orderId: string }[] }).orders?.[0]?.orderId : undefined;
    if (keptId === undefined) {
      fails.add(`could not place the order to keep: ${JSON.stringify(placed).slice(0, 300)}`, null);
      return fails.result(0);
    }

    const reqArbs = METHODS.map((m) => payloadArb(kiteDeskApi.requests[m as keyof typeof kiteDeskApi.requests].input).map((p) => ({ kind: 'req' as const, m, p })));
    const subArbs = TOPICS.map((t) => payloadArb(kiteDeskApi.topics[t as keyof typeof kiteDeskApi.topics].params).map((p) => ({ kind: 'sub' as const, m: t, p })));
    const arb = fc.oneof(fc.oneof(...reqArbs), fc.oneof(...subArbs));
    await forEachSampleAsync(arb, runs, seed, async (x) => {
      cases++;
      const ans = await c.ask({ t: x.kind, m: x.kind === 'req' ? x.m : undefined, topic: x.kind === 'sub' ? x.m : undefined, p: x.p });
      if (ans === 'hang') return fails.add(`${x.m}: no answer in 10 s`, x.p);
      const e = (ans.e ?? undefined) as Reply['e'];
      const outcome = e ? e.code : ans.t === 'snap' ? 'subscribed' : 'ok';
      answers.set(outcome, (answers.get(outcome) ?? 0) + 1);
      if (ans.t === 'snap') c.send({ t: 'unsub', id: ans.id });
      if (e && (e.code === ErrorCode.INTERNAL || typeof e.message !== 'string' || !e.message)) return fails.add(`${x.m}: ${e.code} ${e.message} (engine log: ${lastLog})`, x.p);
      if (ans.t === 'res' && ans.ok === true && x.kind === 'req') {
        const out = kiteDeskApi.requests[x.m as keyof typeof kiteDeskApi.requests].output.safeParse(ans.r);
        if (!out.success) fails.add(`${x.m}: answer does not match its output schema: ${out.error.issues[0]?.message}`, x.p);
      }
      if (cases % 500 === 0) {
        const h = await c.ask({ t: 'req', m: 'engine.health', p: {} });
        if (h === 'hang' || h.ok !== true) fails.add(`engine.health failed after ${cases} cases: ${JSON.stringify(h).slice(0, 200)}`, x.p);
      }
    });
    const h = await c.ask({ t: 'req', m: 'engine.health', p: {} });
    if (h === 'hang' || h.ok !== true) fails.add(`engine.health failed after the fuzzing: ${JSON.stringify(h).slice(0, 200)}`, null);
    // orders.list shows the current mode's orders: back to paper if a fuzz case switched modes
    const mode = await c.ask({ t: 'req', m: 'mode.get', p: {} });
    if (mode !== 'hang' && mode.ok === true && (mode.r as { mode?: string }).mode !== 'paper') {
      const back = await c.ask({ t: 'req', m: 'mode.set', p: { mode: 'paper' } });
      if (back === 'hang' || back.ok !== true || (back.r as { ok?: boolean }).ok !== true) fails.add(`cannot switch back to paper after the fuzzing: ${JSON.stringify(back).slice(0, 200)}`, null);
    }
    const list = await c.ask({ t: 'req', m: 'orders.list', p: {} });
    if (list === 'hang' || list.ok !== true || !Array.isArray(list.r)) fails.add(`orders.list failed after the fuzzing: ${JSON.stringify(list).slice(0, 200)}`, null);
    else if (!(list.r as { orderId?: string }[]).some((o) => o.orderId === keptId)) fails.add('the order placed before the fuzzing is gone from orders.list', keptId);
  } finally {
    server.closeAll();
    engine.stop();
  }
  const pct = (n: number) => `${((100 * n) / Math.max(1, cases)).toFixed(1)} %`;
  return { ...fails.result(cases), notes: [...answers].sort((a, b) => b[1] - a[1]).map(([k, n]) => `${k} ${pct(n)}`).join(', ') };
}
