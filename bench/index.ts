import { marketBench } from './market.bench.js';
import { rpcBench } from './rpc.bench.js';

console.log(`KiteDesk benchmarks — node ${process.version}, ${process.arch}`);
await rpcBench();
await marketBench();
await (await import('./tick-codec.bench.js')).tickCodecBench();
await (await import('./pool.bench.js')).poolBench();
await (await import('./strategy.bench.js')).strategyBench();
await (await import('./orders.bench.js')).ordersBench();
await (await import('./backtest.bench.js')).backtestBench();
await (await import('./chart-page.bench.js')).chartPageBench();
