import { useEffect, useMemo, useState, type FormEvent } from 'react';
import type { EnsembleInfo } from '../../src-engine/contract/ensemble-schemas.js';
import { client } from '../engine/connection.js';
import { fieldsFromSchema, issuesByField, textOf } from '../format/params-form.js';
import { InlineError, Modal } from './Modal.js';
import { ParamInputs, useParamTexts } from './StrategyEditor.js';

/** "BUY > 0.3 · SELL < -0.3 · conflicts: net_out (INFY: priority)". */
export function ensembleSummary(s: EnsembleInfo['settings']): string {
  const per = Object.entries(s.conflictBySymbol).map(([sym, m]) => `${sym}: ${m}`);
  return `BUY > ${s.buyThreshold} · SELL < ${s.sellThreshold} · conflicts: ${s.conflict}${per.length ? ` (${per.join(', ')})` : ''}`;
}

/**
 * The ensemble's settings (thresholds, conflict mode, per-symbol conflict modes), edited like a
 * strategy's params: the form comes from the JSON Schema of `ensemble.get`, a field left empty takes the
 * run profile's value (its placeholder), and the engine's INVALID_INPUT issues show under their fields.
 * Test hooks: `ensemble-editor`, `ensemble-form` (`data-ready`), `ensemble-in-force` (`data-buy`,
 * `data-sell`, `data-conflict`), inputs `param-<key>`, errors `param-error-<key>` / `ensemble-error`,
 * `ensemble-save`.
 */
export function EnsembleEditor({ onClose }: { onClose: () => void }) {
  const [info, setInfo] = useState<EnsembleInfo | null>(null);
  const { texts, setTexts, errors, setErrors, setText, validParams } = useParamTexts();
  const [general, setGeneral] = useState<string | null>(null);
  const [busy, setBusy] = useState(false);

  const fields = useMemo(() => (info ? fieldsFromSchema(info.schema) : []), [info]);

  useEffect(() => {
    let live = true;
    client.call('ensemble.get', {}).then(
      (x) => {
        if (!live) return;
        setInfo(x);
        setTexts(Object.fromEntries(fieldsFromSchema(x.schema).map((f) => [f.key, textOf(f, x.overrides[f.key])])));
      },
      (e: unknown) => live && setGeneral(e instanceof Error ? e.message : String(e)),
    );
    return () => {
      live = false;
    };
  }, []);

  const submit = async (ev: FormEvent) => {
    ev.preventDefault();
    const params = validParams(fields);
    if (!params) return;
    setBusy(true);
    setGeneral(null);
    try {
      await client.call('ensemble.set', { settings: params });
      onClose();
    } catch (e) {
      const r = issuesByField(e, 'settings');
      setErrors(r.fields);
      setGeneral(r.general);
    } finally {
      setBusy(false);
    }
  };

  return (
    <Modal title="Ensemble settings" testId="ensemble-editor" onClose={onClose}>
      <form onSubmit={(e) => void submit(e)} data-testid="ensemble-form" data-ready={info !== null}>
        <p className="muted">
          Weighted vote of the instances’ signals per symbol: BUY above the buy threshold, SELL below the sell threshold; the conflict mode
          settles opposite votes. An empty field takes the run profile’s value.
        </p>
        {info && (
          <p data-testid="ensemble-in-force" data-buy={info.settings.buyThreshold} data-sell={info.settings.sellThreshold} data-conflict={info.settings.conflict}>
            In force: {ensembleSummary(info.settings)}
          </p>
        )}
        {info === null && !general ? <p className="muted">Asking the engine…</p> : <ParamInputs fields={fields} texts={texts} setText={setText} errors={errors} />}
        <InlineError text={general} testId="ensemble-error" onDismiss={() => setGeneral(null)} />
        <div className="modal-buttons">
          <button type="button" onClick={onClose}>
            Cancel
          </button>
          <button type="submit" data-testid="ensemble-save" disabled={busy || info === null}>
            Save
          </button>
        </div>
      </form>
    </Modal>
  );
}
