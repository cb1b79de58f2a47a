/** Parameter checks and column naming shared by the indicator factories. */

/**
 * Checks that `params` has one positive integer (≥ `min`) per name in `names`; throws a RangeError
 * naming the indicator, its expected form and the offending parameter.
 */
export function intParams(indicator: string, params: readonly number[], names: readonly string[], min = 1): number[] {
  const form = [indicator, ...names].join(':');
  if (params.length !== names.length) {
    throw new RangeError(`${indicator}: expected ${names.length} parameter${names.length === 1 ? '' : 's'} (${form}), got ${params.length}`);
  }
  params.forEach((p, i) => {
    if (!Number.isInteger(p) || p < min) throw new RangeError(`${indicator}: ${names[i]} must be an integer ≥ ${min} (${form}), got ${p}`);
  });
  return [...params];
}

/** Column stem: `macd` + [12, 26, 9] → `macd_12_26_9`. */
export function stem(name: string, params: readonly number[]): string {
  return [name, ...params.map(String)].join('_');
}

/** Column names: the stem alone, or `<stem>_<suffix>` for multi-output indicators. */
export function columnNames(id: string, suffixes?: readonly string[]): string[] {
  return suffixes ? suffixes.map((s) => `${id}_${s}`) : [id];
}
