import { describe, expect, it } from 'vitest';
import { RpcError } from '../../src-engine/contract/errors.js';
import { describeError } from './errors.js';

describe('describeError', () => {
  it('keeps the typed code and message', () => {
    expect(describeError(new RpcError('NOT_FOUND', 'unknown symbol FOO'))).toEqual({ code: 'NOT_FOUND', message: 'unknown symbol FOO' });
  });

  it('adds the first validation issue', () => {
    const e = new RpcError('INVALID_INPUT', 'invalid input for watchlist.set', {
      issues: [{ path: 'symbols.3', message: 'expected an NSE trading symbol' }],
    });
    expect(describeError(e).message).toBe('invalid input for watchlist.set (symbols.3: expected an NSE trading symbol)');
  });

  it('never shows a stack', () => {
    const e = new Error('boom\n    at foo (x.js:1:1)');
    expect(describeError(e)).toEqual({ code: 'ERROR', message: 'boom' });
  });
});
