import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import type { EquityPoint } from '../format/equity.js';
import { EQUITY_REFRESH_MS, followEquity } from './equity-sync.js';
import { T0, portfolio } from './trading-fixtures.js';
import { initialTradingState, useTradingStore } from './trading-store.js';

/** Records equityCurve calls; each answers (when `resolve` is called) with the given points. */
function fakeClient() {
  const calls: { method: string; input: unknown; resolve: (v: EquityPoint[]) => void; reject: (e: unknown) => void }[] = [];
  const client = {
    call: (method: string, input: unknown) =>
      new Promise<EquityPoint[]>((resolve, reject) => {
        calls.push({ method, input, resolve, reject });
      }),
  };
  return { client: client as unknown as Parameters<typeof followEquity>[0], calls };
}

const sink = () => {
  const got: (readonly EquityPoint[])[] = [];
  const errors: unknown[] = [];
  return { got, errors, sink: { points: (l: readonly EquityPoint[]) => void got.push(l), error: (e: unknown) => void errors.push(e) } };
};

let ts = T0;
const push = () => useTradingStore.getState().portfolioDelta(portfolio(++ts, 1));
const settle = async () => {
  await vi.advanceTimersByTimeAsync(0);
};

describe('followEquity', () => {
  beforeEach(() => {
    vi.useFakeTimers();
    useTradingStore.setState(initialTradingState);
  });
  afterEach(() => vi.useRealTimers());

  it('loads at once: the account with no strategy, a strategy by id', async () => {
    const f = fakeClient();
    const s = sink();
    const a = followEquity(f.client, null, s.sink);
    const b = followEquity(f.client, 'manual', s.sink);
    expect(f.calls.map((c) => [c.method, c.input])).toEqual([
      ['portfolio.equityCurve', {}],
      ['portfolio.equityCurve', { strategy: 'manual' }],
    ]);
    f.calls[0]!.resolve([{ t: T0, equityPaise: 5 }]);
    await settle();
    expect(s.got).toEqual([[{ t: T0, equityPaise: 5 }]]);
    a.stop();
    b.stop();
  });

  it('reloads on portfolio pushes at most once per interval; a burst collapses into one trailing load', async () => {
    const f = fakeClient();
    const s = sink();
    const feed = followEquity(f.client, null, s.sink);
    expect(f.calls).toHaveLength(1);
    f.calls[0]!.resolve([]);
    await settle();

    for (let i = 0; i < 10; i++) push();
    await vi.advanceTimersByTimeAsync(EQUITY_REFRESH_MS - 1);
    expect(f.calls).toHaveLength(1); // too soon after the first load
    await vi.advanceTimersByTimeAsync(1);
    expect(f.calls).toHaveLength(2); // one load for the whole burst
    f.calls[1]!.resolve([]);
    await settle();

    // pushes while the next window is open: again exactly one more, no earlier than the interval
    await vi.advanceTimersByTimeAsync(500);
    push();
    push();
    await vi.advanceTimersByTimeAsync(EQUITY_REFRESH_MS - 501);
    expect(f.calls).toHaveLength(2);
    await vi.advanceTimersByTimeAsync(1);
    expect(f.calls).toHaveLength(3);
    f.calls[2]!.resolve([]);
    await settle();

    // a quiet store: no more loads
    await vi.advanceTimersByTimeAsync(10 * EQUITY_REFRESH_MS);
    expect(f.calls).toHaveLength(3);
    feed.stop();
  });

  it('never runs two loads at once: a push during a slow load reloads after it', async () => {
    const f = fakeClient();
    const s = sink();
    const feed = followEquity(f.client, null, s.sink);
    push();
    await vi.advanceTimersByTimeAsync(5 * EQUITY_REFRESH_MS);
    expect(f.calls).toHaveLength(1); // the first is still unanswered
    f.calls[0]!.resolve([{ t: T0, equityPaise: 1 }]);
    await settle();
    expect(f.calls).toHaveLength(2); // the interval has long passed: at once
    feed.stop();
  });

  it('after stop: no loads, and a late answer is ignored', async () => {
    const f = fakeClient();
    const s = sink();
    const feed = followEquity(f.client, null, s.sink);
    push();
    feed.stop();
    f.calls[0]!.resolve([{ t: T0, equityPaise: 1 }]);
    await vi.advanceTimersByTimeAsync(5 * EQUITY_REFRESH_MS);
    push();
    await vi.advanceTimersByTimeAsync(5 * EQUITY_REFRESH_MS);
    expect(f.calls).toHaveLength(1);
    expect(s.got).toEqual([]);
  });

  it('skips pushes while hidden; refresh() when visible again loads', async () => {
    const f = fakeClient();
    const s = sink();
    let visible = true;
    const feed = followEquity(f.client, null, s.sink, { visible: () => visible });
    f.calls[0]!.resolve([]);
    await settle();
    visible = false;
    push();
    await vi.advanceTimersByTimeAsync(5 * EQUITY_REFRESH_MS);
    expect(f.calls).toHaveLength(1);
    visible = true;
    feed.refresh();
    expect(f.calls).toHaveLength(2);
    feed.stop();
  });

  it('reports failures but not disconnects', async () => {
    const f = fakeClient();
    const s = sink();
    const feed = followEquity(f.client, null, s.sink);
    f.calls[0]!.reject(Object.assign(new Error('gone'), { code: 'DISCONNECTED' }));
    await settle();
    expect(s.errors).toEqual([]);
    push();
    await vi.advanceTimersByTimeAsync(EQUITY_REFRESH_MS);
    const boom = Object.assign(new Error('bad'), { code: 'INTERNAL' });
    f.calls[1]!.reject(boom);
    await settle();
    expect(s.errors).toEqual([boom]);
    feed.stop();
  });
});
