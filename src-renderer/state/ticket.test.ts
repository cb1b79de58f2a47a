import { describe, expect, it } from 'vitest';
import type { PlaceResult } from '../../src-engine/contract/trading-schemas.js';
import { clientIdSchema } from '../../src-engine/contract/trading-schemas.js';
import { decision, order } from './trading-fixtures.js';
import {
  DEFAULT_TICKET,
  afterAttempt,
  buildOrder,
  clientIdFor,
  errorResultView,
  newClientId,
  orderKey,
  placeResultView,
  type TicketForm,
} from './ticket.js';

const form = (over: Partial<TicketForm> = {}): TicketForm => ({ ...DEFAULT_TICKET, ...over });

describe('buildOrder', () => {
  it('a market order carries no prices even if the fields hold some', () => {
    const r = buildOrder(form({ qty: '25', price: '100', trigger: '99' }), 'INFY');
    expect(r).toEqual({
      ok: true,
      order: { symbol: 'INFY', side: 'BUY', qty: 25, orderType: 'MARKET', product: 'MIS', validity: 'DAY', variety: 'regular' },
    });
  });

  it('reads the rupee prices into exact paise', () => {
    const r = buildOrder(form({ side: 'SELL', orderType: 'SL', price: '1500.05', trigger: '1500.10', product: 'CNC', validity: 'IOC', amo: true }), 'TCS');
    expect(r).toEqual({
      ok: true,
      order: { symbol: 'TCS', side: 'SELL', qty: 1, orderType: 'SL', product: 'CNC', validity: 'IOC', variety: 'amo', pricePaise: 150005, triggerPaise: 150010 },
    });
    const lim = buildOrder(form({ orderType: 'LIMIT', price: '0.57' }), 'X');
    expect(lim.ok && lim.order.pricePaise).toBe(57);
    const slm = buildOrder(form({ orderType: 'SL-M', trigger: '1.15', price: 'junk' }), 'X');
    expect(slm.ok && slm.order).toMatchObject({ triggerPaise: 115 });
    expect(slm.ok && 'pricePaise' in slm.order).toBe(false);
  });

  it('refuses what the engine would refuse anyway', () => {
    const bad: [Partial<TicketForm>, string | null][] = [
      [{}, null],
      [{ qty: '0' }, 'INFY'],
      [{ qty: '1.5' }, 'INFY'],
      [{ qty: '-3' }, 'INFY'],
      [{ qty: '10000001' }, 'INFY'],
      [{ orderType: 'LIMIT', price: '' }, 'INFY'],
      [{ orderType: 'LIMIT', price: '0' }, 'INFY'],
      [{ orderType: 'LIMIT', price: '10.005' }, 'INFY'],
      [{ orderType: 'SL', price: '100', trigger: '' }, 'INFY'],
      [{ orderType: 'SL-M', trigger: 'abc' }, 'INFY'],
      [{ orderType: 'SL', side: 'BUY', price: '100', trigger: '101' }, 'INFY'],
      [{ orderType: 'SL', side: 'SELL', price: '100', trigger: '99' }, 'INFY'],
    ];
    for (const [f, sym] of bad) expect(buildOrder(form(f), sym).ok, JSON.stringify(f)).toBe(false);
    expect(buildOrder(form({ orderType: 'SL', side: 'BUY', price: '100', trigger: '99.5' }), 'INFY').ok).toBe(true);
    expect(buildOrder(form({ orderType: 'SL', side: 'SELL', price: '100', trigger: '100.5' }), 'INFY').ok).toBe(true);
  });
});

describe('clientId', () => {
  it('is 1-20 letters and digits (the contract accepts it) and differs between submissions', () => {
    const ids = new Set<string>();
    for (let i = 0; i < 200; i++) {
      const id = newClientId();
      expect(clientIdSchema.safeParse(id).success, id).toBe(true);
      ids.add(id);
    }
    expect(ids.size).toBe(200);
    expect(newClientId(8.64e15, () => new Uint8Array(8).fill(255))).toMatch(/^[A-Za-z0-9]{1,20}$/);
  });

  it('a retry of the same order after an unknown outcome reuses the id; anything else gets a new one', () => {
    let n = 0;
    const make = () => `ID${++n}`;
    const built = buildOrder(form({ qty: '5' }), 'INFY');
    if (!built.ok) throw new Error('unexpected');
    const key = orderKey(built.order);

    const first = clientIdFor(null, key, make);
    expect(first).toBe('ID1');
    const pending = afterAttempt({ key, clientId: first }, 'TIMEOUT');
    expect(pending).toEqual({ key, clientId: 'ID1' });
    expect(clientIdFor(pending, key, make)).toBe('ID1'); // retry: same id

    const other = buildOrder(form({ qty: '6' }), 'INFY');
    if (!other.ok) throw new Error('unexpected');
    expect(clientIdFor(pending, orderKey(other.order), make)).toBe('ID2'); // changed order: new id

    expect(afterAttempt({ key, clientId: 'ID1' }, 'DISCONNECTED')).not.toBeNull();
    expect(afterAttempt({ key, clientId: 'ID1' }, null)).toBeNull(); // answered
    expect(afterAttempt({ key, clientId: 'ID1' }, 'INVALID_INPUT')).toBeNull(); // refused: a fix is a new order
    expect(clientIdFor(null, key, make)).toBe('ID3');
  });
});

describe('result view', () => {
  const result = (over: Partial<PlaceResult['decision']>, orders = [order('1')]): PlaceResult => ({ decision: decision(1, over), orders });

  it('ALLOW green, REDUCE amber with the quantity, BLOCK red with rule and message', () => {
    expect(placeResultView(result({ action: 'ALLOW' }))).toMatchObject({ action: 'ALLOW', tone: 'up', rule: null, text: 'ALLOW · order OPEN' });
    const reduce = placeResultView(result({ action: 'REDUCE', rule: 'max_position', reducedQty: 4 }));
    expect(reduce).toMatchObject({ action: 'REDUCE', tone: 'warn', rule: 'max_position' });
    expect(reduce.text).toContain('REDUCE to 4');
    const block = placeResultView(result({ action: 'BLOCK', rule: 'max_daily_loss', message: 'day loss 5,000 reached' }, []));
    expect(block).toMatchObject({ action: 'BLOCK', tone: 'down', rule: 'max_daily_loss', text: 'BLOCK max_daily_loss — day loss 5,000 reached' });
    expect(placeResultView(result({ action: 'HALT_SESSION', rule: 'drawdown' }, []))).toMatchObject({ action: 'HALT_SESSION', tone: 'down' });
  });

  it('errors say whether a resubmit is a safe retry', () => {
    expect(errorResultView('TIMEOUT', 'no answer').text).toContain('same client id');
    expect(errorResultView('INVALID_INPUT', 'bad tick')).toMatchObject({ action: 'ERROR', code: 'INVALID_INPUT', text: 'INVALID_INPUT: bad tick' });
  });
});
