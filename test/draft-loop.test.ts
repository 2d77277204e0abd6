/**
 * The one-run draft graphs (draft-loop.ts, train/export_loop.py) against k runs of their
 * single-step graphs on the shipped model: the same tokens, the same q rows (1e-5) and the
 * same KV rows left in the cache, greedy and sampled from the same uniforms, for the EAGLE
 * head (fed the base's own features) and the draft model, with a catch-up of several tokens.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';

import { argmax, causalBias, createSession, KVCache, lmSignature, Rng, sampleFrom, toProbs, type KVStore, type LoadedModel } from '../src/engine/index.ts';
import { loadDraftLoop, loopTakes, type DraftLoop, type DraftLoopKind } from '../src/engine/runtime/draft-loop.ts';
import type { LMConfig } from '../src/engine/runtime/config.ts';
import { nodeFiles } from '../src/engine/runtime/node-files.ts';
import { ort } from '../src/engine/runtime/session.ts';
import { loadGolden, loadTestModel, maxAbsDiff, MODEL_DIR } from './model-paths.ts';

let model: LoadedModel;
const loops = new Map<DraftLoopKind, DraftLoop>();
const steps = new Map<DraftLoopKind, ort.InferenceSession>();
let context: number[];
let hidden: Float32Array; // [context.length, C] the base's hidden states at each context token

beforeAll(async () => {
  model = await loadTestModel([]);
  const files = nodeFiles(MODEL_DIR);
  for (const kind of ['eagle', 'draft_model'] as const) {
    const lm = kind === 'eagle' ? model.config.eagle : model.config.draft_model;
    const loop = await loadDraftLoop(files, kind);
    if (!lm || !loop) continue;
    loops.set(kind, loop);
    const sig = lmSignature(lm, model.config.vocab_size);
    if (kind === 'eagle') sig.inputs.unshift({ name: 'features', type: 'float32', dims: [1, 'T', lm.n_embd] });
    steps.set(kind, await createSession(await files.bytes(lm.file), lm.file, sig));
  }
  const g = loadGolden().greedy[0]!;
  context = [model.config.bos_token_id, ...g.prompt_ids, ...g.output_ids].slice(0, 48);
  const cache = model.base.newCache();
  hidden = (await model.base.forward(context, context.map((_, i) => i), causalBias(context.length, 0), cache)).hidden;
  cache.release();
}, 120_000);
afterAll(async () => {
  for (const l of loops.values()) await l.release();
  for (const s of steps.values()) await s.release();
  await model?.release();
});

const cacheOf = (lm: LMConfig) => new KVCache({ nLayer: lm.n_layer, nHead: lm.n_head, headDim: lm.head_dim });
const rows = (cache: KVStore) => Object.values(cache.pastFeeds()).map((t) => t.data as Float32Array);

/** What the drafter feeds at positions from .. to-1: EAGLE the base's feature there with the next token, the draft model the token. */
function inputsAt(kind: DraftLoopKind, C: number, from: number, to: number) {
  const ids = kind === 'eagle' ? context.slice(from + 1, to + 1) : context.slice(from, to);
  return { ids, pos: ids.map((_, i) => from + i), features: kind === 'eagle' ? hidden.slice(from * C, to * C) : undefined };
}

/** One single-step run over T tokens after the cache; the cache gains them. */
async function stepRun(kind: DraftLoopKind, lm: LMConfig, cache: KVStore, ids: number[], pos: number[], features?: Float32Array) {
  const T = ids.length;
  const feeds: Record<string, ort.Tensor> = {
    input_ids: new ort.Tensor('int64', BigInt64Array.from(ids, BigInt), [1, T]),
    position_ids: new ort.Tensor('int64', BigInt64Array.from(pos, BigInt), [1, T]),
    attention_bias: new ort.Tensor('float32', causalBias(T, cache.length), [1, 1, T, cache.length + T]),
    ...cache.pastFeeds(),
  };
  if (features) feeds.features = new ort.Tensor('float32', features, [1, T, lm.n_embd]);
  const out = await steps.get(kind)!.run(feeds, ['logits', 'hidden_states', ...KVCache.outputNames(lm.n_layer)]);
  cache.append(out, T);
  return { logits: out.logits!.data as Float32Array, hidden: out.hidden_states!.data as Float32Array };
}

describe.each(['eagle', 'draft_model'] as const)('%s loop graph against its single steps', (kind) => {
  const lmOf = () => (kind === 'eagle' ? model.config.eagle! : model.config.draft_model);
  it.each([
    [0, 4, 1],
    [0.7, 4, 2],
    [1, 3, 3],
    [0.7, 1, 4],
  ])('temperature %s, k %s (seed %s): tokens, q rows and KV rows', async (temperature, k, seed) => {
    if (!loops.has(kind)) return expect(kind === 'eagle' ? model.config.eagle : 'draft_model loop').toBeUndefined();
    const lm = lmOf();
    const V = model.config.vocab_size;
    const C = lm.n_embd;
    const P = context.length - 4; // the drafter's cache holds 0 .. P-1; the run catches up on 3 tokens
    const uniforms = Array.from({ length: k }, (() => { const r = new Rng(seed); return () => r.uniform(); })());
    const prefix = inputsAt(kind, C, 0, P);
    const a = cacheOf(lm);
    const b = cacheOf(lm);
    await stepRun(kind, lm, a, prefix.ids, prefix.pos, prefix.features);
    await stepRun(kind, lm, b, prefix.ids, prefix.pos, prefix.features);
    const fresh = inputsAt(kind, C, P, P + 3);

    const got = await loops.get(kind)!.run({
      inputIds: fresh.ids, positionIds: fresh.pos, attentionBias: causalBias(3, P), features: fresh.features, cache: a, uniforms, temperature,
    });

    // the same k steps, one run each, drawing as the drafters do (decoding/sampling.ts)
    let out = await stepRun(kind, lm, b, fresh.ids, fresh.pos, fresh.features);
    let row = 2;
    const tokens: number[] = [];
    let qDiff = 0;
    for (let j = 0; j < k; j++) {
      const logits = out.logits.subarray(row * V, (row + 1) * V);
      const q = toProbs(logits, { temperature: temperature || 1, topK: 0, topP: 1 });
      tokens.push(temperature === 0 ? argmax(logits) : sampleFrom(q, uniforms[j]!));
      qDiff = Math.max(qDiff, maxAbsDiff(q, got.q.subarray(j * V, (j + 1) * V)));
      if (j === k - 1) break;
      const L = b.length;
      out = await stepRun(kind, lm, b, [tokens[j]!], [L], kind === 'eagle' ? out.hidden.slice(row * C, (row + 1) * C) : undefined);
      row = 0;
    }
    expect(got.tokens).toEqual(tokens);
    expect(qDiff).toBeLessThan(1e-5);
    expect(a.length).toBe(P + 3 + k - 1);
    expect(a.length).toBe(b.length);
    const ra = rows(a);
    const rb = rows(b);
    for (let i = 0; i < ra.length; i++) expect(maxAbsDiff(ra[i]!, rb[i]!)).toBeLessThan(1e-5);
    a.release();
    b.release();
  });

  it('refuses a uniform outside [0, 1) and a draft past the context, saying what to do', async () => {
    const loop = loops.get(kind);
    if (!loop) return;
    const lm = lmOf();
    const cache = cacheOf(lm);
    const f = inputsAt(kind, lm.n_embd, 0, 2);
    const req = { inputIds: f.ids, positionIds: f.pos, attentionBias: causalBias(2, 0), features: f.features, cache, temperature: 0.7 };
    await expect(loop.run({ ...req, uniforms: [0.5, 1] })).rejects.toThrow(/uniforms\[1\] = 1 is outside \[0, 1\); draw them with the decode's Rng/);
    const last = lm.n_positions - 2;
    await expect(loop.run({ ...req, positionIds: [last - 1, last], uniforms: [0.1, 0.2, 0.3] })).rejects.toThrow(/go past the context .* draft fewer tokens/);
    expect(cache.length).toBe(0);
    cache.release();
  });
});

describe('loopTakes', () => {
  it('takes greedy and temperature alone; top-k, top-p and processors need single steps', () => {
    const off = { repetitionPenalty: 1, noRepeatNgramSize: 0 };
    expect(loopTakes({ temperature: 0, topK: 0, topP: 1 }, off)).toBe(true);
    expect(loopTakes({ temperature: 0.7, topK: 0, topP: 1 })).toBe(true);
    expect(loopTakes({ temperature: 0.7, topK: 50, topP: 1 })).toBe(false);
    expect(loopTakes({ temperature: 0.7, topK: 0, topP: 0.9 })).toBe(false);
    expect(loopTakes({ temperature: 0.7, topK: 0, topP: 1 }, { repetitionPenalty: 1.2, noRepeatNgramSize: 0 })).toBe(false);
    expect(loopTakes({ temperature: 0, topK: 0, topP: 1 }, { repetitionPenalty: 1, noRepeatNgramSize: 3 })).toBe(false);
  });
});
