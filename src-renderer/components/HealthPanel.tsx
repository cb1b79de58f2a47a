import { useEffect, useState } from 'react';
import { client } from '../engine/connection.js';
import { describeError } from '../engine/errors.js';
import { formatIstDateTime, formatRate } from '../format/format.js';
import { alarms, fnoRows, formatBytes, formatRestarts, formatUptime, usage, type Health } from '../format/health.js';
import { errorText } from '../state/trading-actions.js';
import { InlineError } from './Modal.js';

/** How often the open tab asks the engine (it measures event-loop delay between two asks). */
export const HEALTH_POLL_MS = 2000;

function Row({ label, value, tone, testId }: { label: string; value: string; tone?: string; testId?: string }) {
  return (
    <tr data-testid={testId}>
      <td className="muted">{label}</td>
      <td className={`num ${tone ?? ''}`}>{value}</td>
    </tr>
  );
}

/**
 * Health: the engine (state, mode, host, uptime, restarts by the desktop app's supervisor with the newest
 * reason), the feed (kind, state, ticker connections and tokens,
 * ticks/s, clock skew, staleness), the order API budget against the caps, the engine process (memory,
 * event-loop delay), the journal's size, the F&O plan (with `fno:`: its state, contracts per underlying,
 * instances waiting to move) and the newest warnings and errors of the engine log. Polled
 * every 2 s while the tab is open and the page visible (`engine.health`).
 */
export function HealthPanel() {
  const [h, setH] = useState<Health | null>(null);
  const [error, setError] = useState<string | null>(null);

  useEffect(() => {
    let stopped = false;
    let inFlight = false;
    const poll = () => {
      if (stopped || inFlight || document.visibilityState === 'hidden') return;
      inFlight = true;
      client.call('engine.health', {}).then(
        (x) => {
          if (stopped) return;
          setH(x);
          setError(null);
        },
        (e: unknown) => {
          if (!stopped) setError(errorText(describeError(e)));
        },
      ).finally(() => (inFlight = false));
    };
    poll();
    const timer = setInterval(poll, HEALTH_POLL_MS);
    return () => {
      stopped = true;
      clearInterval(timer);
    };
  }, []);

  const list = h ? alarms(h) : [];
  const o = h?.orders;
  const rates = o ? [usage(o.lastSecond, o.capPerSecond), usage(o.lastMinute, o.capPerMinute), usage(o.today, o.capPerDay)] : [];
  return (
    <div className="tab-body health-panel" data-testid="health-panel" data-ready={h !== null} data-alarms={list.length}>
      <InlineError testId="health-error" text={error} onDismiss={() => setError(null)} />
      {h === null ? (
        <div className="equity-empty">{error ? '' : 'Asking the engine…'}</div>
      ) : (
        <div className="health-body">
          <div className="health-alarms" data-testid="health-alarms">
            {list.length === 0 ? <span className="up">All well</span> : list.map((a) => <span key={a.text} className={`health-alarm ${a.tone}`}>{a.text}</span>)}
          </div>
          <div className="health-grid">
            <table className="grid-table">
              <tbody>
                <Row label="Engine" value={`${h.engine.state} · ${h.engine.mode}`} tone={h.engine.state === 'running' ? 'up' : 'down'} testId="health-engine" />
                <Row label="Host" value={`${h.engine.runtime} · pid ${h.engine.pid}`} />
                <Row label="Up" value={formatUptime(h.engine.uptimeMs)} />
                <Row label="Restarts" value={formatRestarts(h.engine.restarts)} tone={h.engine.restarts.count > 0 ? 'down' : ''} testId="health-restarts" />
                <Row label="Journal" value={`${formatBytes(h.journal.dbBytes)} + WAL ${formatBytes(h.journal.walBytes)}`} testId="health-journal" />
              </tbody>
            </table>
            <table className="grid-table">
              <tbody>
                <Row label="Feed" value={`${h.feed.kind}${h.feed.status ? ` · ${h.feed.status.state}` : ''}${h.feed.phase ? ` · ${h.feed.phase}` : ''}`} tone={h.feed.stale ? 'down' : ''} testId="health-feed" />
                <Row label="Ticks/s" value={formatRate(h.feed.ticksPerSec)} testId="health-ticks" />
                <Row label="Feed time" value={`${formatIstDateTime(h.feed.feedTime)} IST`} />
                <Row label="Clock skew" value={h.feed.status?.clockSkewMs === undefined ? '—' : `${(h.feed.status.clockSkewMs / 1000).toFixed(1)} s`} />
                {(h.feed.status?.connections ?? []).map((c) => (
                  <Row key={c.index} label={`Ticker ${c.index + 1}`} value={`${c.state} · ${c.tokens.toLocaleString('en-IN')} tokens`} />
                ))}
              </tbody>
            </table>
            <table className="grid-table">
              <tbody>
                {(['per second', 'per minute', 'today'] as const).map((label, i) => (
                  <Row key={label} label={`Orders ${label}`} value={rates[i]!.text} tone={rates[i]!.tone === 'ok' ? '' : 'down'} testId={`health-orders-${i}`} />
                ))}
                <Row label="Memory" value={`RSS ${formatBytes(h.process.rssBytes)} · heap ${formatBytes(h.process.heapUsedBytes)}`} testId="health-memory" />
                <Row label="Event loop" value={`p50 ${h.process.eventLoopDelayMs.p50} · p99 ${h.process.eventLoopDelayMs.p99} · max ${h.process.eventLoopDelayMs.max} ms`} />
                {h.process.unhandledRejections !== undefined && (
                  <Row label="Unhandled rejections" value={String(h.process.unhandledRejections)} tone={h.process.unhandledRejections > 0 ? 'down' : ''} testId="health-rejections" />
                )}
              </tbody>
            </table>
          </div>
          {h.fno && (
            <table className="grid-table health-fno" data-testid="health-fno" data-state={h.fno.state}>
              <tbody>
                {fnoRows(h.fno).map((r) => (
                  <Row key={r.label} label={r.label} value={r.value} tone={r.tone} />
                ))}
              </tbody>
            </table>
          )}
          <div className="health-problems" data-testid="health-problems" data-count={h.problems.length}>
            <div className="muted">Last warnings and errors</div>
            {h.problems.length === 0 && <div className="muted">None since the engine started.</div>}
            {h.problems.map((p, i) => (
              <div key={`${p.ts}-${i}`} className={`health-problem ${p.level === 'error' ? 'down' : 'warn'}`}>
                {formatIstDateTime(p.ts)} {p.level}: {p.message}
              </div>
            ))}
          </div>
        </div>
      )}
    </div>
  );
}
