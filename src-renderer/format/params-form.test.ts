import { describe, expect, it } from 'vitest';
import { ErrorCode, RpcError } from '../../src-engine/contract/errors.js';
import { fieldsFromSchema, issuesByField, issuesByInstance, limitsText, paramsFromTexts, textOf } from './params-form.js';

// What the engine publishes for ema_intraday and bollinger_reversion (zod → JSON Schema, input side), plus odd kinds.
const schema = {
  type: 'object',
  properties: {
    fast: { default: 20, type: 'integer', minimum: 1, maximum: 1000 },
    k: { default: 2, type: 'number', exclusiveMinimum: 0, maximum: 10 },
    entryFrom: { default: '09:30', type: 'string', pattern: '^([01]\\d|2[0-3]):[0-5]\\d$' },
    side: { enum: ['long', 'short', 'both'], default: 'both' },
    trail: { type: 'boolean', default: false },
    extra: { type: 'array', items: { type: 'number' } },
  },
  additionalProperties: false,
};

describe('params form from a JSON Schema', () => {
  const fields = fieldsFromSchema(schema);

  it('one field per property with its kind, default and limits', () => {
    expect(fields.map((f) => [f.key, f.kind, f.label])).toEqual([
      ['fast', 'integer', 'fast'],
      ['k', 'number', 'k'],
      ['entryFrom', 'string', 'entry from'],
      ['side', 'enum', 'side'],
      ['trail', 'boolean', 'trail'],
      ['extra', 'json', 'extra'],
    ]);
    expect(fields[0]).toMatchObject({ default: 20, min: 1, max: 1000 });
    expect(limitsText(fields[0]!)).toBe('1 … 1000, whole');
    expect(limitsText(fields[1]!)).toBe('> 0 … 10');
    expect(fields[2]).toMatchObject({ pattern: '^([01]\\d|2[0-3]):[0-5]\\d$', default: '09:30' });
    expect(fields[3]).toMatchObject({ options: ['long', 'short', 'both'], default: 'both' });
    expect(fieldsFromSchema({})).toEqual([]);
  });

  it('texts become typed params; empty fields are left to the defaults; bad numbers go to the engine as typed', () => {
    const { params, errors } = paramsFromTexts(fields, { fast: '12', k: ' 2.5 ', entryFrom: '10:00', side: 'long', trail: 'true', extra: '[1,2]' });
    expect(params).toEqual({ fast: 12, k: 2.5, entryFrom: '10:00', side: 'long', trail: true, extra: [1, 2] });
    expect(errors).toEqual({});
    expect(paramsFromTexts(fields, { fast: '', k: 'abc' }).params).toEqual({ k: 'abc' });
    expect(paramsFromTexts(fields, { extra: '[1,' }).errors).toEqual({ extra: 'not valid JSON' });
    expect(textOf(fields[5]!, [3])).toBe('[3]');
    expect(textOf(fields[0]!, undefined)).toBe('');
  });

  it("the engine's INVALID_INPUT issues land on their fields; others are the form's error", () => {
    const e = new RpcError(ErrorCode.INVALID_INPUT, 'invalid params for sma_crossover', {
      issues: [
        { path: 'params.fast', message: 'fast must be below slow' },
        { path: 'params.fast', message: 'second issue, same field' },
        { path: 'id', message: 'already in use' },
      ],
    });
    expect(issuesByField(e)).toEqual({ fields: { fast: 'fast must be below slow' }, general: 'id: already in use' });
    expect(issuesByField(new RpcError(ErrorCode.NOT_FOUND, 'no strategy type "x"'))).toEqual({ fields: {}, general: 'NOT_FOUND: no strategy type "x"' });
  });

  it('the ensemble form: issues under `settings.` land on their fields, `params.` ones do not', () => {
    const e = new RpcError(ErrorCode.INVALID_INPUT, 'invalid ensemble settings', {
      issues: [
        { path: 'settings.sellThreshold', message: 'must be ≤ the buy threshold (0.3)' },
        { path: 'settings.conflictBySymbol.reliance', message: 'expected a trading symbol' },
        { path: 'params.fast', message: 'not mine' },
      ],
    });
    expect(issuesByField(e, 'settings')).toEqual({
      fields: { sellThreshold: 'must be ≤ the buy threshold (0.3)', conflictBySymbol: 'expected a trading symbol' },
      general: 'params.fast: not mine',
    });
  });

  it("a profile-set backtest's refusal: issues under `strategy.instances.<id>` go to that instance, the rest stays general", () => {
    const e = new RpcError(ErrorCode.INVALID_INPUT, 'instance sma-a of the run profile cannot be backtested: params.fast: too small', {
      issues: [
        { path: 'strategy.instances.sma-a.params.fast', message: 'too small' },
        { path: 'strategy.instances.sma-a.params.slow', message: 'too big' },
        { path: 'strategy.instances.mine', message: 'user_sma.mjs changed since it was approved' },
        { path: 'symbols', message: 'TCS: not a symbol of any enabled instance' },
      ],
    });
    expect(issuesByInstance(e)).toEqual({
      instances: { 'sma-a': ['params.fast: too small', 'params.slow: too big'], mine: ['user_sma.mjs changed since it was approved'] },
      general: 'symbols: TCS: not a symbol of any enabled instance',
    });
    const only = new RpcError(ErrorCode.CONFLICT, 'instance mine cannot be backtested', { issues: [{ path: 'strategy.instances.mine.type', message: 'instance mine (type "user_sma") cannot be backtested' }] });
    expect(issuesByInstance(only)).toEqual({ instances: { mine: ['type: instance mine (type "user_sma") cannot be backtested'] }, general: null });
    expect(issuesByInstance(new RpcError(ErrorCode.UNAVAILABLE, 'no run profile', { issues: [{ path: 'strategy', message: 'no run profile' }] }))).toEqual({ instances: {}, general: 'strategy: no run profile' });
    expect(issuesByInstance(new RpcError(ErrorCode.TIMEOUT, 'engine busy'))).toEqual({ instances: {}, general: 'TIMEOUT: engine busy' });
  });
});
