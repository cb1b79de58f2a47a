import { formatCount, formatIstTime, formatRate } from '../format/format.js';
import { useAppStore } from '../state/store.js';
import { KiteSessionItem } from './KiteSettings.js';
import { ModeSwitch } from './ModeSwitch.js';
import { LayoutToggle } from './Workspace.js';

function Item({ label, value, tone, title, className }: { label: string; value: string; tone?: string | undefined; title?: string | undefined; className?: string }) {
  return (
    <span className={`status-item${tone ? ` tone-${tone}` : ''}${className ? ` ${className}` : ''}`} title={title}>
      <span className="status-label">{label}</span>
      <span className="status-value">{value}</span>
    </span>
  );
}

const engineTone: Record<string, string> = { running: 'ok', starting: 'warn', degraded: 'warn', stopping: 'bad' };
const connTone: Record<string, string> = { open: 'ok', connecting: 'warn', closed: 'bad' };

export function StatusBar() {
  const connection = useAppStore((s) => s.connection);
  const status = useAppStore((s) => s.status);
  const ticksPerSec = status?.ticksPerSec ?? 0;

  return (
    <header
      className={`status-bar${connection.state === 'open' ? '' : ' stale'}${status?.mode === 'live' ? ' live' : ''}`}
      data-testid="status-bar" data-connection={connection.state} data-ticks-per-sec={ticksPerSec} data-mode={status?.mode ?? ''}
    >
      <span className="brand" title={status ? `engine ${status.version}` : undefined}>
        KiteDesk
      </span>
      <LayoutToggle />
      <Item
        label="conn"
        className="status-conn"
        value={connection.state}
        tone={connTone[connection.state]}
        title={connection.lastError ? `${connection.via}: ${connection.lastError}` : connection.via}
      />
      <Item label="engine" value={status?.state ?? '—'} tone={status ? engineTone[status.state] : undefined} />
      <ModeSwitch />
      <Item label="feed" value={status ? status.feed.toUpperCase() : '—'} />
      <KiteSessionItem />
      <Item label="ticks/s" value={status ? formatRate(ticksPerSec) : '—'} />
      <Item label="ticks" value={status ? formatCount(status.totalTicks) : '—'} />
      <Item label="feed time" value={status ? `${formatIstTime(status.feedTime)} IST` : '—'} />
      <Item
        label="session"
        className="status-session"
        value={status?.tradingDay ? status.tradingDay.phase : '—'}
        tone={status?.tradingDay?.phase === 'open' ? 'ok' : undefined}
        title={status?.tradingDay ? `trading day ${status.tradingDay.date}` : undefined}
      />
      <Item label="conns" className="status-conns" value={status ? String(status.connections) : '—'} />
      {connection.state !== 'open' && connection.lastError && <span className="status-error">{connection.lastError}</span>}
      <span className="status-spacer" />
      {status && (
        <span className="status-version" title={`engine ${status.version}`}>
          engine {status.version}
        </span>
      )}
    </header>
  );
}
