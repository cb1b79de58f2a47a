import type { Bar, Indicator } from './indicator.js';
import { createIndicator } from './registry.js';

/**
 * Copies the whole state of `src` into `dst`, two indicators built from the same spec: numbers and
 * booleans are assigned, typed arrays copied in place, nested objects (cores, rings) copied the same
 * way; functions are left alone (the factories give each instance the same stateless closures).
 * O(state size): a few numbers, or the indicator's window.
 */
export function copyIndicatorState(dst: object, src: object): void {
  const d = dst as Record<string, unknown>;
  for (const [key, value] of Object.entries(src)) {
    if (typeof value === 'function') continue;
    const mine = d[key];
    if (ArrayBuffer.isView(value)) {
      const arr = mine as { set(a: ArrayLike<number>): void; length: number } | undefined;
      if (arr === undefined || arr.length !== (value as unknown as { length: number }).length) throw new TypeError(`copyIndicatorState: ${key} differs in shape`);
      arr.set(value as unknown as ArrayLike<number>);
    } else if (Array.isArray(value)) {
      if (!Array.isArray(mine) || mine.length !== value.length) throw new TypeError(`copyIndicatorState: ${key} differs in shape`);
      // the only arrays are column names (fixed per spec): nothing to copy
    } else if (value !== null && typeof value === 'object') {
      if (mine === null || typeof mine !== 'object') throw new TypeError(`copyIndicatorState: ${key} differs in shape`);
      copyIndicatorState(mine, value);
    } else {
      d[key] = value;
    }
  }
}

/**
 * An indicator of closed bars plus a look at the forming one: `commit(bar)` feeds a closed bar,
 * `preview(bar)` answers the values as if the forming `bar` closed now without changing the committed
 * state (a scratch copy of the same spec takes the committed state, then the bar).
 */
export class PreviewIndicator {
  readonly committed: Indicator;
  private readonly scratch: Indicator;

  constructor(readonly spec: string) {
    this.committed = createIndicator(spec);
    this.scratch = createIndicator(spec);
  }

  get columns(): readonly string[] {
    return this.committed.columns;
  }

  /** Feeds a closed bar; returns its outputs (the indicator's reused array: copy to keep). */
  commit(bar: Bar): Float64Array {
    this.committed.update(bar);
    return this.committed.out;
  }

  /** The outputs if `bar` closed now (a reused array: copy to keep). */
  preview(bar: Bar): Float64Array {
    copyIndicatorState(this.scratch, this.committed);
    this.scratch.update(bar);
    return this.scratch.out;
  }

  reset(): void {
    this.committed.reset();
  }
}
