import { useState } from 'react';
import type { StrategyInstanceInfo } from '../../src-engine/contract/schemas.js';
import { client } from '../engine/connection.js';
import { describeError } from '../engine/errors.js';
import { saveStrategyEnabled } from '../state/sync.js';
import { useAppStore } from '../state/store.js';
import { Modal } from './Modal.js';
import { EnsembleEditor } from './EnsembleEditor.js';
import { StrategyEditor } from './StrategyEditor.js';

/** Strategy instances: type, timeframe, symbols, an on/off toggle, the last error; edit params, add, remove. */
export function StrategiesPanel() {
  const strategies = useAppStore((s) => s.strategies);
  const connected = useAppStore((s) => s.connection.state === 'open');
  const [busy, setBusy] = useState<string | null>(null);
  const [error, setError] = useState<string | null>(null);
  const [editing, setEditing] = useState<{ kind: 'edit'; instance: StrategyInstanceInfo } | { kind: 'add' } | null>(null);
  const [removing, setRemoving] = useState<StrategyInstanceInfo | null>(null);
  const [ensembleOpen, setEnsembleOpen] = useState(false);
  const running = strategies ? strategies.filter((s) => s.running).length : 0;

  const toggle = async (id: string, enabled: boolean) => {
    setBusy(id);
    setError(await saveStrategyEnabled(client, id, enabled));
    setBusy(null);
  };

  const remove = async (id: string) => {
    setBusy(id);
    try {
      useAppStore.getState().strategyDelta(await client.call('strategies.remove', { id }));
      setRemoving(null);
    } catch (e) {
      const d = describeError(e);
      setError(`${d.code}: ${d.message}`);
      setRemoving(null);
    } finally {
      setBusy(null);
    }
  };

  return (
    <section className="bottom-panel strategies-panel" data-testid="strategies-panel">
      <div className="panel-title">
        Strategies{' '}
        <span className="muted" title={`${running} of ${strategies?.length ?? 0} instances running`}>
          {running}/{strategies?.length ?? 0}
          <span className="strategies-running-word"> running</span>
        </span>
        <span className="status-spacer" />
        <button type="button" className="small-button" data-testid="ensemble-button" disabled={!connected} onClick={() => setEnsembleOpen(true)} title="Thresholds and conflict modes of the ensemble vote">
          Ensemble
        </button>
        <button type="button" className="small-button" data-testid="strategy-add" disabled={!connected} onClick={() => setEditing({ kind: 'add' })}>
          + Add
        </button>
      </div>
      {error && (
        <div className="wl-error" role="alert">
          {error}
          <button type="button" className="error-dismiss" aria-label="Dismiss" onClick={() => setError(null)}>
            ×
          </button>
        </div>
      )}
      <div className="panel-scroll">
        <table className="grid-table strategies-table">
          <tbody>
            {(strategies ?? []).map((s) => (
              <tr
                key={s.id}
                data-testid="strategy-row"
                data-id={s.id}
                data-enabled={s.enabled}
                data-running={s.running}
                className={s.error ? 'has-error' : undefined}
              >
                <td className="toggle-cell">
                  <input
                    type="checkbox"
                    checked={s.enabled}
                    disabled={!connected || busy === s.id}
                    aria-label={`${s.enabled ? 'Disable' : 'Enable'} ${s.id}`}
                    onChange={(e) => void toggle(s.id, e.target.checked)}
                  />
                </td>
                <td className="wl-symbol strategy-name" title={`${s.id} (${s.type} · ${s.timeframe}) ${JSON.stringify(s.params)}`}>
                  {s.id}
                </td>
                <td className="muted strategy-type" title={`${s.type} · ${s.timeframe}`}>
                  {s.type} · {s.timeframe}
                </td>
                <td className="muted strategy-symbols" title={s.symbols.join(', ')}>
                  {s.symbols.length} sym
                </td>
                <td
                  className={s.error ? 'down strategy-state' : 'muted strategy-state'}
                  data-testid="strategy-state"
                  title={s.error ? `${s.error.hook} ${s.error.symbol}: ${s.error.message}` : undefined}
                >
                  <span className="strategy-state-text">
                    {s.error ? `${s.error.hook}${s.error.symbol ? ` ${s.error.symbol}` : ''}: ${s.error.message}` : s.running ? 'running' : 'off'}
                  </span>
                </td>
                <td className="row-actions">
                  <button type="button" className="small-button" data-testid="strategy-edit" disabled={!connected} title={`Edit the parameters of ${s.id}`} onClick={() => setEditing({ kind: 'edit', instance: s })}>
                    Edit
                  </button>
                  <button type="button" className="small-button" data-testid="strategy-remove" disabled={!connected || busy === s.id} title={`Remove ${s.id}`} onClick={() => setRemoving(s)}>
                    ×
                  </button>
                </td>
              </tr>
            ))}
            {strategies !== null && strategies.length === 0 && (
              <tr className="wl-empty">
                <td colSpan={6}>No strategy instances: add one with + Add (or under strategies: in the run profile).</td>
              </tr>
            )}
          </tbody>
        </table>
      </div>
      {editing && <StrategyEditor mode={editing} onClose={() => setEditing(null)} />}
      {ensembleOpen && <EnsembleEditor onClose={() => setEnsembleOpen(false)} />}
      {removing && (
        <Modal title={`Remove ${removing.id}?`} testId="strategy-remove-dialog" onClose={() => setRemoving(null)} danger>
          <p>
            The instance stops and is deleted from the store; its journalled signals, orders and fills stay. Open positions it holds are not
            closed.
          </p>
          <div className="modal-buttons">
            <button type="button" onClick={() => setRemoving(null)}>
              Cancel
            </button>
            <button type="button" className="btn-danger" data-testid="strategy-remove-confirm" disabled={busy === removing.id} onClick={() => void remove(removing.id)}>
              Remove
            </button>
          </div>
        </Modal>
      )}
    </section>
  );
}
