/**
 * Seeded pseudo-random numbers (mulberry32). Small, fast and deterministic for a given seed; good
 * enough for a market simulator, NOT for anything security-related.
 */
export class Rng {
  private state: number;
  private spare: number | undefined;

  constructor(seed: number) {
    if (!Number.isFinite(seed)) {
      throw new RangeError(`Rng: seed must be a finite number, got ${String(seed)}`);
    }
    // Fold any finite number (incl. fractions/negatives/large values) into 32 bits.
    this.state = Math.trunc(seed) >>> 0;
  }

  /** Uniform in [0, 1). */
  uniform(): number {
    this.state = (this.state + 0x6d2b79f5) | 0;
    let t = this.state;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  }

  /** Standard normal N(0, 1) by the Box-Muller transform (the second variate is cached). */
  normal(): number {
    if (this.spare !== undefined) {
      const s = this.spare;
      this.spare = undefined;
      return s;
    }
    // 1 - uniform() is in (0, 1], so log() never sees 0.
    const r = Math.sqrt(-2 * Math.log(1 - this.uniform()));
    const theta = 2 * Math.PI * this.uniform();
    this.spare = r * Math.sin(theta);
    return r * Math.cos(theta);
  }
}
