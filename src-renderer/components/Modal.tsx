import { useEffect, type ReactNode } from 'react';

/**
 * A small modal dialog: a backdrop that closes it when clicked, Escape closes it too. The content
 * (usually a <form>) brings its own buttons.
 */
export function Modal({ title, testId, onClose, children, danger }: { title: string; testId: string; onClose: () => void; children: ReactNode; danger?: boolean }) {
  useEffect(() => {
    const onKey = (e: KeyboardEvent) => {
      if (e.key === 'Escape') onClose();
    };
    window.addEventListener('keydown', onKey);
    return () => window.removeEventListener('keydown', onKey);
  }, [onClose]);
  return (
    <div
      className="modal-backdrop"
      onMouseDown={(e) => {
        if (e.target === e.currentTarget) onClose();
      }}
    >
      <div className={`modal${danger ? ' modal-danger' : ''}`} role="dialog" aria-modal="true" aria-label={title} data-testid={testId}>
        <div className="modal-title">{title}</div>
        {children}
      </div>
    </div>
  );
}

/** One dismissable error line inside a panel (the engine's code and message). */
export function InlineError({ text, testId, onDismiss }: { text: string | null; testId: string; onDismiss: () => void }) {
  if (text === null) return null;
  return (
    <div className="wl-error" role="alert" data-testid={testId}>
      {text}
      <button type="button" className="error-dismiss" aria-label="Dismiss" onClick={onDismiss}>
        ×
      </button>
    </div>
  );
}
