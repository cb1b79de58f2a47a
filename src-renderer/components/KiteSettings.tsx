import { useCallback, useEffect, useState, type FormEvent } from 'react';
import type { KiteSettingsInfo } from '../../src-engine/contract/kite-credentials.js';
import type { KiteSessionStatus } from '../../src-engine/contract/schemas.js';
import { client } from '../engine/connection.js';
import { describeError } from '../engine/errors.js';
import { formatIstTime } from '../format/format.js';
import { useAppStore } from '../state/store.js';
import { InlineError, Modal } from './Modal.js';

/**
 * The Kite session in the status bar and the Settings dialog (api key, api secret, redirect URL).
 * The secret is typed into a password field, sent once with `kiteSettings.set` and dropped from
 * this component's state whatever the answer; the engine answers only a masked view.
 *
 * Test hooks: `kite-status` (`data-state` none|active|expired|error, `data-user`), its button
 * `kite-status-button` (opens Settings), `settings-button`; dialog `settings-dialog` with
 * `settings-keychain` (`data-available`), `settings-stored` (`data-configured`, `data-has-secret`),
 * `settings-register-url`, inputs `settings-api-key`, `settings-api-secret`, `settings-redirect-url`,
 * buttons `settings-save`, `settings-clear`, `kite-login-button`, `kite-logout-button`, the session
 * line `settings-session` (`data-state`), notes `settings-saved`, `settings-warning`, errors `settings-error`.
 */

const tone: Record<KiteSessionStatus['state'], string> = { active: 'ok', none: 'info', expired: 'warn', error: 'bad' };

export function kiteStatusText(kite: KiteSessionStatus): string {
  if (kite.state === 'active') return kite.userId ?? 'active';
  if (kite.state === 'none') return 'not logged in';
  return 'log in again';
}

function kiteTitle(kite: KiteSessionStatus): string {
  const parts: string[] = [];
  if (kite.userId) parts.push(kite.userId);
  if (kite.expiresAt !== undefined) parts.push(`${kite.state === 'active' ? 'expires' : 'expired'} ${formatIstTime(kite.expiresAt)} IST`);
  if (kite.message) parts.push(kite.message);
  return parts.join(' · ') || 'not logged in to Kite';
}

/** Status-bar item plus the Settings button; the dialog opens from either. */
export function KiteSessionItem() {
  const kite = useAppStore((s) => s.status?.kite);
  const [open, setOpen] = useState(false);
  const close = useCallback(() => setOpen(false), []);
  return (
    <>
      <span
        className={`status-item status-kite${kite ? ` tone-${tone[kite.state]}` : ''}`}
        title={kite ? kiteTitle(kite) : undefined}
        data-testid="kite-status"
        data-state={kite?.state ?? ''}
        data-user={kite?.userId ?? ''}
      >
        <span className="status-label">kite</span>
        <button type="button" className="status-value status-link" data-testid="kite-status-button" onClick={() => setOpen(true)}>
          {kite ? kiteStatusText(kite) : '—'}
          {kite?.state === 'active' && kite.expiresAt !== undefined ? ` · until ${formatIstTime(kite.expiresAt).slice(0, 5)} IST` : ''}
        </button>
      </span>
      <button type="button" className="btn-small" data-testid="settings-button" onClick={() => setOpen(true)}>
        Settings
      </button>
      {open && <KiteSettingsDialog onClose={close} />}
    </>
  );
}

function sourceText(source: 'env' | 'keychain' | 'none' | 'default'): string {
  return source === 'env' ? 'from the environment' : source === 'keychain' ? 'in the keychain' : source === 'default' ? 'suggested' : 'not set';
}

export function KiteSettingsDialog({ onClose }: { onClose: () => void }) {
  const kite = useAppStore((s) => s.status?.kite);
  const [info, setInfo] = useState<KiteSettingsInfo | null>(null);
  const [apiKey, setApiKey] = useState('');
  const [apiSecret, setApiSecret] = useState('');
  const [redirectUrl, setRedirectUrl] = useState('');
  const [error, setError] = useState<string | null>(null);
  const [note, setNote] = useState<string | null>(null);
  const [busy, setBusy] = useState(false);

  const show = useCallback((i: KiteSettingsInfo) => {
    setInfo(i);
    setRedirectUrl((r) => r || i.redirectUrl || i.registerRedirectUrl);
  }, []);

  useEffect(() => {
    let live = true;
    client.call('kiteSettings.get', {}).then(
      (i) => live && show(i),
      (e: unknown) => live && setError(describeError(e).message),
    );
    return () => {
      live = false;
    };
  }, [show]);

  const run = async (what: () => Promise<void>) => {
    setBusy(true);
    setError(null);
    setNote(null);
    try {
      await what();
    } catch (e) {
      const d = describeError(e);
      setError(`${d.code}: ${d.message}`);
    } finally {
      setBusy(false);
    }
  };

  const onSave = (e: FormEvent) => {
    e.preventDefault();
    const secret = apiSecret;
    // The secret leaves this component's state now, whatever the answer.
    setApiSecret('');
    void run(async () => {
      const i = await client.call('kiteSettings.set', { apiKey: apiKey.trim(), apiSecret: secret, ...(redirectUrl.trim() ? { redirectUrl: redirectUrl.trim() } : {}) });
      setApiKey('');
      show(i);
      setNote('Stored in the OS keychain.');
    });
  };

  const onClear = () =>
    void run(async () => {
      show(await client.call('kiteSettings.clear', {}));
      setNote('Kite settings and session removed from the keychain.');
    });

  const onLogin = () =>
    void run(async () => {
      const start = await client.call('kiteSession.login', {});
      if (start.via === 'redirect') window.location.assign(start.url);
      else setNote('The Kite login window is open.');
    });

  const onLogout = () =>
    void run(async () => {
      await client.call('kiteSession.logout', {});
      setNote('Logged out of Kite.');
    });

  const keychainOk = info?.keychain.available ?? false;
  return (
    <Modal title="Settings · Kite Connect" testId="settings-dialog" onClose={onClose}>
      <div className="settings-body">
        {info && (
          <>
            <p className={keychainOk ? 'muted' : 'settings-bad'} data-testid="settings-keychain" data-available={String(keychainOk)}>
              {keychainOk
                ? `Credentials are kept in the OS keychain (${info.host === 'serve' ? 'by this server' : 'by the desktop app'}), never in files or the database.`
                : `No OS keychain is available, so nothing can be stored (KiteDesk never keeps Kite credentials in plain text): ${info.keychain.message ?? ''}`}
            </p>
            <div className="settings-stored" data-testid="settings-stored" data-configured={String(info.configured)} data-has-secret={String(info.hasSecret)}>
              <div>
                API key: <b>{info.apiKeyMasked ?? '—'}</b> <span className="muted">({sourceText(info.apiKeySource)})</span>
              </div>
              <div>
                API secret: <b>{info.hasSecret ? 'stored' : '—'}</b> <span className="muted">({sourceText(info.secretSource)})</span>
              </div>
            </div>
            <p className="settings-register">
              Register this redirect URL for your app in the Kite developer console:{' '}
              <code data-testid="settings-register-url">{info.registerRedirectUrl}</code>
            </p>
            {info.root && <p className="muted">Kite at {info.root} (KITEDESK_KITE_ROOT).</p>}
            {info.warnings.map((w) => (
              <p key={w} className="settings-bad" data-testid="settings-warning">
                {w}
              </p>
            ))}
            <p className="muted">Since April 2026 Kite accepts orders only from the static IP registered for the app; live orders from another address are rejected.</p>
          </>
        )}
        <form onSubmit={onSave} autoComplete="off">
          <label className="modal-field">
            API key
            <input data-testid="settings-api-key" value={apiKey} maxLength={64} spellCheck={false} onChange={(e) => setApiKey(e.target.value)} />
          </label>
          <label className="modal-field">
            API secret
            <input data-testid="settings-api-secret" type="password" value={apiSecret} maxLength={512} autoComplete="new-password" onChange={(e) => setApiSecret(e.target.value)} />
          </label>
          <label className="modal-field">
            Redirect URL
            <input data-testid="settings-redirect-url" value={redirectUrl} maxLength={300} spellCheck={false} onChange={(e) => setRedirectUrl(e.target.value)} />
          </label>
          <div className="modal-buttons">
            <button type="button" className="btn-danger" data-testid="settings-clear" disabled={busy || !keychainOk} onClick={onClear}>
              Clear stored
            </button>
            <button type="submit" data-testid="settings-save" disabled={busy || !keychainOk || !apiKey.trim() || !apiSecret}>
              Save to keychain
            </button>
          </div>
        </form>
        <div className="settings-session" data-testid="settings-session" data-state={kite?.state ?? ''}>
          <span>
            Session: <b>{kite ? kiteStatusText(kite) : '—'}</b>
            {kite && kite.state !== 'none' ? <span className="muted"> · {kiteTitle(kite)}</span> : null}
          </span>
          <span className="settings-session-buttons">
            {kite?.state === 'active' && (
              <button type="button" data-testid="kite-logout-button" disabled={busy} onClick={onLogout}>
                Log out
              </button>
            )}
            <button type="button" data-testid="kite-login-button" disabled={busy || !info?.configured} onClick={onLogin}>
              {kite?.state === 'active' ? 'Log in again' : 'Log in to Kite'}
            </button>
          </span>
        </div>
        {note && (
          <p className="settings-note" data-testid="settings-saved">
            {note}
          </p>
        )}
        <InlineError text={error} testId="settings-error" onDismiss={() => setError(null)} />
        <div className="modal-buttons">
          <button type="button" onClick={onClose}>
            Close
          </button>
        </div>
      </div>
    </Modal>
  );
}
