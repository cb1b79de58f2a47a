import { beforeEach, describe, expect, it } from 'vitest';
import type { DepthSnapshotDto } from '../../src-engine/contract/schemas.js';
import { followDepth } from './depth-sync.js';
import { DEPTH_ROWS, depthView, useDepthStore } from './depth.js';
import { useAppStore } from './store.js';

const T0 = Date.UTC(2026, 10, 20, 3, 45);
const snap = (symbol: string, ts = T0, bid = 100_000): DepthSnapshotDto => ({
  symbol,
  tsEvent: ts,
  buy: [0, 1, 2, 3, 4].map((k) => ({ pricePaise: bid - 5 * k, quantity: 100 * (k + 1), orders: k + 1 })),
  sell: [0, 1, 2].map((k) => ({ pricePaise: bid + 5 + 5 * k, quantity: 50 * (k + 1), orders: 1 })),
});

describe('depthView', () => {
  it('always gives 5 rows a side: asks worst→best above bids best→worst, bars relative to the biggest level, spread', () => {
    const v = depthView(snap('INFY'));
    expect(v.buy).toHaveLength(DEPTH_ROWS);
    expect(v.sell).toHaveLength(DEPTH_ROWS);
    expect(v.buy.map((r) => r.pricePaise)).toEqual([100_000, 99_995, 99_990, 99_985, 99_980]);
    expect(v.sell.map((r) => r.pricePaise)).toEqual([null, null, 100_015, 100_010, 100_005]);
    expect(v.sell.map((r) => r.level)).toEqual([4, 3, 2, 1, 0]);
    expect(v.buy.map((r) => r.fraction)).toEqual([0.2, 0.4, 0.6, 0.8, 1]);
    expect(v.sell[4]!.fraction).toBeCloseTo(0.1);
    expect(v.sell[0]).toMatchObject({ side: 'sell', quantity: 0, orders: 0, fraction: 0 });
    expect(v.spreadPaise).toBe(5);
    expect(v.totalBuy).toBe(1500);
    expect(v.totalSell).toBe(300);
  });

  it('null (no depth yet): 10 empty rows, no spread', () => {
    const v = depthView(null);
    expect([...v.sell, ...v.buy].every((r) => r.pricePaise === null && r.fraction === 0)).toBe(true);
    expect(v.buy).toHaveLength(5);
    expect(v.spreadPaise).toBeNull();
  });
});

describe('useDepthStore', () => {
  beforeEach(() => useDepthStore.setState({ symbol: null, depth: null }));

  it('keeps only the followed symbol, drops older snapshots, empties on a symbol change', () => {
    const d = () => useDepthStore.getState();
    d().apply('INFY', snap('INFY'));
    expect(d().depth).toBeNull(); // not followed
    d().follow('INFY');
    d().apply('INFY', snap('INFY', T0 + 500));
    expect(d().depth!.tsEvent).toBe(T0 + 500);
    d().apply('INFY', snap('INFY', T0 + 250));
    expect(d().depth!.tsEvent).toBe(T0 + 500);
    d().apply('TCS', snap('TCS', T0 + 900));
    expect(d().depth!.symbol).toBe('INFY');
    d().apply('INFY', null); // a snapshot that says "none yet"
    expect(d().depth).toBeNull();
    d().apply('INFY', snap('INFY', T0 + 750));
    d().follow('INFY');
    expect(d().depth).not.toBeNull();
    d().follow('TCS');
    expect(d()).toMatchObject({ symbol: 'TCS', depth: null });
  });
});

interface FakeSub {
  params: { symbol: string };
  handlers: { snapshot: (d: DepthSnapshotDto | null) => void; delta: (d: DepthSnapshotDto) => void; error: (e: unknown) => void };
  closed: boolean;
}

describe('followDepth', () => {
  const initial = useAppStore.getState();
  beforeEach(() => {
    useAppStore.setState(initial, true);
    useDepthStore.setState({ symbol: null, depth: null });
  });

  it('subscribes depth.updated for the selected symbol, re-subscribes on a change and feeds only from the current subscription', () => {
    const subs: FakeSub[] = [];
    const client = {
      subscribe: (topic: string, params: FakeSub['params'], handlers: FakeSub['handlers']) => {
        expect(topic).toBe('depth.updated');
        const s: FakeSub = { params, handlers, closed: false };
        subs.push(s);
        return { close: () => void (s.closed = true) };
      },
    } as unknown as Parameters<typeof followDepth>[0];
    const app = () => useAppStore.getState();
    const depth = () => useDepthStore.getState();

    const stop = followDepth(client, () => {});
    expect(subs).toHaveLength(0); // nothing selected
    app().setWatchlist(['INFY', 'TCS']);
    expect(subs.map((s) => s.params)).toEqual([{ symbol: 'INFY' }]);
    subs[0]!.handlers.snapshot(null);
    expect(depth()).toMatchObject({ symbol: 'INFY', depth: null });
    subs[0]!.handlers.delta(snap('INFY', T0));
    expect(depth().depth!.symbol).toBe('INFY');

    app().select('TCS');
    expect(subs.map((s) => `${s.params.symbol}${s.closed ? ' closed' : ''}`)).toEqual(['INFY closed', 'TCS']);
    expect(depth()).toMatchObject({ symbol: 'TCS', depth: null });
    subs[0]!.handlers.delta(snap('INFY', T0 + 1000)); // late push from the old subscription
    expect(depth().depth).toBeNull();
    subs[1]!.handlers.snapshot(snap('TCS', T0));
    expect(depth().depth!.symbol).toBe('TCS');
    app().select('TCS'); // unchanged: no new subscription
    expect(subs).toHaveLength(2);

    stop();
    expect(subs.every((s) => s.closed)).toBe(true);
  });
});
