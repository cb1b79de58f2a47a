/** Run profiles: arbitrary YAML and mutated shipped profiles → a profile or a ConfigError naming the file and where. */
import { existsSync, readFileSync, readdirSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import fc from 'fast-check';
import { stringify } from 'yaml';
import { ConfigError, parseRunProfile } from '../runtime/config.js';
import { Failures, type FuzzResult, describeError, forEachSample, mutatedText } from './common.js';

const FILE = 'fuzz-profile.yaml';

/** The profiles shipped in configs/ (found from this file up), plus a small built-in one. */
export function shippedProfiles(): string[] {
  const out = ['feed:\n  kind: simulator\n  seed: 3\ntrading:\n  capital: 1000000\n  autoTrade: false\nstrategies:\n  - id: mom\n    type: momentum\n    params: { period: 2 }\n    symbols: [RELIANCE]\n    timeframe: 1m\n'];
  let dir = dirname(fileURLToPath(import.meta.url));
  for (let i = 0; i < 5; i++, dir = dirname(dir)) {
    const c = join(dir, 'configs');
    if (existsSync(join(c, 'paper.yaml'))) {
      for (const f of readdirSync(c).filter((n) => n.endsWith('.yaml')).sort()) out.push(readFileSync(join(c, f), 'utf8'));
      break;
    }
  }
  return out;
}

const yamlish = fc.stringMatching(/^([a-zA-Z]+:( [-\w.[\]{},:"']*)?\n( +[-\w.[\]{},:"']+\n)*)*$/, { maxLength: 300 });
const junkKeys = fc.constantFrom('feed', 'kind', 'seed', 'trading', 'capital', 'strategies', 'risk', 'universe', 'fno', 'id', 'type', 'params', 'symbols', 'timeframe', 'x');
const structured = fc
  .dictionary(junkKeys, fc.oneof(fc.jsonValue({ maxDepth: 3 }), fc.dictionary(junkKeys, fc.jsonValue({ maxDepth: 2 }))), { maxKeys: 5 })
  .map((o) => stringify(o));

export async function fuzzProfiles(runs: number, seed: number): Promise<FuzzResult> {
  const arb = fc.oneof({ weight: 2, arbitrary: fc.string({ maxLength: 200 }) }, { weight: 2, arbitrary: yamlish }, { weight: 3, arbitrary: structured }, { weight: 5, arbitrary: mutatedText(shippedProfiles()) });
  const fails = new Failures();
  let cases = 0;
  forEachSample(arb, runs, seed, (text) => {
    cases++;
    try {
      const p = parseRunProfile(text, FILE);
      if (typeof p !== 'object' || p === null || typeof p.feed !== 'object') fails.add('parsed to something that is not a profile', text);
    } catch (e) {
      if (!(e instanceof ConfigError)) fails.add(`threw ${describeError(e)} (not a ConfigError)`, text);
      else if (!e.message.startsWith(`${FILE}: `) || !/line \d+|: /.test(e.message.slice(FILE.length + 2))) fails.add(`ConfigError without where: ${e.message}`, text);
    }
  });
  return fails.result(cases);
}
