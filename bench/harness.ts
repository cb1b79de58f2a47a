/**
 * A tiny benchmark harness: each case runs next to a baseline in the same process, so the printed
 * ratio means something on any machine. Figures are printed, never asserted.
 */
export interface Case {
  name: string;
  /** What one op is (e.g. "frame", "tick"). */
  unit: string;
  /** Runs `n` ops; returns when done (may be async). */
  run(n: number): void | Promise<void>;
}

async function opsPerSec(c: Case, n: number, rounds: number): Promise<number> {
  await c.run(Math.min(n, 1000)); // warm-up
  const rates: number[] = [];
  for (let r = 0; r < rounds; r++) {
    const t0 = process.hrtime.bigint();
    await c.run(n);
    const s = Number(process.hrtime.bigint() - t0) / 1e9;
    rates.push(n / s);
  }
  rates.sort((a, b) => a - b);
  return rates[Math.floor(rates.length / 2)]!; // median
}

const fmt = (x: number) => (x >= 1e6 ? `${(x / 1e6).toFixed(2)} M` : x >= 1e3 ? `${(x / 1e3).toFixed(1)} k` : x.toFixed(0));

export async function compare(title: string, subject: Case, baseline: Case, n: number, rounds = 5): Promise<void> {
  const b = await opsPerSec(baseline, n, rounds);
  const s = await opsPerSec(subject, n, rounds);
  console.log(`\n${title}`);
  console.log(`  baseline  ${baseline.name.padEnd(48)} ${fmt(b).padStart(9)} ${baseline.unit}/s`);
  console.log(`  subject   ${subject.name.padEnd(48)} ${fmt(s).padStart(9)} ${subject.unit}/s   (${((s / b) * 100).toFixed(1)} % of baseline)`);
}
