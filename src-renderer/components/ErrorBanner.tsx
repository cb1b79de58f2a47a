import { useAppStore } from '../state/store.js';

/** Engine errors (code + message, never a stack), each dismissable. */
export function ErrorBanner() {
  const errors = useAppStore((s) => s.errors);
  const dismiss = useAppStore((s) => s.dismissError);
  if (errors.length === 0) return null;
  return (
    <div className="error-banner" role="alert">
      {errors.map((e) => (
        <div key={e.id} className="error-item">
          <span className="error-code">{e.code}</span>
          <span className="error-message">{e.message}</span>
          <button type="button" className="error-dismiss" aria-label="Dismiss" onClick={() => dismiss(e.id)}>
            ×
          </button>
        </div>
      ))}
    </div>
  );
}
