/** startRuntime (src/engine/runtime/runtime-start.ts): its one-node graph is a valid model the runtime loads and runs. */
import { describe, expect, it } from 'vitest';

import { identityGraph, startRuntime } from '../src/engine/runtime/runtime-start.ts';
import { configureOrt, ort } from '../src/engine/runtime/session.ts';

describe('starting the runtime before a model', () => {
  it('creates and releases a session of its Identity graph', async () => {
    configureOrt();
    await expect(startRuntime()).resolves.toBeUndefined();
  });

  it('is a real Identity: the graph passes x through', async () => {
    const s = await ort.InferenceSession.create(identityGraph());
    const out = await s.run({ x: new ort.Tensor('float32', new Float32Array([2.5]), [1]) });
    expect(Array.from(out.y!.data as Float32Array)).toEqual([2.5]);
    await s.release();
  });
});
