import { createMemoryPair, PROTOCOL_VERSION, RpcClient, RpcServer, kiteDeskApi, type Candle, type Handlers, type KiteDeskApi, type TopicHandlers } from '../src-engine/contract/index.js';
import { compare } from './harness.js';

/** Stream deltas from server to client: how much the envelope, validation and seq tracking cost over bare JSON. */
export async function rpcBench(): Promise<void> {
  const candle: Candle = { symbol: 'RELIANCE', tf: '1m', t: 1_763_610_300_000, o: 129_505, h: 129_800, l: 129_400, c: 129_650, v: 12_345 };
  let push: ((c: Candle) => void) | undefined;
  const topics = {
    'candles.updated': () => ({ snapshot: () => [], listen: (p: (c: Candle) => void) => ((push = p), () => (push = undefined)) }),
  } as unknown as TopicHandlers<KiteDeskApi>;
  const server = new RpcServer(kiteDeskApi, {} as Handlers<KiteDeskApi>, topics);
  const [c, s] = createMemoryPair();
  server.accept(s);
  const client = new RpcClient(kiteDeskApi);
  client.attach(c);
  let received = 0;
  let target = 0;
  let done: (() => void) | undefined;
  client.subscribe('candles.updated', { symbol: 'RELIANCE' }, {
    snapshot: () => {},
    delta: () => {
      if (++received === target) done?.();
    },
  });
  while (!push) await new Promise((r) => setTimeout(r, 1));

  await compare(
    'contract stream: one candle delta server → client (in-memory transport)',
    {
      name: 'RpcServer push → envelope → RpcClient delta',
      unit: 'deltas',
      run: (n) =>
        new Promise<void>((resolve) => {
          target = received + n;
          done = resolve;
          for (let i = 0; i < n; i++) push!({ ...candle, c: candle.c + (i % 20) * 5 });
        }),
    },
    {
      name: 'JSON.stringify + JSON.parse of the same frame',
      unit: 'deltas',
      run: (n) => {
        let sink = 0;
        for (let i = 0; i < n; i++) sink += (JSON.parse(JSON.stringify({ v: PROTOCOL_VERSION, t: 'evt', id: 1, seq: i + 1, d: candle })) as { seq: number }).seq;
        if (sink < 0) console.log(sink);
      },
    },
    50_000,
  );
  client.detach();
}
