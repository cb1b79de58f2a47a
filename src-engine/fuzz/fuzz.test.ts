/**
 * The fast slice of the fuzz targets (issue 15): a few hundred to a few thousand fast-check cases per input
 * family, fixed seeds; `kitedesk chaos --fuzz` runs ≥ 1M. Plus the crashes fuzzing found, as regressions.
 */
import { describe, expect, it } from 'vitest';
import { parseCandleCsv } from '../kite-sim/csv-replay.js';
import { Ledger } from '../portfolio/ledger.js';
import { ConfigError, parseRunProfile } from '../runtime/config.js';
import { FUZZ_FAMILIES, FAST_SLICE } from './index.js';

describe('fuzz targets: the fast slice', () => {
  for (const fam of FUZZ_FAMILIES) {
    it(`${fam.name}: ${FAST_SLICE[fam.name]} cases, every one a result or a typed error`, async () => {
      const r = await fam.run(FAST_SLICE[fam.name], 15);
      expect(r.failures).toEqual([]);
      expect(r.failureCount).toBe(0);
      expect(r.cases).toBe(FAST_SLICE[fam.name]);
    }, 60_000);
  }
});

describe('crashes found by fuzzing', () => {
  it('profile: an alias to an anchor that is not set is a ConfigError, not a ReferenceError', () => {
    expect(() => parseRunProfile('*L20', 'p.yaml')).toThrow(ConfigError);
    expect(() => parseRunProfile('feed: *nope\n', 'p.yaml')).toThrow(/^p\.yaml: invalid YAML: /);
  });

  it('csv-replay: a price of 1e308 rupees is a bad price at its line, not a RangeError from snapToTick', () => {
    const r = parseCandleCsv('datetime,open,high,low,close,volume\n2026-11-20,1e308,1e308,1,2,10\n', 'X.csv', 'X');
    expect(r.series).toBeUndefined();
    expect(r.issues).toContainEqual(expect.objectContaining({ file: 'X.csv', line: 2, message: expect.stringMatching(/bad open "1e308"/) }));
  });

  it('ledger: a fill stamped before the last equity sample keeps the curve in time order (performance.get answered INTERNAL)', () => {
    const t0 = Date.parse('2026-11-20T10:00:00+05:30');
    const l = new Ledger({ capitalPaise: 1_000_000 });
    l.mark('X', 100, t0);
    l.mark('X', 100, t0 + 60_000);
    l.applyFill({ orderId: 'o1', fillId: 'f1', clientId: 'c1', strategy: 's', symbol: 'X', exchange: 'NSE', product: 'MIS', side: 'BUY', qty: 1, pricePaise: 100, tsEvent: t0 + 59_046, chargesPaise: 0 });
    const ts = l.equityCurve().map((p) => p.ts);
    expect(ts).toEqual([...ts].sort((a, b) => a - b));
    expect(l.equityCurve().at(-1)).toEqual({ ts: t0 + 60_000, valuePaise: l.equityPaise() });
  });
});
