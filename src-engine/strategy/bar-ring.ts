import type { Bar } from '../indicators/indicator.js';

/** Recent closed bars of one (symbol, timeframe), newest last; fixed capacity, grows on request. */
export class BarRing {
  private buf: (Readonly<Bar> | undefined)[];
  private head = -1;
  private n = 0;

  constructor(private cap: number) {
    if (!Number.isSafeInteger(cap) || cap < 1) throw new RangeError(`BarRing: capacity must be a positive integer, got ${cap}`);
    this.buf = new Array<Readonly<Bar> | undefined>(cap).fill(undefined);
  }

  get size(): number {
    return this.n;
  }

  get capacity(): number {
    return this.cap;
  }

  /** Stores a copy of the bar (only t,o,h,l,c,v) and returns it. */
  push(bar: Readonly<Bar>): Readonly<Bar> {
    return this.keep({ t: bar.t, o: bar.o, h: bar.h, l: bar.l, c: bar.c, v: bar.v });
  }

  /** Stores the bar object itself (the caller hands it over: a fresh object nobody changes later) and returns it. */
  keep(b: Readonly<Bar>): Readonly<Bar> {
    this.head = this.head + 1 === this.cap ? 0 : this.head + 1;
    this.buf[this.head] = b;
    if (this.n < this.cap) this.n++;
    return b;
  }

  /** The bar `ago` back (0 = newest), or undefined. */
  get(ago: number): Readonly<Bar> | undefined {
    if (!(ago >= 0 && ago < this.n)) return undefined;
    let i = this.head - Math.floor(ago);
    if (i < 0) i += this.cap;
    return this.buf[i];
  }

  /** The newest `k` bars, oldest first. */
  last(k: number): Readonly<Bar>[] {
    const m = Math.max(0, Math.min(Math.floor(k), this.n));
    const out = new Array<Readonly<Bar>>(m);
    for (let j = 0; j < m; j++) out[j] = this.get(m - 1 - j)!;
    return out;
  }

  /** Raise the capacity to at least `cap`, keeping the bars. */
  ensureCapacity(cap: number): void {
    if (cap <= this.cap) return;
    const kept = this.last(this.n);
    this.cap = cap;
    this.buf = new Array<Readonly<Bar> | undefined>(cap).fill(undefined);
    this.head = -1;
    this.n = 0;
    for (const b of kept) {
      this.head++;
      this.buf[this.head] = b;
      this.n++;
    }
  }
}
