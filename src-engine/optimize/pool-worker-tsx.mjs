// The optimisation pool worker from the source tree: tsx in this thread first (an --import in a worker's
// execArgv does not reach its module loader on Node 20), then the TypeScript worker. The built CLI
// uses dist/engine/optimize-worker.js instead (pool.ts picks).
import { register } from 'tsx/esm/api';

register();
const { default: evaluateTask } = await import('./pool-worker.ts');
export default evaluateTask;
