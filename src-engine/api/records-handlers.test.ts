import { describe, expect, it } from 'vitest';
import { ErrorCode, RpcError } from '../contract/errors.js';
import { MAX_EXPORT_CHARS } from '../contract/records.js';
import type { Engine } from '../runtime/engine.js';
import { attachRecords, createRecordsHandlers } from './records-handlers.js';

const ctx = {} as never;

describe('records.export handler', () => {
  it('answers from the attached journal reader', async () => {
    const engine = {} as Engine;
    const asked: unknown[] = [];
    attachRecords(engine, {
      export: (what, q) => {
        asked.push([what, q]);
        return { what, filename: 'kitedesk-orders-all.csv', rows: 0, csv: 'timestamp\n' };
      },
    });
    const r = await createRecordsHandlers(engine)['records.export']({ what: 'orders', from: '2026-11-20' }, ctx);
    expect(r).toEqual({ what: 'orders', filename: 'kitedesk-orders-all.csv', rows: 0, csv: 'timestamp\n' });
    expect(asked).toEqual([['orders', { from: '2026-11-20', to: undefined }]]);
  });

  it('UNAVAILABLE without a journal, CONFLICT for an answer too large for one frame', async () => {
    const bare = {} as Engine;
    const refused = (() => {
      try {
        void createRecordsHandlers(bare)['records.export']({ what: 'signals' }, ctx);
      } catch (e) {
        return e;
      }
      return undefined;
    })();
    expect(refused).toBeInstanceOf(RpcError);
    expect((refused as RpcError).code).toBe(ErrorCode.UNAVAILABLE);

    const big = {} as Engine;
    attachRecords(big, { export: (what) => ({ what, filename: 'x.csv', rows: 7, csv: 'x'.repeat(MAX_EXPORT_CHARS + 1) }) });
    let e: unknown;
    try {
      await createRecordsHandlers(big)['records.export']({ what: 'signals' }, ctx);
    } catch (x) {
      e = x;
    }
    expect((e as RpcError).code).toBe(ErrorCode.CONFLICT);
    expect((e as RpcError).details).toMatchObject({ rows: 7 });
  });
});
