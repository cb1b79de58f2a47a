import { resolve } from 'node:path';
import { defineConfig, type Plugin } from 'vite';
import { RENDERER_CSP_META } from '../src-engine/contract/renderer-policy.js';

const root = resolve(import.meta.dirname, '..');

/**
 * Renderer build. The output runs under a strict CSP (no inline scripts or styles, no eval), from
 * `app://kitedesk/` under Electron and from `http://127.0.0.1:PORT/` headless, hence relative URLs.
 */
/** Put the one CSP (src-engine/contract/renderer-policy.ts) into index.html's <meta>. */
const cspMeta: Plugin = {
  name: 'kitedesk-csp-meta',
  transformIndexHtml(html) {
    if (!html.includes('%KITEDESK_CSP%')) throw new Error('index.html lost its %KITEDESK_CSP% placeholder');
    return html.replace('%KITEDESK_CSP%', RENDERER_CSP_META);
  },
};

export default defineConfig({
  plugins: [cspMeta],
  root: resolve(root, 'src-renderer'),
  base: './',
  publicDir: false,
  // Vite 8 transforms TS/JSX with Oxc; there is no React plugin, so ask for the automatic runtime.
  oxc: { jsx: { runtime: 'automatic' } },
  build: {
    outDir: resolve(root, 'dist/renderer'),
    emptyOutDir: true,
    target: 'es2022',
    sourcemap: true,
    // The polyfill is an inline script; Chromium/Electron support modulepreload natively.
    modulePreload: { polyfill: false },
    // Never inline assets as data: URLs into JS/CSS beyond what img-src allows; keep CSS a file.
    assetsInlineLimit: 0,
    cssCodeSplit: false,
  },
  server: { host: '127.0.0.1', strictPort: false },
});
