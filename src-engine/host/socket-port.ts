/**
 * A contract "port" over a local socket (a Unix socket, or a named pipe on Windows): the Node host's
 * stand-in for Electron's MessagePort between a window and the engine (src-main/node-host.ts). Frames
 * (the contract's strings) go one per line, each JSON-encoded, so a frame's own newlines cannot split it.
 */
import type { Socket } from 'node:net';
import type { PortLike } from '../contract/transport.js';
import type { MessagePortMainLike } from './utility-entry.js';

/** A frame read back from a line, or undefined for a line that is not one JSON string (ignored). */
function decode(line: string): string | undefined {
  try {
    const v: unknown = JSON.parse(line);
    return typeof v === 'string' ? v : undefined;
  } catch {
    return undefined;
  }
}

interface LineSocket {
  send(frame: unknown): void;
  onFrame(l: (frame: string) => void): void;
  onClose(l: () => void): void;
  close(): void;
}

function lines(sock: Socket): LineSocket {
  const frames = new Set<(f: string) => void>();
  const closes = new Set<() => void>();
  let buf = '';
  let closed = false;
  sock.setEncoding('utf8');
  sock.on('data', (chunk: string) => {
    buf += chunk;
    for (let i = buf.indexOf('\n'); i >= 0; i = buf.indexOf('\n')) {
      const f = decode(buf.slice(0, i));
      buf = buf.slice(i + 1);
      if (f !== undefined) for (const l of frames) l(f);
    }
  });
  const end = () => {
    if (closed) return;
    closed = true;
    for (const l of closes) l();
  };
  sock.on('close', end);
  sock.on('error', () => undefined); // 'close' follows
  return {
    send: (frame) => {
      if (!closed && typeof frame === 'string' && sock.writable) sock.write(`${JSON.stringify(frame)}\n`);
    },
    onFrame: (l) => void frames.add(l),
    onClose: (l) => void closes.add(l),
    close: () => {
      sock.end();
      sock.destroy();
    },
  };
}

/** The window's end: the contract's PortLike over a connected socket. */
export function socketPortLike(sock: Socket): PortLike {
  const s = lines(sock);
  return {
    postMessage: (d) => s.send(d),
    addEventListener: ((type: 'message' | 'close', l: (e: { data: unknown }) => void) => {
      if (type === 'message') s.onFrame((f) => l({ data: f }));
      else s.onClose(() => (l as () => void)());
    }) as PortLike['addEventListener'],
    close: () => s.close(),
  };
}

/** The engine's end, shaped as Electron's MessagePortMain (what runUtilityEngine takes in attach-window). */
export function socketPortMain(sock: Socket): MessagePortMainLike {
  const s = lines(sock);
  return {
    postMessage: (m) => s.send(m),
    on: ((event: 'message' | 'close', l: (e: { data: unknown }) => void) => {
      if (event === 'message') s.onFrame((f) => l({ data: f }));
      else s.onClose(() => (l as () => void)());
    }) as MessagePortMainLike['on'],
    start: () => undefined,
    close: () => s.close(),
  };
}
