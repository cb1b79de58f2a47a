import type { z } from 'zod';

/** One request: `domain.verb` → validated input and its output. */
export interface MethodDef {
  input: z.ZodType;
  output: z.ZodType;
}

/** One subscribable event stream: `domain.pastTense` → params, a snapshot, then deltas. */
export interface TopicDef {
  params: z.ZodType;
  snapshot: z.ZodType;
  delta: z.ZodType;
}

export interface ApiDef {
  requests: Record<string, MethodDef>;
  topics: Record<string, TopicDef>;
}

export function defineApi<const A extends ApiDef>(api: A): A {
  return api;
}

export type MethodName<A extends ApiDef> = keyof A['requests'] & string;
export type TopicName<A extends ApiDef> = keyof A['topics'] & string;

/** What a caller passes (before defaults and transforms). */
export type CallInput<A extends ApiDef, M extends MethodName<A>> = z.input<A['requests'][M]['input']>;
/** What a handler receives (after validation). */
export type HandlerInput<A extends ApiDef, M extends MethodName<A>> = z.output<A['requests'][M]['input']>;
export type Output<A extends ApiDef, M extends MethodName<A>> = z.output<A['requests'][M]['output']>;

export type TopicParamsIn<A extends ApiDef, T extends TopicName<A>> = z.input<A['topics'][T]['params']>;
export type TopicParams<A extends ApiDef, T extends TopicName<A>> = z.output<A['topics'][T]['params']>;
export type Snapshot<A extends ApiDef, T extends TopicName<A>> = z.output<A['topics'][T]['snapshot']>;
export type Delta<A extends ApiDef, T extends TopicName<A>> = z.output<A['topics'][T]['delta']>;

/** Cancellation as seen by a handler. */
export interface CancelSignal {
  readonly cancelled: boolean;
  onCancel(listener: () => void): void;
}

export interface CallContext {
  readonly connectionId: number;
  readonly signal: CancelSignal;
}

/** The server's side of one subscription. */
export interface TopicSource<S, D> {
  snapshot(): S;
  /** Start pushing deltas; returns the function that stops them. */
  listen(push: (delta: D) => void): () => void;
  /**
   * Latest-wins coalescing: deltas with the same key inside one flush window replace each other
   * (a forming candle updated by 40 ticks crosses the wire once per window).
   */
  coalesceKey?: (delta: D) => string;
}

/** Every method must have a handler: a missing one is a compile error. */
export type Handlers<A extends ApiDef> = {
  [M in MethodName<A>]: (input: HandlerInput<A, M>, ctx: CallContext) => Output<A, M> | Promise<Output<A, M>>;
};

export type TopicHandlers<A extends ApiDef> = {
  [T in TopicName<A>]: (params: TopicParams<A, T>, ctx: CallContext) => TopicSource<Snapshot<A, T>, Delta<A, T>>;
};
