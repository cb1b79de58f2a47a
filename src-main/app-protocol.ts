/**
 * The `app://kitedesk/…` protocol handler, without Electron: it takes a request's method and URL and
 * answers with a WHATWG Response (global in Node ≥18 and in Electron's main process). `main.ts`
 * passes it to `protocol.handle('app', …)`. Files come only from the renderer build folder.
 */
import { APP_RESPONSE_HEADERS, mimeTypeFor, resolveAppPath } from './security.js';

export interface AppProtocolOptions {
  /** Absolute path of the renderer build (dist/renderer). */
  rootDir: string;
  /** Reads a whole file; rejects when it is missing or is not a regular file. */
  readFile: (file: string) => Promise<Uint8Array>;
  log?: (message: string) => void;
}

export interface RequestLike {
  readonly url: string;
  readonly method: string;
}

function plain(status: number, text: string): Response {
  return new Response(text, { status, headers: { ...APP_RESPONSE_HEADERS, 'Content-Type': 'text/plain; charset=utf-8' } });
}

export function createAppProtocolHandler(opts: AppProtocolOptions): (request: RequestLike) => Promise<Response> {
  return async (request) => {
    if (request.method !== 'GET' && request.method !== 'HEAD') return plain(405, 'method not allowed');
    const file = resolveAppPath(opts.rootDir, request.url);
    if (!file) {
      opts.log?.(`app protocol: rejected ${request.url.slice(0, 200)}`);
      return plain(404, 'not found');
    }
    let body: Uint8Array;
    try {
      body = await opts.readFile(file);
    } catch {
      return plain(404, 'not found');
    }
    const headers = { ...APP_RESPONSE_HEADERS, 'Content-Type': mimeTypeFor(file) };
    // Copy into a fresh ArrayBuffer-backed view: Buffer pools and SharedArrayBuffer do not fit BodyInit.
    return new Response(request.method === 'HEAD' ? null : new Uint8Array(body), { status: 200, headers });
  };
}
