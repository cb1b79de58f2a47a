import { RpcError } from '../../src-engine/contract/errors.js';

export interface ShownError {
  code: string;
  message: string;
}

function firstIssue(details: unknown): string | null {
  if (typeof details !== 'object' || details === null) return null;
  const issues = (details as { issues?: unknown }).issues;
  if (!Array.isArray(issues) || issues.length === 0) return null;
  const i: unknown = issues[0];
  if (typeof i !== 'object' || i === null) return null;
  const { path, message } = i as { path?: unknown; message?: unknown };
  if (typeof message !== 'string') return null;
  return typeof path === 'string' && path !== '(root)' ? `${path}: ${message}` : message;
}

/**
 * What a person sees for a failure: the engine's typed code and message (plus the first validation
 * issue if any). Never a stack; anything that is not an RpcError becomes a generic message.
 */
export function describeError(e: unknown): ShownError {
  if (e instanceof RpcError) {
    const issue = firstIssue(e.details);
    const message = issue && !e.message.includes(issue) ? `${e.message} (${issue})` : e.message;
    return { code: e.code, message };
  }
  if (e instanceof Error) return { code: 'ERROR', message: e.message.split('\n')[0] ?? 'unexpected error' };
  return { code: 'ERROR', message: String(e).split('\n')[0] ?? 'unexpected error' };
}
