import { afterEach, describe, expect, it } from 'vitest';
import { mainToEngineSchema } from '../contract/control.js';
import { kiteDeskApi } from '../contract/api.js';
import { nodeParentPort } from './node-entry.js';

// The chaos harness's engine faults are test-only: how that is guaranteed.
describe('node-entry: the chaos fault trigger is reachable only through the Node host with KITEDESK_CHAOS_FAULTS=1', () => {
  const added: ((m: unknown) => void)[] = [];
  afterEach(() => {
    for (const l of added.splice(0)) process.off('message', l);
  });
  const listen = (faults: boolean) => {
    const got: unknown[] = [];
    const before = new Set(process.listeners('message'));
    nodeParentPort(faults).on('message', (e) => got.push(e.data));
    for (const l of process.listeners('message')) if (!before.has(l)) added.push(l as (m: unknown) => void);
    return got;
  };

  it('is no control message (main cannot send one, the engine refuses one) and no contract method (a window cannot ask)', () => {
    for (const fault of ['throw', 'exit1', 'exit0', 'hang']) expect(mainToEngineSchema.safeParse({ type: 'chaos-fault', fault }).success).toBe(false);
    expect(Object.keys(kiteDeskApi).filter((k) => /fault|chaos|crash|hang/i.test(k))).toEqual([]);
  });

  it('without the flag a chaos-fault message goes to the control channel like any other (where the schema refuses it)', () => {
    const got = listen(false);
    process.emit('message', { type: 'chaos-fault', fault: 'hang' }, undefined);
    process.emit('message', { type: 'shutdown-not', reason: 'x' }, undefined);
    expect(got).toEqual([{ type: 'chaos-fault', fault: 'hang' }, { type: 'shutdown-not', reason: 'x' }]);
  });

  it('with the flag the fault is taken off the control channel (an unknown fault does nothing)', () => {
    const got = listen(true);
    process.emit('message', { type: 'chaos-fault', fault: 'no-such-fault' }, undefined);
    process.emit('message', { type: 'host-restarts', count: 1 }, undefined);
    expect(got).toEqual([{ type: 'host-restarts', count: 1 }]);
  });
});
