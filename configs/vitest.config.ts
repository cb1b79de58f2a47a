import { resolve } from 'node:path';
import { defineConfig } from 'vitest/config';

const root = resolve(import.meta.dirname, '..');

export default defineConfig({
  root,
  test: {
    reporters: process.env.CI ? ['default'] : ['default'],
    projects: [
      {
        extends: true,
        test: {
          name: 'unit',
          include: ['src-engine/**/*.test.ts', 'src-main/**/*.test.ts', 'src-renderer/**/*.test.{ts,tsx}', 'test/architecture/**/*.test.ts', 'test/scripts/**/*.test.ts'],
          environment: 'node',
          // A guard against hangs, not a speed check: heavy unit tests (a simulated hour of the engine)
          // take ~3 s on an idle 2-core machine and several times that under load.
          testTimeout: 30_000,
        },
      },
      { extends: true, test: { name: 'contract', include: ['test/contract/**/*.test.ts'], environment: 'node', testTimeout: 30_000 } },
      {
        extends: true,
        test: { name: 'integration', include: ['test/integration/**/*.test.ts'], environment: 'node', testTimeout: 60_000, hookTimeout: 120_000 },
      },
      {
        extends: true,
        test: { name: 'e2e-web', include: ['test/e2e-web/**/*.test.ts'], environment: 'node', testTimeout: 120_000, hookTimeout: 120_000 },
      },
      { extends: true, test: { name: 'e2e-electron', include: ['test/e2e-electron/**/*.test.ts'], environment: 'node', testTimeout: 120_000 } },
    ],
  },
});
