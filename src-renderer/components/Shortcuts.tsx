import { useEffect, useMemo, useState } from 'react';
import { client } from '../engine/connection.js';
import { describeError } from '../engine/errors.js';
import { SHORTCUTS, shortcutFor, type ShortcutAction } from '../state/shortcuts.js';
import { isOpenOrder } from '../state/trading.js';
import { useTradingStore } from '../state/trading-store.js';
import { InlineError, Modal } from './Modal.js';

const byTestId = (id: string): HTMLElement | null => document.querySelector(`[data-testid="${id}"]`);

/**
 * Keyboard shortcuts (state/shortcuts.ts) for the whole window: they press the same buttons a person
 * would (so every confirmation and check stays in place), open the cancel-all confirmation, and the
 * help overlay (`?`).
 */
export function Shortcuts() {
  const [help, setHelp] = useState(false);
  const [cancelAll, setCancelAll] = useState(false);
  const [busy, setBusy] = useState(false);
  const [error, setError] = useState<string | null>(null);
  const orders = useTradingStore((s) => s.orders);
  const open = useMemo(() => (orders ?? []).filter(isOpenOrder), [orders]);

  useEffect(() => {
    const run = (a: ShortcutAction): void => {
      switch (a.kind) {
        case 'search':
          (document.querySelector('.wl-add input') as HTMLInputElement | null)?.focus();
          return;
        case 'buy':
        case 'sell':
          byTestId(`ticket-side-${a.kind}`)?.click();
          (byTestId('ticket-qty') as HTMLInputElement | null)?.select();
          return;
        case 'kill-switch':
          byTestId('kill-switch-button')?.click();
          return;
        case 'timeframe':
          byTestId(`tf-${a.tf}`)?.click();
          return;
        case 'cancel-all':
          setError(null);
          setCancelAll(true);
          return;
        case 'help':
          setHelp((h) => !h);
          return;
      }
    };
    const onKey = (e: KeyboardEvent): void => {
      const t = e.target as HTMLElement | null;
      const a = shortcutFor({
        key: e.key,
        ctrlKey: e.ctrlKey,
        metaKey: e.metaKey,
        altKey: e.altKey,
        targetTag: t?.tagName,
        targetEditable: t?.isContentEditable ?? false,
        dialogOpen: document.querySelector('[role="dialog"]') !== null,
      });
      if (!a) return;
      e.preventDefault();
      run(a);
    };
    window.addEventListener('keydown', onKey);
    return () => window.removeEventListener('keydown', onKey);
  }, []);

  const confirmCancelAll = async () => {
    setBusy(true);
    const failed: string[] = [];
    for (const o of open) {
      try {
        useTradingStore.getState().orderDelta(await client.call('orders.cancel', { orderId: o.orderId }));
      } catch (e) {
        failed.push(`${o.symbol} ${o.orderId}: ${describeError(e).message}`);
      }
    }
    setBusy(false);
    if (failed.length) setError(`could not cancel ${failed.length}: ${failed.join('; ')}`);
    else setCancelAll(false);
  };

  return (
    <>
      {help && (
        <Modal title="Keyboard shortcuts" testId="shortcuts-help" onClose={() => setHelp(false)}>
          <table className="grid-table shortcuts-table">
            <tbody>
              {SHORTCUTS.map((s) => (
                <tr key={s.key}>
                  <td>
                    <kbd>{s.key}</kbd>
                  </td>
                  <td>{s.label}</td>
                </tr>
              ))}
            </tbody>
          </table>
          <p className="muted">Shortcuts do nothing while you type in a field or while a dialog is open. Esc closes a dialog.</p>
        </Modal>
      )}
      {cancelAll && (
        <Modal title="Cancel all open orders" testId="cancel-all-dialog" onClose={() => setCancelAll(false)} danger>
          <p data-testid="cancel-all-count" data-count={open.length}>
            {open.length === 0 ? 'There are no open orders.' : `Cancel ${open.length} open order${open.length === 1 ? '' : 's'}? Orders still in flight at the broker may fill first.`}
          </p>
          <InlineError text={error} testId="cancel-all-error" onDismiss={() => setError(null)} />
          <div className="modal-buttons">
            <button type="button" onClick={() => setCancelAll(false)}>
              Keep them
            </button>
            <button type="button" className="btn-danger" data-testid="cancel-all-confirm" disabled={busy || open.length === 0} onClick={() => void confirmCancelAll()}>
              Cancel all
            </button>
          </div>
        </Modal>
      )}
    </>
  );
}
