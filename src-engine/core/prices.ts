/** Price helpers. All prices are integer paise (₹1 = 100 paise). */

/** Rounds `paise` to the nearest multiple of `tickPaise` (halves round up). Always returns an integer. */
export function snapToTick(paise: number, tickPaise: number): number {
  if (!Number.isSafeInteger(tickPaise) || tickPaise <= 0) {
    throw new RangeError(`snapToTick: tickPaise must be a positive integer, got ${String(tickPaise)}`);
  }
  if (!Number.isFinite(paise)) {
    throw new RangeError(`snapToTick: paise must be a finite number, got ${String(paise)}`);
  }
  const snapped = Math.round(paise / tickPaise) * tickPaise;
  // Math.round(-0.4) is -0; normalise so callers never see -0.
  return snapped === 0 ? 0 : snapped;
}
