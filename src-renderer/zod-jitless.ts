/**
 * Must be the first import of the entry. The contract validates frames with zod, whose object
 * parser probes `new Function("")` at schema construction to decide whether to JIT. Under our CSP
 * (no 'unsafe-eval') that probe is refused and reported as a CSP violation even though zod catches
 * it. zod keeps its global config on `globalThis.__zod_globalConfig` and skips the probe when
 * `jitless` is set, so set it before any contract module is evaluated (without importing zod here:
 * the renderer only imports the contract and UI packages).
 */
const g = globalThis as { __zod_globalConfig?: Record<string, unknown> };
(g.__zod_globalConfig ??= {}).jitless = true;

export {};
