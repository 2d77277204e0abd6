/**
 * One prefill forward of each graph against the PyTorch golden tensors: base logits and
 * hidden states, Medusa draft logits at every position, draft-model logits.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';

import { causalBias, type LoadedModel } from '../src/engine/index.ts';
import { fixtureTensor, loadGolden, loadTestModel, maxAbsDiff, TOL } from './model-paths.ts';

let model: LoadedModel;
beforeAll(async () => {
  model = await loadTestModel();
}, 60_000);
afterAll(async () => {
  await model?.release();
});

describe('prefill against PyTorch', () => {
  it('causalBias(T, P) lets token t see the P cached keys and new keys <= t', () => {
    const I = -Infinity;
    expect([...causalBias(3, 2)]).toEqual([0, 0, 0, I, I, 0, 0, 0, 0, I, 0, 0, 0, 0, 0]);
    expect([...causalBias(1, 0)]).toEqual([0]);
  });

  it('base model: logits and hidden states', async () => {
    const g = loadGolden().prefill;
    const T = g.input_ids.length;
    const cache = model.base.newCache();
    const out = await model.base.forward(g.input_ids, g.position_ids, causalBias(T, 0), cache);
    const dLogits = maxAbsDiff(out.logits, fixtureTensor(g.logits));
    const dHidden = maxAbsDiff(out.hidden, fixtureTensor(g.hidden_states));
    console.info(`base prefill max |diff|: logits ${dLogits.toExponential(2)}, hidden ${dHidden.toExponential(2)}`);
    expect(dLogits).toBeLessThan(TOL);
    expect(dHidden).toBeLessThan(TOL);
    expect(cache.length).toBe(T);
    cache.release();
    // the returned arrays are ours: a later run must not overwrite them (no views of wasm memory)
    const other = model.base.newCache();
    await model.base.forward([g.input_ids[0]!, 7, 8], [0, 1, 2], causalBias(3, 0), other);
    other.release();
    expect(maxAbsDiff(out.logits, fixtureTensor(g.logits))).toBe(dLogits);
  });

  it('Medusa heads: draft logits [T, K, V] at every prefill position', async () => {
    const g = loadGolden().prefill;
    const T = g.input_ids.length;
    const cache = model.base.newCache();
    const { hidden } = await model.base.forward(g.input_ids, g.position_ids, causalBias(T, 0), cache);
    cache.release();
    const draft = await model.heads!.run(hidden, T);
    const want = fixtureTensor(g.draft_logits);
    expect(g.draft_logits.shape).toEqual([1, T, model.heads!.numHeads, model.config.vocab_size]);
    const d = maxAbsDiff(draft, want);
    console.info(`heads max |diff| ${d.toExponential(2)}`);
    expect(d).toBeLessThan(TOL);
    // one position at a time gives the same rows: each position's drafts depend on its hidden state only
    const C = model.config.model.n_embd;
    const KV = model.heads!.numHeads * model.config.vocab_size;
    const last = await model.heads!.run(hidden.slice((T - 1) * C), 1);
    expect(maxAbsDiff(last, want.subarray((T - 1) * KV))).toBeLessThan(TOL);
  });

  it('draft model: prefill logits', async () => {
    const g = loadGolden().prefill;
    const T = g.input_ids.length;
    const cache = model.draftModel!.newCache();
    const out = await model.draftModel!.forward(g.input_ids, g.position_ids, causalBias(T, 0), cache);
    cache.release();
    const d = maxAbsDiff(out.logits, fixtureTensor(g.draft_model_logits));
    console.info(`draft model prefill max |diff| ${d.toExponential(2)}`);
    expect(d).toBeLessThan(TOL);
  });

  it('refuses inputs the graph cannot take, naming what was expected', async () => {
    const cache = model.base.newCache();
    const V = model.config.vocab_size;
    const N = model.config.n_positions;
    await expect(model.base.forward([], [], new Float32Array(0), cache)).rejects.toThrow(/at least one input token/);
    await expect(model.base.forward([V], [0], causalBias(1, 0), cache)).rejects.toThrow(/outside the vocabulary/);
    await expect(model.base.forward([1], [N], causalBias(1, 0), cache)).rejects.toThrow(/outside the model's context/);
    await expect(model.base.forward([1, 2], [0, 1], causalBias(1, 0), cache)).rejects.toThrow(/should be \[T, P\+T\] = \[2, 2\]/);
    await expect(model.base.forward([1], [0], new Float32Array([-Infinity]), cache)).rejects.toThrow(/masks every key/);
    await expect(model.base.forward([1], [0], causalBias(1, 0), model.draftModel!.newCache())).rejects.toThrow(/another model/);
    expect(cache.length).toBe(0);
    cache.release();
  });
});
