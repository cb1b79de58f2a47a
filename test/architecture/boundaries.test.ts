import { resolve } from 'node:path';
import { describe, expect, it } from 'vitest';
import { checkFile, checkTree, importsOf } from './boundaries.js';

const root = resolve(import.meta.dirname, '../..');

describe('dependency directions', () => {
  it('hold across the whole tree', () => {
    const v = checkTree(root);
    expect(v, v.map((x) => `${x.file}: ${x.specifier} — ${x.reason}`).join('\n')).toEqual([]);
  });

  it('finds every import form', () => {
    const src = `import a from 'x';\nimport type { B } from "y";\nexport * from './z.js';\nconst c = await import('w');\nconst d = require('v');\nimport 'side-effect';`;
    expect(importsOf(src).sort()).toEqual(['./z.js', 'side-effect', 'v', 'w', 'x', 'y']);
  });

  // The checker must be able to fail: each of these is a real violation it has to catch.
  it.each([
    ['src-engine/contract/api.ts', `import { readFileSync } from 'node:fs';`, 'Node built-ins'],
    ['src-engine/contract/api.ts', `import { x } from '../runtime/engine.js';`, 'may not import src-engine/runtime'],
    ['src-engine/contract/api.ts', `import WebSocket from 'ws';`, 'may not import ws'],
    ['src-engine/market/x.ts', `import { app } from 'electron';`, 'may not import electron'],
    ['src-engine/market/x.ts', `import { Engine } from '../runtime/engine.js';`, 'later layer runtime'],
    ['src-engine/core/x.ts', `import { T } from '../model/tick.js';`, 'later layer model'],
    ['src-renderer/App.tsx', `import { Engine } from '../src-engine/runtime/engine.js';`, 'may not import src-engine/runtime'],
    ['src-renderer/App.tsx', `import fs from 'fs';`, 'Node built-ins'],
    ['src-renderer/App.tsx', `import { ipcRenderer } from 'electron';`, 'may not import electron'],
    ['src-main/main.ts', `import { MarketData } from '../src-engine/market/market-data.js';`, 'may not import src-engine/market'],
    ['src-main/main.ts', `import { App } from '../src-renderer/App.js';`, 'may not import src-renderer'],
    ['src-main/preload/preload.ts', `import { readFileSync } from 'node:fs';`, 'Node built-ins'],
    ['src-main/preload/preload.ts', `import keytar from 'keytar';`, 'may not import keytar'],
  ])('catches %s importing: %s', (file, src, reason) => {
    const v = checkFile(file, src);
    expect(v).toHaveLength(1);
    expect(v[0]!.reason).toContain(reason);
  });

  it.each([
    ['src-renderer/App.tsx', `import { RpcClient } from '../src-engine/contract/index.js';`],
    ['src-main/main.ts', `import { mainToEngineSchema } from '../src-engine/contract/control.js';\nimport { app } from 'electron';\nimport { join } from 'node:path';`],
    ['src-main/preload/preload.ts', `import { contextBridge } from 'electron';\nimport type { KiteDeskBridge } from '../../src-engine/contract/bridge.js';`],
    ['src-engine/runtime/engine.ts', `import { MarketData } from '../market/market-data.js';\nimport { z } from 'zod';`],
    ['src-engine/host/cli.ts', `import { Engine } from '../runtime/engine.js';\nimport { Command } from 'commander';`],
  ])('allows %s', (file, src) => {
    expect(checkFile(file, src)).toEqual([]);
  });
});
