/**
 * Shared bits of the fuzz targets (issue 15, "Bad input"). Each input family has one target
 * `(runs, seed) → { cases, failures }`: fast-check generates the inputs from a fixed seed, the target
 * feeds them to the real parser / server and counts a failure for every input that crashed it, hung it,
 * or got an error that is not the family's typed error (with a message saying where).
 */
import fc from 'fast-check';

export interface FuzzResult {
  cases: number;
  /** Up to MAX_KEPT descriptions (input and what went wrong); `failureCount` has them all. */
  failures: string[];
  failureCount: number;
  /** What the inputs got (e.g. the share of each answer), to show they reached the code under test. */
  notes?: string;
}

export type FuzzTarget = (runs: number, seed: number) => Promise<FuzzResult>;

export const MAX_KEPT = 20;

/** Collects failures, keeping the first few in full. */
export class Failures {
  readonly list: string[] = [];
  count = 0;
  add(what: string, input: unknown): void {
    this.count++;
    if (this.list.length < MAX_KEPT) this.list.push(`${what}; input ${show(input)}`);
  }
  result(cases: number): FuzzResult {
    return { cases, failures: this.list, failureCount: this.count };
  }
}

/** A short printable form of an input (JSON, or the string itself), cut at 400 characters. */
export function show(v: unknown): string {
  let s: string;
  try {
    s = typeof v === 'string' ? JSON.stringify(v) : v instanceof Uint8Array ? Buffer.from(v).toString('hex') : (JSON.stringify(v) ?? String(v));
  } catch {
    s = String(v);
  }
  return s.length > 400 ? `${s.slice(0, 400)}…(${s.length} chars)` : s;
}

export function describeError(e: unknown): string {
  return e instanceof Error ? `${e.name}: ${e.message.split('\n')[0]}` : `non-Error thrown: ${show(e)}`;
}

const BATCH = 1000;

/**
 * Runs `fn` on `runs` values of `arb`, drawn by fast-check in batches of 1000 whose seeds are derived
 * from `seed` (the same seed always gives the same inputs).
 */
export function forEachSample<T>(arb: fc.Arbitrary<T>, runs: number, seed: number, fn: (v: T) => void): void {
  for (let done = 0, b = 0; done < runs; b++) {
    const n = Math.min(BATCH, runs - done);
    for (const v of fc.sample(arb, { numRuns: n, seed: (seed * 7919 + b) | 0 })) fn(v);
    done += n;
  }
}

export async function forEachSampleAsync<T>(arb: fc.Arbitrary<T>, runs: number, seed: number, fn: (v: T) => Promise<void>): Promise<void> {
  for (let done = 0, b = 0; done < runs; b++) {
    const n = Math.min(BATCH, runs - done);
    for (const v of fc.sample(arb, { numRuns: n, seed: (seed * 7919 + b) | 0 })) await fn(v);
    done += n;
  }
}

/** Text mutations of a valid input: byte/char edits, line deletes, duplicates, swaps, truncation, junk. */
export function mutatedText(valid: readonly string[]): fc.Arbitrary<string> {
  const op = fc.record({
    op: fc.constantFrom('set', 'insert', 'delete', 'truncate', 'dropLine', 'dupLine', 'swapLines', 'junkLine', 'emptyField'),
    at: fc.nat(),
    at2: fc.nat(),
    text: fc.oneof(fc.string({ maxLength: 8 }), fc.constantFrom(',', '\n', '"', '\r\n', ':', '- ', '  ', '\t', '#', '{', '[', 'NaN', '-1', '1e309', '\u0000', '\ufeff')),
  });
  return fc.tuple(fc.nat(valid.length - 1), fc.array(op, { minLength: 1, maxLength: 5 })).map(([which, ops]) => {
    let s = valid[which]!;
    for (const o of ops) {
      const lines = s.split('\n');
      const at = s.length ? o.at % s.length : 0;
      const li = o.at % lines.length;
      const lj = o.at2 % lines.length;
      switch (o.op) {
        case 'set':
          s = s.slice(0, at) + o.text + s.slice(at + 1);
          break;
        case 'insert':
          s = s.slice(0, at) + o.text + s.slice(at);
          break;
        case 'delete':
          s = s.slice(0, at) + s.slice(at + 1 + (o.at2 % 8));
          break;
        case 'truncate':
          s = s.slice(0, at);
          break;
        case 'dropLine':
          lines.splice(li, 1);
          s = lines.join('\n');
          break;
        case 'dupLine':
          lines.splice(li, 0, lines[li]!);
          s = lines.join('\n');
          break;
        case 'swapLines':
          [lines[li], lines[lj]] = [lines[lj]!, lines[li]!];
          s = lines.join('\n');
          break;
        case 'junkLine':
          lines.splice(li, 0, o.text);
          s = lines.join('\n');
          break;
        case 'emptyField': {
          const parts = lines[li]!.split(',');
          parts[o.at2 % parts.length] = o.text.includes(',') ? '' : o.text;
          lines[li] = parts.join(',');
          s = lines.join('\n');
          break;
        }
      }
    }
    return s;
  });
}
