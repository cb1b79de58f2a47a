/** Ticks per second over a sliding one-second window, in 100 ms buckets (O(1) per tick). */
export class TickRate {
  private readonly buckets = new Array<number>(10).fill(0);
  private bucketStart = 0;
  private index = 0;

  constructor(private readonly now: () => number) {
    this.bucketStart = now();
  }

  private roll(): void {
    const t = this.now();
    let steps = Math.floor((t - this.bucketStart) / 100);
    if (steps <= 0) return;
    if (steps > 10) steps = 10;
    for (let i = 0; i < steps; i++) {
      this.index = (this.index + 1) % 10;
      this.buckets[this.index] = 0;
    }
    this.bucketStart = t - ((t - this.bucketStart) % 100);
  }

  record(n = 1): void {
    this.roll();
    this.buckets[this.index]! += n;
  }

  perSecond(): number {
    this.roll();
    let s = 0;
    for (const b of this.buckets) s += b;
    return s;
  }
}
