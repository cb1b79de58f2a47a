// The backtest worker from the source tree: tsx in this thread first (an --import in a worker's
// execArgv does not reach its module loader on Node 20), then the TypeScript worker. The built CLI
// uses dist/engine/backtest-worker.js instead (app-runs.ts picks).
import { register } from 'tsx/esm/api';

register();
const { default: backtestInWorker } = await import('./app-worker.ts');
export default backtestInWorker;
