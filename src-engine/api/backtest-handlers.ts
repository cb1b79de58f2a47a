import type { Handlers, TopicHandlers } from '../contract/api-def.js';
import type { KiteDeskApi } from '../contract/api.js';
import type { BacktestProgress, backtestRequests, backtestTopics } from '../contract/backtest-schemas.js';
import { ErrorCode, RpcError } from '../contract/errors.js';
import type { BacktestRuns } from '../backtest/app-runs.js';
import type { Engine } from '../runtime/engine.js';

type BacktestRequestHandlers = Pick<Handlers<KiteDeskApi>, keyof typeof backtestRequests>;
type BacktestTopicHandlers = Pick<TopicHandlers<KiteDeskApi>, keyof typeof backtestTopics>;

/** The backtest runs of each engine, attached by the host that opened its database (bootstrap). */
const runsOf = new WeakMap<Engine, BacktestRuns>();

export function attachBacktests(engine: Engine, runs: BacktestRuns): void {
  runsOf.set(engine, runs);
}

function runs(engine: Engine): BacktestRuns {
  const r = runsOf.get(engine);
  if (!r) throw new RpcError(ErrorCode.UNAVAILABLE, 'this engine runs no backtests (it runs without a database)');
  return r;
}

/** `backtest.*` (backtest/app-runs.ts), spread into createHandlers. */
export function createBacktestHandlers(engine: Engine): BacktestRequestHandlers {
  return {
    'backtest.run': (input) => runs(engine).start(input),
    'backtest.cancel': ({ id }) => runs(engine).cancel(id),
    'backtest.list': ({ limit }) => runs(engine).list(limit),
    'backtest.sources': () => runs(engine).sources(),
    'backtest.report': ({ id }) => runs(engine).report(id),
    'backtest.reportLink': ({ id }) => runs(engine).reportLink(id),
    'backtest.openReport': ({ id }) => runs(engine).openReport(id),
  };
}

export function createBacktestTopics(engine: Engine): BacktestTopicHandlers {
  return {
    'backtest.progress': () => {
      const r = runsOf.get(engine);
      return {
        snapshot: (): BacktestProgress[] => r?.progress() ?? [],
        listen: (push) => r?.onProgress(push) ?? (() => {}),
        coalesceKey: (p) => p.id,
      };
    },
  };
}
