import { once } from 'node:events';
import type { AddressInfo } from 'node:net';
import { MessageChannel } from 'node:worker_threads';
import { WebSocket, WebSocketServer } from 'ws';
import { createMemoryPair, fromMessagePort, fromWebSocket, type PortLike, type RpcServer, type Transport } from '../../src-engine/contract/index.js';
import type { TestApi } from './test-api.js';

/** Connects clients to one server over one kind of transport. */
export interface Harness {
  name: string;
  /** A fresh client-side transport, connected to the server, open. */
  connect(): Promise<Transport>;
  /** Server-side ends currently open (to drop connections from the server side). */
  serverEnds(): Transport[];
  dispose(): Promise<void>;
}

type Factory = ((server: RpcServer<TestApi>) => Promise<Harness>) & { transportName?: string };

export const memoryHarness: Factory = async (server) => {
  const ends: Transport[] = [];
  return {
    name: 'in-memory',
    async connect() {
      const [c, s] = createMemoryPair();
      ends.push(s);
      server.accept(s);
      return c;
    },
    serverEnds: () => ends.filter((e) => e.isOpen),
    async dispose() {
      server.closeAll();
    },
  };
};

export const messagePortHarness: Factory = async (server) => {
  const ends: Transport[] = [];
  return {
    name: 'MessagePort (worker_threads)',
    async connect() {
      const ch = new MessageChannel();
      const s = fromMessagePort(ch.port1 as unknown as PortLike);
      ends.push(s);
      server.accept(s);
      return fromMessagePort(ch.port2 as unknown as PortLike);
    },
    serverEnds: () => ends.filter((e) => e.isOpen),
    async dispose() {
      server.closeAll();
    },
  };
};

export const webSocketHarness: Factory = async (server) => {
  const wss = new WebSocketServer({ host: '127.0.0.1', port: 0, maxPayload: 8 * 1024 * 1024 });
  await once(wss, 'listening');
  const ends: Transport[] = [];
  wss.on('connection', (ws) => {
    const t = fromWebSocket(ws);
    ends.push(t);
    server.accept(t);
  });
  const port = (wss.address() as AddressInfo).port;
  const clients: WebSocket[] = [];
  return {
    name: 'WebSocket (ws)',
    async connect() {
      const ws = new WebSocket(`ws://127.0.0.1:${port}/`);
      clients.push(ws);
      await once(ws, 'open');
      return fromWebSocket(ws);
    },
    serverEnds: () => ends.filter((e) => e.isOpen),
    async dispose() {
      server.closeAll();
      for (const c of clients) c.terminate();
      await new Promise<void>((r) => wss.close(() => r()));
    },
  };
};

memoryHarness.transportName = 'in-memory pair';
messagePortHarness.transportName = 'MessagePort (worker_threads)';
webSocketHarness.transportName = 'WebSocket (ws)';
export const harnesses: Factory[] = [memoryHarness, messagePortHarness, webSocketHarness];
