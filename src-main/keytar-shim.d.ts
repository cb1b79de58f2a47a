/**
 * keytar's API as KiteDesk uses it, declared here so the typecheck never depends on the native module
 * having been built. keytar is an optional dependency: where libsecret-1-dev was missing at install,
 * npm drops the package (and with it its own .d.ts). An ambient declaration takes precedence over
 * node_modules resolution, so these types are the same whether keytar is installed or not; the
 * runtime load in keychain.ts turns a missing module into KeychainError('unavailable').
 * Signatures follow keytar 7.9's own keytar.d.ts.
 */
declare module 'keytar' {
  export function getPassword(service: string, account: string): Promise<string | null>;
  export function setPassword(service: string, account: string, password: string): Promise<void>;
  export function deletePassword(service: string, account: string): Promise<boolean>;
}
