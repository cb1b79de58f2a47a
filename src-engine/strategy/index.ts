export * from './strategy.js';
export * from './ensemble.js';
export * from './config.js';
export * from './runner.js';
export { BarRing } from './bar-ring.js';
export { BUILTIN_STRATEGIES } from './builtins/index.js';
