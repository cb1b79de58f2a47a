/**
 * Error codes that cross the contract. Stacks never cross: they stay in engine logs.
 */
export const ErrorCode = {
  /** A frame that is not valid JSON or not a known envelope shape. */
  BAD_FRAME: 'BAD_FRAME',
  /** A frame longer than the receiver accepts. */
  FRAME_TOO_LARGE: 'FRAME_TOO_LARGE',
  /** The envelope's protocol version is not the one this side speaks. */
  PROTOCOL_VERSION: 'PROTOCOL_VERSION',
  /** Request for a method (or subscription to a topic) that does not exist. */
  UNKNOWN_METHOD: 'UNKNOWN_METHOD',
  /** Input failed runtime validation. `details.issues` says what and where. */
  INVALID_INPUT: 'INVALID_INPUT',
  /** A request id that is already in flight on this connection. */
  DUPLICATE_ID: 'DUPLICATE_ID',
  /** The caller cancelled the request. */
  CANCELLED: 'CANCELLED',
  /** No answer within the caller's deadline. */
  TIMEOUT: 'TIMEOUT',
  /** The transport closed before an answer arrived; the outcome is unknown. */
  DISCONNECTED: 'DISCONNECTED',
  /** The thing asked for does not exist. */
  NOT_FOUND: 'NOT_FOUND',
  /** The request conflicts with the current state (e.g. modifying an order that is already complete). */
  CONFLICT: 'CONFLICT',
  /** The engine cannot serve this now (starting, halted, …). */
  UNAVAILABLE: 'UNAVAILABLE',
  /** A bug or failure inside the engine; details are in the engine log. */
  INTERNAL: 'INTERNAL',
} as const;

export type ErrorCode = (typeof ErrorCode)[keyof typeof ErrorCode];

export interface WireError {
  code: ErrorCode;
  message: string;
  details?: unknown;
}

/** The one error type callers see from the contract. */
export class RpcError extends Error {
  readonly code: ErrorCode;
  readonly details?: unknown;

  constructor(code: ErrorCode, message: string, details?: unknown) {
    super(message);
    this.name = 'RpcError';
    this.code = code;
    if (details !== undefined) this.details = details;
  }

  toWire(): WireError {
    return this.details === undefined
      ? { code: this.code, message: this.message }
      : { code: this.code, message: this.message, details: this.details };
  }

  static fromWire(e: WireError): RpcError {
    return new RpcError(e.code, e.message, e.details);
  }
}

export function isRpcError(e: unknown): e is RpcError {
  return e instanceof RpcError;
}
