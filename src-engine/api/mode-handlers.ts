import type { Handlers, TopicHandlers } from '../contract/api-def.js';
import type { KiteDeskApi } from '../contract/api.js';
import type { ModeState, modeRequests, modeTopics } from '../contract/mode-schemas.js';
import type { Engine } from '../runtime/engine.js';

type ModeRequestHandlers = Pick<Handlers<KiteDeskApi>, keyof typeof modeRequests>;
type ModeTopicHandlers = Pick<TopicHandlers<KiteDeskApi>, keyof typeof modeTopics>;

/** Modes and the switch (runtime/live-mode.ts), spread into createHandlers. */
export function createModeHandlers(engine: Engine): ModeRequestHandlers {
  return {
    'mode.get': () => engine.modes.state(),
    'mode.set': ({ mode, confirm }) => engine.modes.set(mode, confirm),
    'mode.liveSummary': () => engine.modes.liveSummary(),
    'mode.history': ({ limit }) => engine.modes.history(limit),
    'live.slippage': ({ sinceMs, limit }) => engine.modes.slippage({ sinceMs, limit }),
  };
}

export function createModeTopics(engine: Engine): ModeTopicHandlers {
  return {
    'mode.changed': () => ({
      snapshot: (): ModeState => engine.modes.state(),
      listen: (push) => engine.modes.onChange(push),
      coalesceKey: () => 'mode',
    }),
  };
}
