import { useEffect, useState } from 'react';
import type { UserStrategyFile } from '../../src-engine/contract/strategy-file-schemas.js';
import { client } from '../engine/connection.js';
import { describeError } from '../engine/errors.js';

/**
 * User strategy files run with the engine's privileges, so a new or changed file loads only once the
 * person approves its exact content (issue 15). This banner lists the files waiting (name and
 * sha256) with an Approve button each, and the files refused (not the user's, writable by others).
 * Test ids: `strategy-approvals`, one `strategy-approval` per file with `data-file` and
 * `data-sha256`, `strategy-approve` buttons, `strategy-refused` rows, `strategy-approval-error`.
 */
export function StrategyApprovals() {
  const [files, setFiles] = useState<UserStrategyFile[]>([]);
  const [error, setError] = useState<string | null>(null);
  useEffect(() => {
    const sub = client.subscribe('strategies.filesChanged', {}, { snapshot: setFiles, delta: setFiles, error: (e) => setError(describeError(e).message) });
    return () => sub.close();
  }, []);
  const pending = files.filter((f) => f.pendingApproval !== undefined);
  const refused = files.filter((f) => f.pendingApproval === undefined && f.error !== undefined && /not owned by|writable by others/.test(f.error));
  if (pending.length === 0 && refused.length === 0 && error === null) return null;
  const approve = (f: UserStrategyFile) => {
    setError(null);
    client.call('strategies.approve', { file: f.file, sha256: f.pendingApproval! }).then(setFiles, (e: unknown) => setError(describeError(e).message));
  };
  return (
    <div className="error-banner strategy-approvals" role="alert" data-testid="strategy-approvals">
      {pending.map((f) => (
        <div key={f.file} className="error-item" data-testid="strategy-approval" data-file={f.file} data-sha256={f.pendingApproval}>
          <span className="error-code">STRATEGY</span>
          <span className="error-message">
            {f.file} is {f.type ? 'changed' : 'new'}: it runs with KiteDesk's full access once approved. Review it first. sha256 <code>{f.pendingApproval}</code>
          </span>
          <button type="button" data-testid="strategy-approve" onClick={() => approve(f)}>
            Approve
          </button>
        </div>
      ))}
      {refused.map((f) => (
        <div key={f.file} className="error-item" data-testid="strategy-refused" data-file={f.file}>
          <span className="error-code">STRATEGY</span>
          <span className="error-message">{f.error}</span>
        </div>
      ))}
      {error !== null && (
        <div className="error-item" data-testid="strategy-approval-error">
          <span className="error-message">{error}</span>
        </div>
      )}
    </div>
  );
}
