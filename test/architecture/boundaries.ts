import { readFileSync, readdirSync } from 'node:fs';
import { dirname, join, relative, resolve, sep } from 'node:path';

/**
 * The dependency directions of docs/architecture.md, as data, and a checker that reads every
 * import in the source folders. Relative imports are resolved, so `../../src-engine/runtime/x.js`
 * from the renderer is caught however it is spelt.
 */
export interface Rule {
  /** Folder (posix, from the repo root) whose files the rule governs; the most specific wins. */
  scope: string;
  /** Repo folders this scope may import from (itself always allowed). */
  allowLocal: string[];
  /** Bare module specifiers this scope must never import (prefix match on the package name). */
  denyPackages: (string | RegExp)[];
  /** Import node builtins? */
  allowNodeBuiltins: boolean;
}

const NODE_BUILTIN = /^(node:|(fs|path|os|child_process|http|https|net|tls|crypto|worker_threads|stream|events|url|util|zlib|dns|readline|module|process|buffer|timers|assert|v8|vm)(\/|$))/;

const ENGINE_LAYERS = ['core', 'model', 'fno', 'market', 'indicators', 'scanner', 'execution', 'risk', 'portfolio', 'adapters', 'persistence', 'kite-sim', 'strategy', 'runtime', 'api', 'host'];

export const RULES: Rule[] = [
  { scope: 'src-engine/contract', allowLocal: [], denyPackages: ['electron', 'ws', 'better-sqlite3', 'keytar', 'react', 'sirv', 'commander', 'yaml'], allowNodeBuiltins: false },
  { scope: 'src-engine', allowLocal: ['src-engine'], denyPackages: ['electron', 'react', 'react-dom', 'zustand', 'lightweight-charts'], allowNodeBuiltins: true },
  { scope: 'src-main/preload', allowLocal: ['src-engine/contract'], denyPackages: ['keytar', 'better-sqlite3', 'ws'], allowNodeBuiltins: false },
  { scope: 'src-main', allowLocal: ['src-main', 'src-engine/contract'], denyPackages: ['react', 'react-dom', 'better-sqlite3'], allowNodeBuiltins: true },
  { scope: 'src-renderer', allowLocal: ['src-renderer', 'src-engine/contract'], denyPackages: ['electron', 'keytar', 'better-sqlite3', 'ws', 'sirv', 'commander'], allowNodeBuiltins: false },
];

export interface Violation {
  file: string;
  specifier: string;
  reason: string;
}

const IMPORT_RE = /(?:^|[\s;])(?:import|export)\s+(?:type\s+)?(?:[^'"`;]*?\sfrom\s+)?['"]([^'"]+)['"]|import\(\s*['"]([^'"]+)['"]\s*\)|require\(\s*['"]([^'"]+)['"]\s*\)/g;

export function importsOf(source: string): string[] {
  const out: string[] = [];
  for (const m of source.matchAll(IMPORT_RE)) {
    const s = m[1] ?? m[2] ?? m[3];
    if (s) out.push(s);
  }
  return out;
}

const posix = (p: string) => p.split(sep).join('/');
const within = (p: string, folder: string) => p === folder || p.startsWith(folder + '/');

function ruleFor(file: string): Rule | undefined {
  return RULES.filter((r) => within(file, r.scope)).sort((a, b) => b.scope.length - a.scope.length)[0];
}

function engineLayer(file: string): number {
  const m = /^src-engine\/([^/]+)\//.exec(file);
  return m ? ENGINE_LAYERS.indexOf(m[1]!) : -1;
}

/** Check one file's imports. `file` is posix, relative to the repo root. */
export function checkFile(file: string, source: string): Violation[] {
  const rule = ruleFor(file);
  if (!rule || /\.test\.tsx?$/.test(file)) return [];
  const v: Violation[] = [];
  for (const spec of importsOf(source)) {
    if (spec.startsWith('.')) {
      const target = posix(join(dirname(file), spec));
      if (target.startsWith('..')) {
        v.push({ file, specifier: spec, reason: 'import leaves the repository' });
        continue;
      }
      const ok = within(target, rule.scope) || rule.allowLocal.some((f) => within(target, f));
      if (!ok) v.push({ file, specifier: spec, reason: `${rule.scope} may not import ${target}` });
      else if (rule.scope === 'src-engine') {
        const from = engineLayer(file);
        const to = engineLayer(target);
        // adapters implement ports of market/execution and are chosen only by the kernel (runtime) or host
        if (from >= 0 && to >= 0 && to > from) {
          v.push({ file, specifier: spec, reason: `engine layer ${ENGINE_LAYERS[from]} may not depend on the later layer ${ENGINE_LAYERS[to]}` });
        }
      }
      continue;
    }
    if (NODE_BUILTIN.test(spec)) {
      if (!rule.allowNodeBuiltins) v.push({ file, specifier: spec, reason: `${rule.scope} may not import Node built-ins` });
      continue;
    }
    if (/^src-(engine|main|renderer)\//.test(spec)) {
      v.push({ file, specifier: spec, reason: 'import repository folders by relative path' });
      continue;
    }
    const denied = rule.denyPackages.find((d) => (typeof d === 'string' ? spec === d || spec.startsWith(d + '/') : d.test(spec)));
    if (denied) v.push({ file, specifier: spec, reason: `${rule.scope} may not import ${spec}` });
  }
  return v;
}

export function sourceFiles(root: string, folder: string): string[] {
  const out: string[] = [];
  const walk = (d: string) => {
    let entries;
    try {
      entries = readdirSync(d, { withFileTypes: true });
    } catch {
      return;
    }
    for (const e of entries) {
      const p = join(d, e.name);
      if (e.isDirectory()) walk(p);
      else if (/\.(ts|tsx|mts|cts)$/.test(e.name) && !e.name.endsWith('.d.ts')) out.push(posix(relative(root, p)));
    }
  };
  walk(resolve(root, folder));
  return out;
}

export function checkTree(root: string): Violation[] {
  const files = ['src-engine', 'src-main', 'src-renderer'].flatMap((f) => sourceFiles(root, f));
  return files.flatMap((f) => checkFile(f, readFileSync(join(root, f), 'utf8')));
}
