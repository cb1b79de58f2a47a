import { useEffect, useMemo, useState, type Dispatch, type FormEvent, type SetStateAction } from 'react';
import type { StrategyInstanceInfo, StrategyTypeInfo } from '../../src-engine/contract/schemas.js';
import { client } from '../engine/connection.js';
import { fieldsFromSchema, issuesByField, limitsText, paramsFromTexts, textOf, type ParamField } from '../format/params-form.js';
import { useAppStore } from '../state/store.js';
import { InlineError, Modal } from './Modal.js';

/**
 * The texts of a params form and the issues shown under its fields; `setText` edits a field and clears
 * that field's issue; `validParams` reads the form. Shared by the strategy, ensemble and backtest forms.
 * `kept`: the texts' state held elsewhere (the backtest form's, in its store) instead of this component's.
 */
export function useParamTexts(kept?: [Record<string, string>, Dispatch<SetStateAction<Record<string, string>>>]) {
  const own = useState<Record<string, string>>({});
  const [texts, setTexts] = kept ?? own;
  const [errors, setErrors] = useState<Record<string, string>>({});
  const setText = (k: string, v: string) => {
    setTexts((t) => ({ ...t, [k]: v }));
    setErrors((e) => {
      const { [k]: _gone, ...rest } = e;
      return rest;
    });
  };
  /** The params the texts give, or null after showing each field's issue under it. */
  const validParams = (fields: readonly ParamField[]): Record<string, unknown> | null => {
    const { params, errors: local } = paramsFromTexts(fields, texts);
    if (Object.keys(local).length) {
      setErrors(local);
      return null;
    }
    return params;
  };
  return { texts, setTexts, errors, setErrors, setText, validParams };
}

/**
 * One input per param, generated from a JSON Schema; the engine's issue for a field shows under it.
 * Test hooks: `param-<key>` (input or select), `param-error-<key>`. Also the ensemble editor's form.
 */
export function ParamInputs({ fields, texts, setText, errors }: { fields: ParamField[]; texts: Record<string, string>; setText: (k: string, v: string) => void; errors: Record<string, string> }) {
  if (fields.length === 0) return <p className="muted">This type has no parameters.</p>;
  return (
    <div className="params-grid">
      {fields.map((f) => {
        const hint = f.kind === 'integer' || f.kind === 'number' ? limitsText(f) : f.kind === 'string' && f.pattern ? `pattern ${f.pattern}` : '';
        const placeholder = 'default' in f && f.default !== undefined ? `default ${f.kind === 'json' ? JSON.stringify(f.default) : String(f.default)}` : '';
        const common = { 'data-testid': `param-${f.key}`, 'aria-invalid': errors[f.key] ? true : undefined, value: texts[f.key] ?? '' };
        return (
          <label key={f.key} className={`modal-field${errors[f.key] ? ' field-invalid' : ''}`}>
            <span>
              {f.label} {hint && <span className="muted">({hint})</span>}
            </span>
            {f.kind === 'enum' ? (
              <select {...common} onChange={(e) => setText(f.key, e.target.value)}>
                <option value="">{placeholder || '—'}</option>
                {f.options.map((o) => (
                  <option key={o} value={o}>
                    {o}
                  </option>
                ))}
              </select>
            ) : f.kind === 'boolean' ? (
              <select {...common} onChange={(e) => setText(f.key, e.target.value)}>
                <option value="">{placeholder || '—'}</option>
                <option value="true">on</option>
                <option value="false">off</option>
              </select>
            ) : (
              <input
                {...common}
                inputMode={f.kind === 'integer' || f.kind === 'number' ? 'decimal' : undefined}
                placeholder={placeholder}
                onChange={(e) => setText(f.key, e.target.value)}
              />
            )}
            {errors[f.key] && (
              <span className="field-error" role="alert" data-testid={`param-error-${f.key}`}>
                {errors[f.key]}
              </span>
            )}
          </label>
        );
      })}
    </div>
  );
}

type Mode = { kind: 'edit'; instance: StrategyInstanceInfo } | { kind: 'add' };

/**
 * Edit a strategy instance's params, or add a new instance (type, id, symbols, timeframe, weight and
 * params). The form is generated from the type's params JSON Schema (`strategies.list` types); the
 * engine validates and its INVALID_INPUT issues are shown inline next to their fields.
 */
export function StrategyEditor({ mode, onClose }: { mode: Mode; onClose: () => void }) {
  const [types, setTypes] = useState<StrategyTypeInfo[] | null>(null);
  const [loadError, setLoadError] = useState<string | null>(null);
  const [type, setType] = useState(mode.kind === 'edit' ? mode.instance.type : '');
  const [id, setId] = useState('');
  const [symbols, setSymbols] = useState('');
  const [timeframe, setTimeframe] = useState('');
  const [weight, setWeight] = useState('');
  const { texts, setTexts, errors, setErrors, setText, validParams } = useParamTexts();
  const [general, setGeneral] = useState<string | null>(null);
  const [busy, setBusy] = useState(false);
  const [instruments, setInstruments] = useState<string[]>([]);

  useEffect(() => {
    let live = true;
    client.call('strategies.list', {}).then(
      (l) => {
        if (!live) return;
        setTypes(l.types);
        if (mode.kind === 'add' && l.types[0]) setType((t) => t || l.types[0]!.type);
      },
      (e: unknown) => live && setLoadError(e instanceof Error ? e.message : String(e)),
    );
    if (mode.kind === 'add') {
      client.call('instruments.list', {}).then(
        (l) => live && setInstruments(l.map((i) => i.symbol)),
        () => undefined, // the symbol list is a convenience; the engine still checks every symbol
      );
    }
    return () => {
      live = false;
    };
  }, [mode.kind]);

  const typeInfo = types?.find((t) => t.type === type);
  const fields = useMemo(() => (typeInfo ? fieldsFromSchema(typeInfo.paramsSchema) : []), [typeInfo]);

  // an instance's current params fill the form once its type's schema is known
  useEffect(() => {
    if (mode.kind !== 'edit' || !typeInfo) return;
    setTexts(Object.fromEntries(fields.map((f) => [f.key, textOf(f, mode.instance.params[f.key])])));
  }, [mode, typeInfo, fields]);

  const submit = async (ev: FormEvent) => {
    ev.preventDefault();
    const params = validParams(fields);
    if (!params) return;
    setBusy(true);
    setGeneral(null);
    try {
      let info: StrategyInstanceInfo;
      if (mode.kind === 'edit') info = await client.call('strategies.setParams', { id: mode.instance.id, params });
      else {
        const list = symbols.split(/[\s,]+/).map((s) => s.trim().toUpperCase()).filter(Boolean);
        info = await client.call('strategies.add', {
          id: id.trim(),
          type,
          params,
          symbols: list,
          ...(timeframe ? { timeframe: timeframe as StrategyInstanceInfo['timeframe'] } : {}),
          ...(weight.trim() !== '' ? { weight: Number(weight) } : {}),
        });
      }
      useAppStore.getState().strategyDelta(info);
      onClose();
    } catch (e) {
      const r = issuesByField(e);
      setErrors(r.fields);
      setGeneral(r.general);
    } finally {
      setBusy(false);
    }
  };

  const title = mode.kind === 'edit' ? `Parameters of ${mode.instance.id} (${mode.instance.type})` : 'Add a strategy instance';
  return (
    <Modal title={title} testId="strategy-editor" onClose={onClose}>
      <form onSubmit={(e) => void submit(e)} data-testid="strategy-form" data-ready={types !== null}>
        {mode.kind === 'add' && (
          <>
            <label className="modal-field">
              Type
              <select data-testid="strategy-type" value={type} onChange={(e) => (setType(e.target.value), setTexts({}), setErrors({}))}>
                {(types ?? []).map((t) => (
                  <option key={t.type} value={t.type} title={t.description}>
                    {t.type}
                  </option>
                ))}
              </select>
            </label>
            {typeInfo && <p className="muted">{typeInfo.description}</p>}
            <label className="modal-field">
              Id
              <input data-testid="strategy-id" value={id} maxLength={64} placeholder="e.g. ema-fast" onChange={(e) => setId(e.target.value)} />
            </label>
            <label className="modal-field">
              Symbols <span className="muted">(comma-separated)</span>
              <input data-testid="strategy-symbols" list="strategy-symbol-list" value={symbols} onChange={(e) => setSymbols(e.target.value)} placeholder="RELIANCE, INFY" />
              <datalist id="strategy-symbol-list">
                {instruments.map((s) => (
                  <option key={s} value={s} />
                ))}
              </datalist>
            </label>
            <div className="params-grid">
              <label className="modal-field">
                Timeframe
                <select data-testid="strategy-timeframe" value={timeframe} onChange={(e) => setTimeframe(e.target.value)}>
                  <option value="">{typeInfo?.timeframes[0] ? `default ${typeInfo.timeframes[0]}` : 'default'}</option>
                  {(typeInfo?.timeframes ?? []).map((tf) => (
                    <option key={tf} value={tf}>
                      {tf}
                    </option>
                  ))}
                </select>
              </label>
              <label className="modal-field">
                Weight <span className="muted">(0 = journal only)</span>
                <input data-testid="strategy-weight" inputMode="decimal" value={weight} placeholder="the type's default" onChange={(e) => setWeight(e.target.value)} />
              </label>
            </div>
          </>
        )}
        {types === null && !loadError ? <p className="muted">Loading the strategy types…</p> : <ParamInputs fields={fields} texts={texts} setText={setText} errors={errors} />}
        <InlineError text={loadError ?? general} testId="strategy-error" onDismiss={() => (setGeneral(null), setLoadError(null))} />
        <div className="modal-buttons">
          <button type="button" onClick={onClose}>
            Cancel
          </button>
          <button type="submit" data-testid="strategy-save" disabled={busy || types === null}>
            {mode.kind === 'edit' ? 'Save' : 'Add'}
          </button>
        </div>
      </form>
    </Modal>
  );
}
