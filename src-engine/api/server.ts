import { kiteDeskApi, type KiteDeskApi } from '../contract/api.js';
import { RpcServer, type RpcServerOptions } from '../contract/rpc-server.js';
import type { Engine } from '../runtime/engine.js';
import type { KiteHost } from '../runtime/kite-host.js';
import { createHandlers, createTopics } from './handlers.js';

/** The engine's contract server; the host accepts transports on it (WebSocket, MessagePort). */
export function createEngineServer(engine: Engine, options: RpcServerOptions = {}, kite?: KiteHost): RpcServer<KiteDeskApi> {
  return new RpcServer(kiteDeskApi, createHandlers(engine, kite), createTopics(engine), { coalesceMs: 50, ...options });
}
