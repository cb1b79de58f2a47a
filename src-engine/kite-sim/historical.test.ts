import { afterAll, describe, expect, it } from 'vitest';
import { istDay, nseCalendar } from '../core/nse-calendar.js';
import { NIFTY50_SEEDS } from '../model/instruments.js';
import { kiteChecksum } from './auth.js';
import { CandleRecorder, lastCloseBefore, SimHistory } from './historical.js';
import { KiteSimulator } from './kite-simulator.js';
import { GeneratedMarket } from './market-source.js';

const T0 = Date.parse('2026-10-22T05:00:00Z'); // Thu 2026-10-22 10:30 IST; Tue 2026-10-20 is a holiday (Diwali)

describe('SimHistory', () => {
  const recorder = new CandleRecorder();
  const h = new SimHistory({ seed: 1, startMs: T0, recorder, now: () => T0 + 3_600_000 });
  const inst = { token: 408065, tickPaise: 10, avgDailyVolume: 7_500_000, basePaise: 144_000 };

  it('the last session before the start closes exactly at the starting previous close; no candles on weekends and holidays', () => {
    const days = h.candles(inst, { interval: 'day', from: Date.parse('2026-09-01T00:00:00Z'), to: T0, oi: false });
    const labels = days.map((c) => c[0].slice(0, 10));
    expect(labels.at(-1)).toBe('2026-10-21'); // the start day has no synthetic candle (the live prints make it)
    expect(days.at(-1)![4]).toBe(1440); // = basePaise, the quote's ohlc.close
    for (const d of labels) expect(nseCalendar.isTradingDay(d)).toBe(true);
    expect(labels).not.toContain('2026-10-20');
    for (const c of days) {
      expect(c[0]).toMatch(/T00:00:00\+0530$/);
      expect(c[2]).toBeGreaterThanOrEqual(Math.max(c[1], c[4]));
      expect(c[3]).toBeLessThanOrEqual(Math.min(c[1], c[4]));
      expect(Math.round(c[4] * 100) % 10).toBe(0); // on INFY's 0.10 tick
    }
    const minutes = h.candles(inst, { interval: 'minute', from: Date.parse('2026-10-21T03:45:00Z'), to: T0, oi: false });
    expect(minutes[0]![0]).toBe('2026-10-21T09:15:00+0530');
    expect(minutes.at(-1)![0]).toBe('2026-10-21T15:29:00+0530');
    expect(minutes.at(-1)![4]).toBe(1440);
    expect(minutes).toHaveLength(375);
  });

  it('after the start: the recorded live prints, aggregated from 09:15, never past now', () => {
    recorder.record(408065, 144_100, 10, T0 + 1_000);
    recorder.record(408065, 144_300, 5, T0 + 30_000);
    recorder.record(408065, 143_900, 7, T0 + 65_000);
    recorder.record(408065, 144_000, 1, T0 + 2 * 3_600_000); // after "now": never served
    const five = h.candles(inst, { interval: '5minute', from: T0 - 3_600_000, to: T0 + 5 * 3_600_000, oi: true });
    expect(five).toEqual([['2026-10-22T10:30:00+0530', 1441, 1443, 1439, 1439, 22, 0]]);
    const day = h.candles(inst, { interval: 'day', from: T0 - 2 * 86_400_000, to: T0 + 86_400_000, oi: false });
    expect(day.map((c) => c[0])).toEqual(['2026-10-21T00:00:00+0530', '2026-10-22T00:00:00+0530']);
    expect(day[1]).toEqual(['2026-10-22T00:00:00+0530', 1441, 1443, 1439, 1439, 22]);
    expect(h.candles(inst, { interval: 'minute', from: T0 + 2 * 3_600_000, to: T0 + 3 * 3_600_000, oi: false })).toEqual([]);
  });

  it('keeps Kite\'s limits and errors', () => {
    expect(() => h.candles(inst, { interval: 'minute', from: T0 - 61 * 86_400_000, to: T0, oi: false })).toThrow(/max limit: 60 days/);
    expect(() => h.candles(inst, { interval: '2minute', from: T0, to: T0, oi: false })).toThrow(/invalid interval/);
    expect(lastCloseBefore(T0)).toBe(Date.parse('2026-10-21T10:00:00Z'));
  });
});

describe('historical candles through the simulator agree with the live quote', () => {
  const sim = new KiteSimulator();
  afterAll(() => sim.close());

  it('previous close = the quote\'s ohlc.close; after a session roll the day candle matches the quote of that day', async () => {
    const start = Date.parse('2026-10-22T09:50:00Z'); // 15:20 IST, ten minutes before the close
    const market = new GeneratedMarket({ seeds: NIFTY50_SEEDS, seed: 9, startTime: start });
    const r = await sim.start({ port: 0, market, flushIntervalMs: 1_000_000, apiKey: 'k', apiSecret: 's' });
    market.stop();
    const login = async () => {
      const res = await fetch(`${r.url}/connect/login?api_key=k&v=3`, { redirect: 'manual' });
      const rt = new URL(res.headers.get('location')!).searchParams.get('request_token')!;
      const body = new URLSearchParams({ api_key: 'k', request_token: rt, checksum: kiteChecksum('k', rt, 's') });
      const session = (await (await fetch(`${r.url}/session/token`, { method: 'POST', headers: { 'Content-Type': 'application/x-www-form-urlencoded' }, body })).json()) as { data: { access_token: string } };
      return { Authorization: `token k:${session.data.access_token}`, Connection: 'close' };
    };
    let auth = await login();
    const get = async (path: string) => {
      for (;;) {
        const x = await fetch(`${r.url}${path}`, { headers: auth });
        if (x.status !== 429) return (await x.json()) as { data: never; status: string };
        await new Promise((s) => setTimeout(s, 300));
      }
    };
    const ist = (ms: number) => new Date(ms + 19_800_000).toISOString().slice(0, 19).replace('T', '+');
    for (const sym of ['INFY', 'NIFTY 50', 'NIFTY26OCTFUT']) {
      const st = sim.exchange.lookup(`${sym === 'NIFTY26OCTFUT' ? 'NFO' : 'NSE'}:${sym}`)!;
      const q = ((await get(`/quote/ohlc?i=${encodeURIComponent(`${st.inst.exchange}:${sym}`)}`)).data as Record<string, { ohlc: { close: number } }>)[`${st.inst.exchange}:${sym}`]!;
      const days = ((await get(`/instruments/historical/${st.inst.token}/day?from=2026-10-01&to=${ist(start)}`)).data as { candles: [string, number, number, number, number, number][] }).candles;
      expect(days.at(-1)![4]).toBe(q.ohlc.close);
      expect(days.at(-1)![0]).toBe('2026-10-21T00:00:00+0530');
    }
    // run into the next session: the day of the start is now a finished candle equal to the live day
    market.advance(15 * 60_000);
    auth = await login(); // the night crossed 06:00 IST: Kite's access tokens expired
    const infy = sim.exchange.lookup('NSE:INFY')!;
    const now = sim.exchange.now();
    expect(istDay(now)).toBe('2026-10-23');
    const days = ((await get(`/instruments/historical/${infy.inst.token}/day?from=2026-10-01&to=${ist(now)}`)).data as { candles: [string, number, number, number, number, number][] }).candles;
    const d22 = days.find((c) => c[0].startsWith('2026-10-22'))!;
    expect(d22[4]).toBe(infy.closePaise / 100); // yesterday's close = today's previous close in the quote
    expect(days.at(-1)![0]).toBe('2026-10-23T00:00:00+0530');
    expect(days.at(-1)![4]).toBe(infy.lastPaise / 100);
    const mins = ((await get(`/instruments/historical/${infy.inst.token}/minute?from=${ist(now - 3_600_000)}&to=${ist(now + 86_400_000)}`)).data as { candles: [string][] }).candles;
    expect(Date.parse(mins.at(-1)![0].replace('+0530', '+05:30'))).toBeLessThanOrEqual(now);
  }, 60_000);
});
