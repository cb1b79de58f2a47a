import { Fragment, useState, type KeyboardEvent } from 'react';
import type { LiveRequest, OrderDto } from '../../src-engine/contract/trading-schemas.js';
import { client } from '../engine/connection.js';
import { formatCount, formatIstTime, formatPaise } from '../format/format.js';
import { paiseToRupeeInput, parseRupeesToPaise } from '../format/rupees.js';
import { useAppStore } from '../state/store.js';
import { canModifyPrice, canModifyTrigger, isOpenOrder, isTerminal } from '../state/trading.js';
import { cancelOrder, errorText, modifyOrder, orderLiveParams } from '../state/trading-actions.js';
import { useTradingStore } from '../state/trading-store.js';
import { InlineError } from './Modal.js';

function statusTone(o: OrderDto): string {
  if (o.status === 'COMPLETE') return 'up';
  if (o.status === 'REJECTED') return 'down';
  if (o.status === 'CANCELLED') return 'muted';
  return 'warn';
}

/** "1,536.05", "3,400.00 / 3,390.00" (SL), "MKT / 3,390.00" (SL-M), "MKT". */
function priceText(o: OrderDto): string {
  const price = o.pricePaise !== undefined && (o.orderType === 'LIMIT' || o.orderType === 'SL') ? formatPaise(o.pricePaise) : 'MKT';
  return o.triggerPaise !== undefined && (o.orderType === 'SL' || o.orderType === 'SL-M') ? `${price}\u2009/\u2009${formatPaise(o.triggerPaise)}` : price;
}

interface Edit {
  orderId: string;
  price: string;
  trigger: string;
}

/**
 * Today's orders, newest first: time, symbol, side, filled/total, type, price/trigger, average, status
 * (the broker's message on hover), product, strategy, broker. Open orders have Cancel; open LIMIT/SL
 * orders have their price (and SL/SL-M their trigger) editable in place.
 */
export function OrdersPanel() {
  const orders = useTradingStore((s) => s.orders);
  const connected = useAppStore((s) => s.connection.state === 'open');
  const [openOnly, setOpenOnly] = useState(false);
  const [busy, setBusy] = useState<string | null>(null);
  const [error, setError] = useState<string | null>(null);
  const [edit, setEdit] = useState<Edit | null>(null);
  /** Shadow mode: the order whose live Kite requests are shown, and those requests. */
  const [live, setLive] = useState<{ orderId: string; requests: LiveRequest[] | null } | null>(null);

  const toggleLive = async (o: OrderDto) => {
    if (live?.orderId === o.orderId) {
      setLive(null);
      return;
    }
    setLive({ orderId: o.orderId, requests: null });
    const r = await orderLiveParams(client, o.orderId);
    if (r.ok) setLive({ orderId: o.orderId, requests: r.value });
    else {
      setLive(null);
      setError(`Kite requests of ${o.orderId}: ${errorText(r.error)}`);
    }
  };

  const all = orders ?? [];
  const rows = openOnly ? all.filter((o) => !isTerminal(o.status)) : all;
  const openCount = all.filter(isOpenOrder).length;

  const cancel = async (o: OrderDto) => {
    setBusy(o.orderId);
    const r = await cancelOrder(client, o.orderId);
    setBusy(null);
    setError(r.ok ? null : `Cancel ${o.symbol} ${o.orderId}: ${errorText(r.error)}`);
  };

  const startEdit = (o: OrderDto) => {
    setError(null);
    setEdit({
      orderId: o.orderId,
      price: o.pricePaise !== undefined ? paiseToRupeeInput(o.pricePaise) : '',
      trigger: o.triggerPaise !== undefined ? paiseToRupeeInput(o.triggerPaise) : '',
    });
  };

  const save = async (o: OrderDto) => {
    if (edit === null || edit.orderId !== o.orderId) return;
    const change: { orderId: string; pricePaise?: number; triggerPaise?: number } = { orderId: o.orderId };
    if (canModifyPrice(o)) {
      const p = parseRupeesToPaise(edit.price);
      if (p === null || p <= 0) {
        setError('Price: enter rupees with up to 2 decimals');
        return;
      }
      if (p !== o.pricePaise) change.pricePaise = p;
    }
    if (canModifyTrigger(o)) {
      const t = parseRupeesToPaise(edit.trigger);
      if (t === null || t <= 0) {
        setError('Trigger: enter rupees with up to 2 decimals');
        return;
      }
      if (t !== o.triggerPaise) change.triggerPaise = t;
    }
    if (change.pricePaise === undefined && change.triggerPaise === undefined) {
      setEdit(null);
      return;
    }
    setBusy(o.orderId);
    const r = await modifyOrder(client, change);
    setBusy(null);
    if (r.ok) {
      setEdit(null);
      setError(null);
    } else {
      setError(`Modify ${o.symbol} ${o.orderId}: ${errorText(r.error)}`);
    }
  };

  const keys = (o: OrderDto) => (e: KeyboardEvent<HTMLInputElement>) => {
    if (e.key === 'Enter') void save(o);
    if (e.key === 'Escape') setEdit(null);
  };

  return (
    <div className="tab-body" data-testid="orders-panel" data-count={rows.length} data-open={openCount}>
      <div className="tab-toolbar">
        <label className="ticket-check">
          <input type="checkbox" data-testid="orders-open-only" checked={openOnly} onChange={(e) => setOpenOnly(e.target.checked)} />
          Open only
        </label>
        <span className="muted">
          {openCount} open · {all.length} today
        </span>
      </div>
      <InlineError text={error} testId="orders-error" onDismiss={() => setError(null)} />
      <div className="panel-scroll">
        <table className="grid-table orders-table">
          <thead>
            <tr>
              <th>Time IST</th>
              <th>Symbol</th>
              <th>Side</th>
              <th className="num" title="filled / ordered">Qty</th>
              <th>Type</th>
              <th className="num" title="limit price / trigger price">Price/Trig ₹</th>
              <th className="num">Avg ₹</th>
              <th>Status</th>
              <th>Strategy</th>
              <th>Broker</th>
              <th />
            </tr>
          </thead>
          <tbody>
            {rows.map((o) => {
              const modifiable = canModifyPrice(o) || canModifyTrigger(o);
              // an order that filled or was cancelled meanwhile leaves edit mode by itself
              const editing = edit?.orderId === o.orderId && modifiable ? edit : null;
              return (
                <Fragment key={o.orderId}>
                <tr
                  data-testid="order-row"
                  data-order-id={o.orderId}
                  data-client-id={o.clientId}
                  data-status={o.status}
                  data-symbol={o.symbol}
                  className={isTerminal(o.status) ? 'closed-row' : undefined}
                >
                  <td className="num-l">{formatIstTime(o.tsInit)}</td>
                  <td className="wl-symbol" title={`${o.exchange} · ${o.orderId} · client ${o.clientId}`}>
                    {o.symbol}
                  </td>
                  <td className={o.side === 'BUY' ? 'up side' : 'down side'}>{o.side}</td>
                  <td className="num">
                    {formatCount(o.filledQty)}/{formatCount(o.qty)}
                  </td>
                  <td>
                    {o.orderType}
                    <span className="muted">
                      {' '}
                      {o.product}
                      {o.variety === 'amo' ? ' AMO' : ''}
                      {o.validity === 'IOC' ? ' IOC' : ''}
                    </span>
                  </td>
                  <td className="num">
                    {editing ? (
                      <span className="inline-edit">
                        {canModifyPrice(o) && (
                          <input
                            className="inline-input"
                            data-testid="order-price-input"
                            aria-label="Price ₹"
                            inputMode="decimal"
                            autoFocus
                            value={editing.price}
                            onChange={(e) => setEdit({ ...editing, price: e.target.value })}
                            onKeyDown={keys(o)}
                          />
                        )}
                        {canModifyTrigger(o) && (
                          <input
                            className="inline-input"
                            data-testid="order-trigger-input"
                            aria-label="Trigger ₹"
                            inputMode="decimal"
                            autoFocus={!canModifyPrice(o)}
                            value={editing.trigger}
                            onChange={(e) => setEdit({ ...editing, trigger: e.target.value })}
                            onKeyDown={keys(o)}
                          />
                        )}
                      </span>
                    ) : (
                      priceText(o)
                    )}
                  </td>
                  <td className="num">{o.filledQty > 0 ? formatPaise(o.avgPricePaise) : ''}</td>
                  <td
                    className={`order-status ${statusTone(o)}${o.statusMessage ? ' has-message' : ''}`}
                    title={o.statusMessage ? `${o.status}: ${o.statusMessage}` : o.status}
                    data-testid="order-status"
                  >
                    {o.status}
                  </td>
                  <td className="muted order-strategy" title={`${o.strategy} (${o.source})`}>
                    {o.strategy}
                  </td>
                  <td className={o.broker === 'live' ? 'down' : 'muted'}>
                    {o.broker === 'shadow' ? (
                      <button
                        type="button"
                        className="btn-link"
                        data-testid="order-live-toggle"
                        title="The Kite requests this order would have sent live"
                        onClick={() => void toggleLive(o)}
                      >
                        shadow {live?.orderId === o.orderId ? '▾' : '▸'}
                      </button>
                    ) : (
                      o.broker
                    )}
                  </td>
                  <td className="row-actions">
                    {editing ? (
                      <>
                        <button type="button" className="btn-small" data-testid="order-modify-save" disabled={!connected || busy !== null} onClick={() => void save(o)}>
                          {busy === o.orderId ? '…' : 'Save'}
                        </button>
                        <button type="button" className="btn-small" data-testid="order-modify-cancel" onClick={() => setEdit(null)}>
                          ✕
                        </button>
                      </>
                    ) : (
                      <>
                        {modifiable && (
                          <button
                            type="button"
                            className="btn-small"
                            data-testid="order-modify"
                            title={canModifyPrice(o) ? 'Modify the price' : 'Modify the trigger'}
                            disabled={!connected || busy !== null}
                            onClick={() => startEdit(o)}
                          >
                            Edit
                          </button>
                        )}
                        {isOpenOrder(o) && (
                          <button
                            type="button"
                            className="btn-small btn-danger"
                            data-testid="order-cancel"
                            disabled={!connected || busy !== null}
                            onClick={() => void cancel(o)}
                          >
                            {busy === o.orderId ? '…' : 'Cancel'}
                          </button>
                        )}
                      </>
                    )}
                  </td>
                </tr>
                {live?.orderId === o.orderId && (
                  <tr className="live-params-row" data-testid="order-live-params" data-count={live.requests?.length ?? 0}>
                    <td colSpan={11}>
                      {live.requests === null
                        ? 'Loading…'
                        : live.requests.length === 0
                          ? 'No live request recorded for this order.'
                          : live.requests.map((r, i) => (
                              <div key={i} className="live-request">
                                <span className="live-kind">{r.kind === 'place' ? `POST /orders/${r.variety}` : r.kind === 'modify' ? `PUT /orders/${r.variety}/…` : `DELETE /orders/${r.variety}/…`}</span>{' '}
                                <code>{Object.entries(r.params).map(([k, v]) => `${k}=${v}`).join('&')}</code>
                              </div>
                            ))}
                    </td>
                  </tr>
                )}
                </Fragment>
              );
            })}
            {rows.length === 0 && (
              <tr className="wl-empty">
                <td colSpan={11}>{orders === null ? (connected ? 'Loading orders…' : 'Waiting for the engine…') : openOnly ? 'No open orders.' : 'No orders today.'}</td>
              </tr>
            )}
          </tbody>
        </table>
      </div>
    </div>
  );
}
