import './zod-jitless.js';
import './styles.css';
import { StrictMode } from 'react';
import { createRoot } from 'react-dom/client';
import { App } from './App.js';
import { client } from './engine/connection.js';
import { startSync } from './state/sync.js';

const rootEl = document.getElementById('root');
if (!rootEl) throw new Error('missing #root');

const stop = startSync(client);
window.addEventListener('pagehide', stop, { once: true });

createRoot(rootEl).render(
  <StrictMode>
    <App />
  </StrictMode>,
);
