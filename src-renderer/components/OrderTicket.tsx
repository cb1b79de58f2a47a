import { useEffect, useState, type FormEvent } from 'react';
import { orderPreviewInputSchema, orderPreviewSchema, type OrderPreviewDto } from '../../src-engine/contract/options-schemas.js';
import { client } from '../engine/connection.js';
import { formatPaise } from '../format/format.js';
import { paiseToRupeeInput } from '../format/rupees.js';
import { useTicketPrefill } from '../state/option-chain.js';
import { useAppStore } from '../state/store.js';
import {
  DEFAULT_TICKET,
  ORDER_TYPES,
  PRODUCTS,
  VALIDITIES,
  afterAttempt,
  buildOrder,
  clientIdFor,
  errorResultView,
  needsPrice,
  needsTrigger,
  orderKey,
  placeResultView,
  type PendingAttempt,
  type TicketForm,
  type TicketResultView,
} from '../state/ticket.js';
import { placeOrder } from '../state/trading-actions.js';

interface ShownResult extends TicketResultView {
  symbol: string;
  clientId: string | null;
  orderIds: string[];
}

/**
 * The order ticket for the selected symbol. One clientId per submission: a submission whose outcome
 * is unknown (TIMEOUT, DISCONNECTED) keeps it, and submitting the same order again reuses it, so the
 * engine answers the first order instead of placing a second. Shows the risk decision it got.
 */
export function OrderTicket() {
  const symbol = useAppStore((s) => s.selected);
  const lastPaise = useAppStore((s) => (s.selected === null ? undefined : s.quotes[s.selected]?.lastPaise));
  const connected = useAppStore((s) => s.connection.state === 'open');
  const [form, setForm] = useState<TicketForm>(DEFAULT_TICKET);
  const [busy, setBusy] = useState(false);
  const [pending, setPending] = useState<PendingAttempt | null>(null);
  const [result, setResult] = useState<ShownResult | null>(null);

  const prefill = useTicketPrefill((s) => s.prefill);
  // a contract clicked in the option chain: one lot, LIMIT at its price (NRML: F&O carries overnight)
  useEffect(() => {
    if (!prefill) return;
    setForm((f) => ({
      ...f,
      side: prefill.side,
      qty: String(prefill.qty),
      orderType: prefill.pricePaise !== null ? 'LIMIT' : f.orderType,
      price: prefill.pricePaise !== null ? paiseToRupeeInput(prefill.pricePaise) : f.price,
      product: 'NRML',
    }));
    setResult(null);
  }, [prefill]);

  const set = <K extends keyof TicketForm>(k: K, v: TicketForm[K]) => setForm((f) => ({ ...f, [k]: v }));
  const built = buildOrder(form, symbol);
  // the planned order's margin and charges before it is sent (orders.preview), refreshed as the form changes
  const previewKey = built.ok ? JSON.stringify({ symbol: built.order.symbol, side: built.order.side, qty: built.order.qty, product: built.order.product, ...(built.order.pricePaise !== undefined ? { pricePaise: built.order.pricePaise } : {}) }) : '';
  const [preview, setPreview] = useState<OrderPreviewDto | null>(null);
  useEffect(() => {
    if (previewKey === '' || !connected) {
      setPreview(null);
      return;
    }
    let alive = true;
    const timer = setTimeout(() => {
      client
        .call('orders.preview', orderPreviewInputSchema.parse(JSON.parse(previewKey)), { timeoutMs: 5000 })
        .then((v) => {
          if (alive) setPreview(orderPreviewSchema.parse(v));
        })
        .catch(() => {
          if (alive) setPreview(null);
        });
    }, 250);
    return () => {
      alive = false;
      clearTimeout(timer);
    };
  }, [previewKey, connected]);
  const isRetry = built.ok && pending !== null && pending.key === orderKey(built.order);

  const submit = async (e: FormEvent) => {
    e.preventDefault();
    if (busy) return;
    if (!built.ok) {
      setResult({ ...errorResultView('INVALID_INPUT', built.message), symbol: symbol ?? '', clientId: null, orderIds: [] });
      return;
    }
    const key = orderKey(built.order);
    const clientId = clientIdFor(pending, key);
    setBusy(true);
    const r = await placeOrder(client, { ...built.order, clientId });
    setBusy(false);
    setPending(afterAttempt({ key, clientId }, r.ok ? null : r.error.code));
    const view = r.ok ? placeResultView(r.value) : errorResultView(r.error.code, r.error.message);
    setResult({ ...view, symbol: built.order.symbol, clientId, orderIds: r.ok ? r.value.orders.map((o) => o.orderId) : [] });
  };

  const useLtp = () => {
    if (lastPaise === undefined) return;
    const text = paiseToRupeeInput(lastPaise);
    setForm((f) => ({ ...f, price: needsPrice(f.orderType) ? text : f.price, trigger: needsTrigger(f.orderType) && !needsPrice(f.orderType) ? text : f.trigger }));
  };

  const side = form.side;
  const label = built.ok ? `${isRetry ? 'Retry ' : ''}${side} ${built.order.qty} ${built.order.symbol}` : `${side}${symbol ? ` ${symbol}` : ''}`;

  return (
    <section className={`order-ticket ticket-${side.toLowerCase()}`} data-testid="order-ticket" data-symbol={symbol ?? ''}>
      <div className="panel-title ticket-title">
        Order <span className="ticket-symbol">{symbol ?? '—'}</span>
        <button type="button" className="ticket-ltp" title="Use the last price" disabled={lastPaise === undefined || form.orderType === 'MARKET'} onClick={useLtp}>
          LTP {lastPaise === undefined ? '—' : formatPaise(lastPaise)}
        </button>
      </div>
      <form className="ticket-form" onSubmit={(e) => void submit(e)}>
        <div className="ticket-sides" role="group" aria-label="Side">
          <button
            type="button"
            className={`side-buy${side === 'BUY' ? ' active' : ''}`}
            data-testid="ticket-side-buy"
            aria-pressed={side === 'BUY'}
            onClick={() => set('side', 'BUY')}
          >
            BUY
          </button>
          <button
            type="button"
            className={`side-sell${side === 'SELL' ? ' active' : ''}`}
            data-testid="ticket-side-sell"
            aria-pressed={side === 'SELL'}
            onClick={() => set('side', 'SELL')}
          >
            SELL
          </button>
        </div>
        <label className="ticket-field">
          <span>Qty</span>
          <input data-testid="ticket-qty" inputMode="numeric" value={form.qty} onChange={(e) => set('qty', e.target.value)} />
        </label>
        <label className="ticket-field">
          <span>Type</span>
          <select data-testid="ticket-type" value={form.orderType} onChange={(e) => set('orderType', e.target.value as TicketForm['orderType'])}>
            {ORDER_TYPES.map((t) => (
              <option key={t} value={t}>
                {t}
              </option>
            ))}
          </select>
        </label>
        <label className="ticket-field">
          <span>Product</span>
          <select data-testid="ticket-product" value={form.product} onChange={(e) => set('product', e.target.value as TicketForm['product'])}>
            {PRODUCTS.map((p) => (
              <option key={p} value={p}>
                {p}
              </option>
            ))}
          </select>
        </label>
        <label className="ticket-field">
          <span>Price ₹</span>
          <input
            data-testid="ticket-price"
            inputMode="decimal"
            placeholder={needsPrice(form.orderType) ? '0.00' : 'market'}
            disabled={!needsPrice(form.orderType)}
            value={needsPrice(form.orderType) ? form.price : ''}
            onChange={(e) => set('price', e.target.value)}
          />
        </label>
        <label className="ticket-field">
          <span>Trigger ₹</span>
          <input
            data-testid="ticket-trigger"
            inputMode="decimal"
            placeholder={needsTrigger(form.orderType) ? '0.00' : '—'}
            disabled={!needsTrigger(form.orderType)}
            value={needsTrigger(form.orderType) ? form.trigger : ''}
            onChange={(e) => set('trigger', e.target.value)}
          />
        </label>
        <label className="ticket-field">
          <span>Validity</span>
          <select data-testid="ticket-validity" value={form.validity} onChange={(e) => set('validity', e.target.value as TicketForm['validity'])}>
            {VALIDITIES.map((v) => (
              <option key={v} value={v}>
                {v}
              </option>
            ))}
          </select>
        </label>
        <label className="ticket-check" title="After-market order">
          <input type="checkbox" data-testid="ticket-amo" checked={form.amo} onChange={(e) => set('amo', e.target.checked)} />
          AMO
        </label>
        <button
          type="submit"
          className={`ticket-submit side-${side.toLowerCase()}`}
          data-testid="ticket-submit"
          data-retry={isRetry}
          disabled={!connected || busy || symbol === null}
          title={isRetry ? `Same order as the unanswered one: sent again with client id ${pending?.clientId ?? ''}` : undefined}
        >
          {busy ? 'Sending…' : label}
        </button>
      </form>
      {preview && (
        <div className={`ticket-preview${preview.marginRequiredPaise > preview.marginAvailablePaise ? ' tone-bad' : ''}`} data-testid="ticket-preview" data-symbol={preview.symbol} data-qty={preview.qty} data-margin-paise={preview.marginRequiredPaise} data-charges-paise={preview.charges.totalPaise}>
          Margin ₹{formatPaise(preview.marginRequiredPaise)} of ₹{formatPaise(preview.marginAvailablePaise)} · charges ₹{formatPaise(preview.charges.totalPaise)}
          {preview.lotSize > 1 ? ` · ${preview.lots} lot${preview.lots === 1 ? '' : 's'}` : ''}
        </div>
      )}
      {result && (
        <div
          className={`ticket-result tone-${result.tone}`}
          data-testid="ticket-result"
          data-action={result.action}
          data-rule={result.rule ?? ''}
          data-code={result.code ?? ''}
          data-client-id={result.clientId ?? ''}
          data-order-ids={result.orderIds.join(',')}
          title={result.clientId ? `client id ${result.clientId}` : undefined}
          role="status"
        >
          <span className="ticket-result-symbol">{result.symbol}</span> {result.text}
        </div>
      )}
    </section>
  );
}
