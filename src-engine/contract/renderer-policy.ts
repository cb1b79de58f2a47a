/**
 * The Content-Security-Policy the renderer runs under, wherever it is served: the Electron app://
 * protocol (src-main/security.ts), headless `serve` (src-engine/host/serve.ts) and the built page's
 * own <meta> (configs/vite.renderer.config.ts injects it). One string, so the three cannot drift.
 * No inline script or style, no eval; `'self'` covers the engine WebSocket on the same origin.
 */
export const RENDERER_CSP_DIRECTIVES = [
  "default-src 'none'",
  "script-src 'self'",
  "style-src 'self'",
  "connect-src 'self'",
  "img-src 'self' data:",
  "font-src 'self'",
  "base-uri 'none'",
  "form-action 'none'",
] as const;

/** For <meta http-equiv>: frame-ancestors is ignored there, so it is only in the header form. */
export const RENDERER_CSP_META = RENDERER_CSP_DIRECTIVES.join('; ');

/** For the Content-Security-Policy response header. */
export const RENDERER_CSP = [...RENDERER_CSP_DIRECTIVES, "frame-ancestors 'none'"].join('; ');

/** `serve`'s WebSocket subprotocol; the server selects it (src-engine/host/serve.ts). */
export const WS_PROTOCOL = 'kitedesk.v1';
/**
 * The page offers its token as the subprotocol `kitedesk.token.<token>` beside {@link WS_PROTOCOL}
 * (the server never echoes it): no cookie, and the token stays out of URLs.
 */
export const WS_TOKEN_PROTOCOL_PREFIX = 'kitedesk.token.';
/** sessionStorage key of the page's token (per origin, i.e. per port, and per tab). */
export const SESSION_TOKEN_KEY = 'kitedesk.serveToken';
