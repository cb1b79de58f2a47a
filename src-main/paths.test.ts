import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { resolveAppPaths } from './paths.js';

describe('resolveAppPaths', () => {
  it('finds preload, renderer and engine relative to dist/main', () => {
    const root = path.resolve('/opt/KiteDesk/resources/app.asar');
    const p = resolveAppPaths(path.join(root, 'dist', 'main'));
    expect(p.preload).toBe(path.join(root, 'dist', 'main', 'preload.cjs'));
    expect(p.rendererDir).toBe(path.join(root, 'dist', 'renderer'));
    expect(p.engineEntry).toBe(path.join(root, 'dist', 'engine', 'utility-entry.js'));
  });
  it('refuses a relative directory (it would depend on the working directory)', () => {
    expect(() => resolveAppPaths('dist/main')).toThrow(/absolute/);
  });
});
