import { describe, expect, it } from 'vitest';
import { RefusalLog } from './refusal-log.js';

describe('RefusalLog', () => {
  const setup = () => {
    let t = 0;
    const lines: { message: string; data?: Record<string, unknown> }[] = [];
    const scheduled: { fn: () => void; at: number }[] = [];
    const r = new RefusalLog((_l, message, data) => void lines.push({ message, ...(data ? { data } : {}) }), {
      burst: 3,
      windowMs: 1000,
      now: () => t,
      schedule: (fn, ms) => {
        const e = { fn, at: t + ms };
        scheduled.push(e);
        return { cancel: () => scheduled.splice(scheduled.indexOf(e), 1) };
      },
    });
    return { r, lines, scheduled, advance: (ms: number) => (t += ms) };
  };

  it('writes the first few of a window, then one summary with the count', () => {
    const { r, lines, scheduled, advance } = setup();
    for (let i = 0; i < 1000; i++) r.note('http request refused', { i });
    expect(lines).toHaveLength(3);
    expect(scheduled).toHaveLength(1);
    expect(scheduled[0]!.at).toBe(1000);
    advance(1000);
    scheduled[0]!.fn();
    expect(lines).toHaveLength(4);
    expect(lines[3]).toMatchObject({ data: { count: 997 } });
  });

  it('starts a fresh window after the last one ended; a quiet window writes no summary', () => {
    const { r, lines, advance, scheduled } = setup();
    r.note('a');
    advance(5000);
    r.note('b');
    r.note('c');
    expect(lines.map((l) => l.message)).toEqual(['a', 'b', 'c']);
    expect(scheduled).toHaveLength(0);
    for (let i = 0; i < 5; i++) r.note('d');
    advance(2000);
    r.note('e'); // the window ended: its summary first, then a fresh burst
    expect(lines.map((l) => l.message)).toEqual(['a', 'b', 'c', 'd', 'more requests refused (not logged one by one)', 'e']);
    expect(lines[4]!.data).toMatchObject({ count: 4 });
    expect(scheduled).toHaveLength(0);
  });
});
