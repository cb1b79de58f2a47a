import type { Handlers } from '../contract/api-def.js';
import type { KiteDeskApi } from '../contract/api.js';
import { ErrorCode, RpcError } from '../contract/errors.js';
import { MAX_EXPORT_CHARS, type recordsRequests } from '../contract/records.js';
import type { Engine } from '../runtime/engine.js';
import { recordsOf } from './records-source.js';

export { attachRecords } from './records-source.js';

type RecordsRequestHandlers = Pick<Handlers<KiteDeskApi>, keyof typeof recordsRequests>;

/** The records requests (spread into createHandlers). */
export function createRecordsHandlers(engine: Engine): RecordsRequestHandlers {
  return {
    'records.export': ({ what, from, to }) => {
      const src = recordsOf(engine);
      if (!src) throw new RpcError(ErrorCode.UNAVAILABLE, 'this engine keeps no journal to export (it runs without a database)');
      const r = src.export(what, { from, to });
      if (r.csv.length > MAX_EXPORT_CHARS) {
        throw new RpcError(
          ErrorCode.CONFLICT,
          `the ${what} export has ${r.rows} rows (${r.csv.length} characters), more than one answer carries; choose a shorter range or use \`kitedesk export\``,
          { rows: r.rows, chars: r.csv.length, limit: MAX_EXPORT_CHARS },
        );
      }
      return r;
    },
  };
}
