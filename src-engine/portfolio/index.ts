export * from './ledger.js';
export * from './sizing.js';
export * from './exits.js';
