import { describe, expect, it } from 'vitest';
import type { Instrument } from '../contract/schemas.js';
import { istTime } from '../core/nse-calendar.js';
import { fnoSymbol } from '../fno/expiries.js';
import { FnoPlan, FnoPlanError, fnoInstanceIds, fnoProfileSchema, resolveFno, type FnoProfileInput } from './fno-plan.js';

const FUTS = ['2026-12-29', '2027-01-26'];
const WEEKLIES = ['2026-12-08', '2026-12-15'];
function niftyList(): Instrument[] {
  const out: Instrument[] = [{ symbol: 'NIFTY 50', name: 'NIFTY 50', exchange: 'NSE', tickSizePaise: 5, lotSize: 1, kind: 'INDEX', tradable: false }];
  for (const e of FUTS) out.push({ symbol: fnoSymbol('NIFTY', e, 'FUT', 0, true), name: 'NIFTY', exchange: 'NFO', tickSizePaise: 10, lotSize: 65, kind: 'FUT', underlying: 'NIFTY', expiry: e });
  for (const e of WEEKLIES) {
    for (let k = 25_500_00; k <= 26_500_00; k += 50_00) {
      for (const right of ['CE', 'PE'] as const) out.push({ symbol: fnoSymbol('NIFTY', e, right, k, false), name: 'NIFTY', exchange: 'NFO', tickSizePaise: 5, lotSize: 65, kind: right, underlying: 'NIFTY', expiry: e, strikePaise: k });
    }
  }
  return out;
}
const profile = (p: Partial<FnoProfileInput> = {}) => fnoProfileSchema.parse({ underlyings: ['NIFTY'], futures: {}, options: {}, ...p });
const MON = istTime('2026-12-07', '10:00');

describe('fno profile: resolution against the instrument list', () => {
  it('current future, ATM CE and PE of the nearest expiry; ITM/OTM by N listed strikes', () => {
    const r = resolveFno(profile(), niftyList(), 'NIFTY', 26_013_00, MON);
    expect(r).toEqual({ underlying: 'NIFTY', underlyingSymbol: 'NIFTY 50', future: 'NIFTY26DECFUT', option: { expiry: '2026-12-08', atmPaise: 26_000_00, strikePaise: 26_000_00, ce: 'NIFTY26D0826000CE', pe: 'NIFTY26D0826000PE' } });
    const itm = resolveFno(profile({ options: { strike: 'ITM', steps: 2, expiry: 'next' } }), niftyList(), 'NIFTY', 26_013_00, MON).option!;
    expect([itm.ce, itm.pe]).toEqual(['NIFTY26D1525900CE', 'NIFTY26D1526100PE']);
    const otm = resolveFno(profile({ options: { strike: 'OTM', steps: 1, right: 'CE' } }), niftyList(), 'NIFTY', 26_013_00, MON).option!;
    expect([otm.ce, otm.pe]).toEqual(['NIFTY26D0826050CE', undefined]);
  });

  it('futures roll over N trading days before expiry; next picks the one after', () => {
    const profile = (p: Partial<FnoProfileInput> = {}) => fnoProfileSchema.parse({ underlyings: ['NIFTY'], futures: {}, ...p });
    // expiry Tue 29 Dec; rolloverDays 1 → from Mon 28 Dec the January contract is current
    expect(resolveFno(profile(), niftyList(), 'NIFTY', 26_000_00, istTime('2026-12-24', '10:00')).future).toBe('NIFTY26DECFUT');
    expect(resolveFno(profile(), niftyList(), 'NIFTY', 26_000_00, istTime('2026-12-28', '10:00')).future).toBe('NIFTY27JANFUT');
    expect(resolveFno(profile({ futures: { rolloverDays: 0 } }), niftyList(), 'NIFTY', 26_000_00, istTime('2026-12-29', '10:00')).future).toBe('NIFTY26DECFUT');
    expect(resolveFno(profile({ futures: { contract: 'next' } }), niftyList(), 'NIFTY', 26_000_00, MON).future).toBe('NIFTY27JANFUT');
  });

  it('bad sections are refused with their path; unknown underlyings and unlisted expiries with what is listed', () => {
    const bad = fnoProfileSchema.safeParse({ underlyings: ['nifty'], options: { strike: 'ITM' }, strategies: [{ id: 'a', type: 'x', leg: 'future', on: 'contract' }] });
    expect(bad.success).toBe(false);
    const paths = bad.error!.issues.map((i) => i.path.join('.'));
    expect(paths).toEqual(expect.arrayContaining(['underlyings.0', 'options.steps', 'strategies.0.leg']));
    expect(() => new FnoPlan(profile({ underlyings: ['BANKNIFTY'] }), niftyList(), () => 26_000_00, MON)).toThrow(/BANKNIFTY has no derivatives/);
    expect(() => resolveFno(profile({ options: { expiry: '2026-12-10' } }), niftyList(), 'NIFTY', 26_000_00, MON)).toThrow(FnoPlanError);
    expect(() => resolveFno(profile({ options: { expiry: '2026-12-10' } }), niftyList(), 'NIFTY', 26_000_00, MON)).toThrow(/listed: 2026-12-08, 2026-12-15/);
  });

  it('re-resolves when the ATM moves by reResolveStrikes and when the expiry passes', () => {
    const plan = new FnoPlan(profile({ options: { reResolveStrikes: 2 } }), niftyList(), () => 26_013_00, MON);
    expect(plan.onPrice('NIFTY 50', 26_060_00, MON + 1000)).toEqual([]); // ATM 26,050: one strike
    expect(plan.resolution('NIFTY')!.option!.ce).toBe('NIFTY26D0826000CE');
    expect(plan.onPrice('NIFTY 50', 26_090_00, MON + 2000)).toEqual(['NIFTY']); // ATM 26,100: two strikes
    expect(plan.resolution('NIFTY')!.option).toMatchObject({ ce: 'NIFTY26D0826100CE', pe: 'NIFTY26D0826100PE' });
    expect(plan.onPrice('RELIANCE', 1, MON + 3000)).toEqual([]);
    // expiry day 15:30: the next weekly becomes the nearest
    expect(plan.onPrice('NIFTY 50', 26_090_00, istTime('2026-12-08', '15:30'))).toEqual(['NIFTY']);
    expect(plan.resolution('NIFTY')!.option).toMatchObject({ expiry: '2026-12-15', ce: 'NIFTY26D1526100CE' });
  });

  it('instances: on contract runs on the contract, on underlying on the index; routes long premium and closes first', () => {
    const plan = new FnoPlan(
      profile({ strategies: [{ id: 'fut', type: 'fno_intraday_trend', leg: 'future', on: 'contract' }, { id: 'opt', type: 'fno_intraday_trend', leg: 'option', on: 'underlying' }, { id: 'uf', type: 'fno_intraday_trend', leg: 'future', on: 'underlying' }] }),
      niftyList(),
      () => 26_013_00,
      MON,
    );
    expect(plan.instances().map((i) => [i.id, i.symbols])).toEqual([
      ['fut', ['NIFTY26DECFUT']],
      ['opt', ['NIFTY 50']],
      ['uf', ['NIFTY 50']],
    ]);
    const none = () => 0;
    expect(plan.route('fut', 'NIFTY26DECFUT', 'BUY', none)).toBeUndefined();
    expect(plan.route('opt', 'NIFTY 50', 'BUY', none)).toEqual({ symbol: 'NIFTY26D0826000CE', side: 'BUY' });
    expect(plan.route('opt', 'NIFTY 50', 'SELL', none)).toEqual({ symbol: 'NIFTY26D0826000PE', side: 'BUY' });
    // holding a CE (even of a strike no longer ATM), a SELL closes it first
    const heldCe = (s: string) => (s === 'NIFTY26D0825950CE' ? 65 : 0);
    expect(plan.route('opt', 'NIFTY 50', 'SELL', heldCe)).toEqual({ symbol: 'NIFTY26D0825950CE', side: 'SELL' });
    expect(plan.route('uf', 'NIFTY 50', 'SELL', none)).toEqual({ symbol: 'NIFTY26DECFUT', side: 'SELL' });
    expect(plan.route('uf', 'NIFTY 50', 'BUY', (s) => (s === 'NIFTY26DECFUT' ? -65 : 0))).toEqual({ symbol: 'NIFTY26DECFUT', side: 'BUY' });
    expect(plan.symbols().sort()).toEqual(['NIFTY 50', 'NIFTY26D0826000CE', 'NIFTY26D0826000PE', 'NIFTY26DECFUT']);
  });
});

describe('fno: in the run profile', () => {
  it('the shipped profile parses; fno on the Kite feed is accepted, on a replay refused at its key', async () => {
    const { readFileSync } = await import('node:fs');
    const { parseRunProfile } = await import('./config.js');
    const p = parseRunProfile(readFileSync(new URL('../../configs/fno-nifty.yaml', import.meta.url), 'utf8'), 'fno-nifty.yaml');
    expect(p.fno).toMatchObject({ underlyings: ['NIFTY'], options: { strike: 'ATM', right: 'both' } });
    expect(p.trading.sizing.default).toEqual({ mode: 'fixed_lots', lots: 1, leverage: 2, exposureBps: 8000 });
    expect(parseRunProfile('feed: { kind: kite }\nfno: { underlyings: [NIFTY], futures: {} }\n', 'k.yaml').fno).toMatchObject({ underlyings: ['NIFTY'] });
    expect(() => parseRunProfile('feed: { kind: replay, dir: d }\nfno: { underlyings: [NIFTY], futures: {} }\n', 'r.yaml')).toThrow(/r\.yaml: invalid run profile:\n {2}fno: works on feed\.kind simulator and kite, not replay/);
    expect(() => parseRunProfile('fno: { underlyings: [NIFTY], options: { strike: OTM } }\n', 'o.yaml')).toThrow(/fno\.options\.steps: OTM needs steps/);
  });
});

describe('a contract the instrument list lacks', () => {
  it('one right missing at the resolved strike: the other is traded and the missing one is named (underlying, expiry, strike, right)', () => {
    const list = niftyList().filter((i) => i.symbol !== fnoSymbol('NIFTY', '2026-12-08', 'PE', 26_000_00, false));
    const r = resolveFno(profile(), list, 'NIFTY', 26_010_00, MON);
    expect(r.option).toMatchObject({ strikePaise: 26_000_00, ce: fnoSymbol('NIFTY', '2026-12-08', 'CE', 26_000_00, false), missing: ['NIFTY 2026-12-08 26000 PE'] });
    expect(r.option!.pe).toBeUndefined();
  });

  it('both missing: a FnoPlanError naming them', () => {
    const list = niftyList().filter((i) => i.strikePaise !== 26_000_00 || i.expiry !== '2026-12-08' || i.kind !== 'CE');
    expect(() => resolveFno(profile({ options: { right: 'CE' } }), list, 'NIFTY', 26_010_00, MON)).toThrow(FnoPlanError);
    // with the CE gone the listed strikes still hold 26000 (its PE): the CE at it is named
    expect(() => resolveFno(profile({ options: { right: 'CE' } }), list, 'NIFTY', 26_010_00, MON)).toThrow('fno.options: not in the instrument list: NIFTY 2026-12-08 26000 CE');
  });

  it('fnoInstanceIds names the instances as FnoPlan.instances does, before any resolution', () => {
    const one = profile({ strategies: [{ id: 'a', type: 'fno_intraday_trend', leg: 'future', on: 'contract' }] });
    const plan = new FnoPlan(one, niftyList(), () => 26_010_00, MON);
    expect(fnoInstanceIds(one)).toEqual(plan.instances().map((i) => i.id));
    expect(fnoInstanceIds(profile({ underlyings: ['NIFTY', 'BANKNIFTY'], strategies: [{ id: 'a', type: 't', leg: 'future', on: 'contract' }] }))).toEqual(['a-NIFTY', 'a-BANKNIFTY']);
  });
});
