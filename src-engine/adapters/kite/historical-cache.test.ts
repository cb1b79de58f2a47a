import { existsSync, mkdtempSync, readdirSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { istTime } from '../../core/nse-calendar.js';
import { HistoricalCache, type HistoricalSource } from './historical-cache.js';
import type { KiteCandle } from './rest-types.js';

/** A source with one candle at 09:15 and one at 15:29 IST on each weekday, recording every request. */
function source(): HistoricalSource & { reqs: [string, string][] } {
  const reqs: [string, string][] = [];
  const iso = (t: number) => new Date(t + 19_800_000).toISOString().slice(0, 16);
  return {
    reqs,
    historical: (_token, _iv, from, to) => {
      reqs.push([iso(from), iso(to)]);
      const out: KiteCandle[] = [];
      for (let d = from - (from % 86_400_000) - 86_400_000; d <= to + 86_400_000; d += 86_400_000) {
        const day = new Date(d + 19_800_000).toISOString().slice(0, 10);
        const wd = new Date(`${day}T12:00:00Z`).getUTCDay();
        if (wd === 0 || wd === 6) continue;
        for (const hm of ['09:15', '15:29']) {
          const t = istTime(day, hm);
          if (t >= from && t <= to && !out.some((c) => c.time === t)) out.push({ time: t, openPaise: 100, highPaise: 105, lowPaise: 95, closePaise: 100, volume: 3 });
        }
      }
      return Promise.resolve(out.sort((a, b) => a.time - b.time));
    },
  };
}

describe('HistoricalCache', () => {
  it('splits a long range by Kite’s per-request limit and keeps complete days', async () => {
    const src = source();
    const dir = mkdtempSync(join(tmpdir(), 'hist-'));
    const cache = new HistoricalCache({ source: src, dir });
    const from = istTime('2026-08-03', '00:00');
    const to = istTime('2026-11-20', '11:00');
    const a = await cache.candles(408065, 'minute', from, to);
    // 110 days: two requests of at most 60 days each
    expect(src.reqs).toHaveLength(2);
    expect(src.reqs[0]).toEqual(['2026-08-03T00:00', '2026-10-01T23:59']);
    expect(a[a.length - 1]!.time).toBe(istTime('2026-11-20', '09:15'));
    // the complete days are files now (weekends too, as empty days); 11-20 was not complete at 11:00
    const files = readdirSync(join(dir, '408065', 'minute'));
    expect(files).toContain('2026-11-19.json');
    expect(files).toContain('2026-11-15.json'); // a Sunday, kept empty
    expect(files).not.toContain('2026-11-20.json');
    // again, later that day: only the unfinished day is asked for
    const b = await cache.candles(408065, 'minute', from, istTime('2026-11-20', '15:40'));
    expect(src.reqs).toHaveLength(3);
    expect(src.reqs[2]).toEqual(['2026-11-20T00:00', '2026-11-20T15:40']);
    expect(b.length).toBe(a.length + 1);
  });

  it('a day only partly asked for is not cached', async () => {
    const src = source();
    const dir = mkdtempSync(join(tmpdir(), 'hist-'));
    const cache = new HistoricalCache({ source: src, dir });
    await cache.candles(1, 'minute', istTime('2026-11-19', '12:00'), istTime('2026-11-20', '10:00'));
    expect(existsSync(join(dir, '1', 'minute', '2026-11-19.json'))).toBe(false);
    expect(existsSync(join(dir, '1', 'minute', '2026-11-20.json'))).toBe(false);
  });

  it('rejects a bad candle naming the instrument, the interval, the candle and the field', async () => {
    const bad: HistoricalSource = {
      historical: () =>
        Promise.resolve([
          { time: istTime('2026-11-20', '09:15'), openPaise: 100, highPaise: 105, lowPaise: 95, closePaise: 100, volume: 1 },
          { time: istTime('2026-11-20', '09:16'), openPaise: 0, highPaise: 105, lowPaise: 95, closePaise: 100, volume: 1 },
        ]),
    };
    const cache = new HistoricalCache({ source: bad, name: () => 'NSE:INFY' });
    await expect(cache.candles(1, 'minute', istTime('2026-11-20', '09:00'), istTime('2026-11-20', '10:00'))).rejects.toThrow(
      'Kite historical NSE:INFY minute: candle 2 (2026-11-20 09:16:00 IST): open is not a positive price',
    );
  });

  it('daily candles before a planning day: one request, kept for that day, replaced the next day', async () => {
    const reqs: [number, number][] = [];
    const src: HistoricalSource = {
      historical: (_t, iv, from, to) => {
        reqs.push([from, to]);
        expect(iv).toBe('day');
        const out: KiteCandle[] = [];
        for (let d = istTime('2026-11-16', '00:00'); d <= istTime('2026-11-20', '00:00'); d += 86_400_000) {
          if (d >= from && d <= to) out.push({ time: d, openPaise: 100, highPaise: 110, lowPaise: 90, closePaise: 105, volume: 1000 });
        }
        return Promise.resolve(out);
      },
    };
    const dir = mkdtempSync(join(tmpdir(), 'hist-'));
    const cache = new HistoricalCache({ source: src, dir });
    const a = await cache.dailyBefore(7, '2026-11-20', 400);
    expect(a.map((c) => c.time)).toEqual(['16', '17', '18', '19'].map((d) => istTime(`2026-11-${d}`, '00:00')));
    expect(reqs).toEqual([[istTime('2026-11-20', '00:00') - 400 * 86_400_000, istTime('2026-11-20', '00:00') - 1000]]);
    expect(await cache.dailyBefore(7, '2026-11-20', 400)).toEqual(a);
    expect(reqs).toHaveLength(1);
    await cache.dailyBefore(7, '2026-11-21', 400);
    expect(reqs).toHaveLength(2);
    expect(readdirSync(join(dir, '7', 'day'))).toEqual(['2026-11-21.json']);
  });
});
