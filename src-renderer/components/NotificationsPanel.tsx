import { useEffect, useState } from 'react';
import { formatIstDateTime } from '../format/format.js';
import { NOTIFICATION_KINDS, useNotificationStore } from '../state/notifications.js';

type Permission = 'default' | 'granted' | 'denied' | 'unsupported';

const currentPermission = (): Permission => {
  const N = (globalThis as { Notification?: { permission: string } }).Notification;
  return N ? (N.permission as Permission) : 'unsupported';
};

/**
 * Alerts: the in-app list of notifications (fills, rejections, risk blocks of your orders, halts, the
 * kill switch, a stale feed, an expired Kite session), newest first, and the choice of which kinds
 * also show as desktop notifications. The browser asks for permission the first time desktop
 * notifications are switched on.
 */
export function NotificationsPanel() {
  const items = useNotificationStore((s) => s.items);
  const prefs = useNotificationStore((s) => s.prefs);
  const [permission, setPermission] = useState<Permission>(currentPermission);

  // opening the tab reads the list
  useEffect(() => {
    useNotificationStore.getState().markRead();
  }, [items]);

  const setDesktop = async (on: boolean) => {
    const store = useNotificationStore.getState();
    if (on && currentPermission() === 'default') {
      const N = (globalThis as { Notification?: { requestPermission(): Promise<string> } }).Notification;
      setPermission(((await N?.requestPermission()) ?? 'unsupported') as Permission);
    }
    store.setPrefs({ ...store.prefs, desktop: on });
  };

  return (
    <div className="tab-body notifications-panel" data-testid="notifications-panel" data-count={items.length}>
      <div className="tab-toolbar">
        <label className="modal-check notif-pref">
          <input type="checkbox" data-testid="notif-desktop" checked={prefs.desktop} disabled={permission === 'unsupported'} onChange={(e) => void setDesktop(e.target.checked)} />
          Desktop notifications
        </label>
        {NOTIFICATION_KINDS.map((k) => (
          <label key={k.kind} className="notif-pref">
            <input
              type="checkbox"
              data-testid={`notif-kind-${k.kind}`}
              checked={prefs.kinds[k.kind]}
              onChange={(e) => useNotificationStore.getState().setPrefs({ ...prefs, kinds: { ...prefs.kinds, [k.kind]: e.target.checked } })}
            />
            {k.label}
          </label>
        ))}
        <span className="status-spacer" />
        {permission === 'denied' && <span className="down">Blocked by the browser: allow notifications for this page in its settings.</span>}
        <button type="button" className="small-button" disabled={items.length === 0} onClick={() => useNotificationStore.getState().clear()}>
          Clear
        </button>
      </div>
      <div className="panel-scroll">
        {items.length === 0 && <div className="muted notif-empty">Nothing yet: fills, rejections, blocks of your orders, halts and feed or session trouble show up here.</div>}
        {items.map((n) => (
          <div key={n.id} className={`notif-item ${n.tone}`} data-testid="notification" data-kind={n.kind}>
            <span className="muted">{formatIstDateTime(n.ts)}</span> <b>{n.title}</b> <span className="muted">{n.body}</span>
          </div>
        ))}
      </div>
    </div>
  );
}
