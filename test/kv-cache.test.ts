/**
 * The KV-cached paths against full recomputation: token-by-token continuation, rollback
 * by truncate(), a tree-shaped attention bias, and gather() of an accepted tree path.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';

import { causalBias, type CausalLM, type KVCache, type KVStore, type LoadedModel } from '../src/engine/index.ts';
import { fixtureTensor, loadGolden, loadTestModel, maxAbsDiff, TOL } from './model-paths.ts';

let model: LoadedModel;
let lm: CausalLM;
beforeAll(async () => {
  model = await loadTestModel([]);
  lm = model.base;
}, 60_000);
afterAll(async () => {
  await model?.release();
});

const range = (a: number, n: number) => Array.from({ length: n }, (_, i) => a + i);

async function prefill(ids: number[]): Promise<{ cache: KVCache; logits: Float32Array }> {
  const cache = lm.newCache() as KVCache; // Node runs the wasm backend: the CPU cache, whose layer() reads rows
  const { logits } = await lm.forward(ids, range(0, ids.length), causalBias(ids.length, 0), cache);
  return { cache, logits };
}

/** Feed tokens one at a time; the logits rows, concatenated [n, V]. */
async function stepwise(cache: KVStore, tokens: number[]): Promise<Float32Array> {
  const V = model.config.vocab_size;
  const out = new Float32Array(tokens.length * V);
  for (let i = 0; i < tokens.length; i++) {
    const P = cache.length;
    const { logits } = await lm.forward([tokens[i]!], [P], causalBias(1, P), cache);
    out.set(logits, i * V);
  }
  return out;
}

describe('KV cache', () => {
  it('prefill then one token at a time gives the full-recompute logits', async () => {
    const g = loadGolden().continuation;
    const { cache, logits } = await prefill(g.prefix_ids);
    expect(maxAbsDiff(logits, fixtureTensor(g.prefix_logits))).toBeLessThan(TOL);
    const cont = await stepwise(cache, g.next_ids);
    const d = maxAbsDiff(cont, fixtureTensor(g.logits));
    console.info(`continuation max |diff| ${d.toExponential(2)}`);
    expect(d).toBeLessThan(TOL);
    expect(cache.length).toBe(g.prefix_ids.length + g.next_ids.length);
    cache.release();
  });

  it('several tokens in one forward after the prefix give the same logits', async () => {
    const g = loadGolden().continuation;
    const { cache } = await prefill(g.prefix_ids);
    const P = cache.length;
    const T = g.next_ids.length;
    const { logits } = await lm.forward(g.next_ids, range(P, T), causalBias(T, P), cache);
    expect(maxAbsDiff(logits, fixtureTensor(g.logits))).toBeLessThan(TOL);
    cache.release();
  });

  it('truncating and continuing equals never having gone past that length', async () => {
    const g = loadGolden().continuation;
    const V = model.config.vocab_size;
    const want = fixtureTensor(g.logits);
    const { cache } = await prefill(g.prefix_ids);
    const P = cache.length;
    const fresh = cache.clone();
    await stepwise(fresh, g.next_ids.slice(0, 2));
    // go past with the wrong tokens, then roll back to P + 2
    await stepwise(cache, [...g.next_ids.slice(0, 2), 7, 8, 9]);
    cache.truncate(P + 2);
    expect(cache.length).toBe(P + 2);
    for (let i = 0; i < model.config.model.n_layer; i++) {
      expect(maxAbsDiff(cache.layer(i, 'key'), fresh.layer(i, 'key'))).toBe(0);
      expect(maxAbsDiff(cache.layer(i, 'value'), fresh.layer(i, 'value'))).toBe(0);
    }
    const rest = await stepwise(cache, g.next_ids.slice(2));
    expect(maxAbsDiff(rest, want.subarray(2 * V))).toBeLessThan(TOL);
    cache.truncate(0);
    expect(cache.length).toBe(0);
    expect(() => cache.truncate(1)).toThrow(/expected an integer in \[0, 0\]/);
    cache.release();
    fresh.release();
  });

  it('a tree-shaped bias gives each node the logits of its own path', async () => {
    const t = loadGolden().tree;
    const N = t.tokens.length;
    const { cache } = await prefill(t.prefix_ids);
    const P = cache.length;
    // the bias the runtime builds from parents must be the fixture's
    const bias = new Float32Array(N * (P + N)).fill(-Infinity); // [N, P+N]
    for (let i = 0; i < N; i++) {
      bias.fill(0, i * (P + N), i * (P + N) + P);
      for (let j = i; j >= 0; j = t.parents[j]!) bias[i * (P + N) + P + j] = 0;
    }
    expect([...bias]).toEqual([...fixtureTensor(t.attention_bias)]);
    const { logits } = await lm.forward(t.tokens, t.position_ids, bias, cache);
    const dTree = maxAbsDiff(logits, fixtureTensor(t.logits));
    const dPath = maxAbsDiff(logits, fixtureTensor(t.path_logits));
    console.info(`tree max |diff|: vs tree logits ${dTree.toExponential(2)}, vs path logits ${dPath.toExponential(2)}`);
    expect(dTree).toBeLessThan(TOL);
    expect(dPath).toBeLessThan(TOL);
    cache.release();
  });

  it('gather() of a tree path, then continuing, equals having decoded that path alone', async () => {
    const t = loadGolden().tree;
    const N = t.tokens.length;
    const V = model.config.vocab_size;
    const { cache } = await prefill(t.prefix_ids);
    const P = cache.length;
    await lm.forward(t.tokens, t.position_ids, fixtureTensor(t.attention_bias), cache);
    // the deepest node's path, root first: e.g. nodes [0, 1, 4]
    const leaf = N - 2;
    const path: number[] = [];
    for (let j = leaf; j >= 0; j = t.parents[j]!) path.unshift(j);
    expect(path.length).toBeGreaterThan(2);
    cache.gather([...range(0, P), ...path.map((j) => P + j)]);
    expect(cache.length).toBe(P + path.length);
    const next = [5, 6, 7];
    const viaTree = await stepwise(cache, next);

    const alone = lm.newCache();
    const seq = [...t.prefix_ids, ...path.map((j) => t.tokens[j]!)];
    await lm.forward(seq, range(0, seq.length), causalBias(seq.length, 0), alone);
    const viaPath = await stepwise(alone, next);
    const d = maxAbsDiff(viaTree, viaPath);
    console.info(`gather vs path decoded alone max |diff| ${d.toExponential(2)}`);
    expect(d).toBeLessThan(TOL);
    expect(viaTree.length).toBe(next.length * V);
    cache.release();
    alone.release();
  });

  it('clone() is independent of the original', async () => {
    const g = loadGolden().continuation;
    const { cache } = await prefill(g.prefix_ids);
    const copy = cache.clone();
    const before = copy.layer(0, 'key').slice();
    cache.truncate(2);
    cache.release();
    expect(copy.length).toBe(g.prefix_ids.length);
    expect(maxAbsDiff(copy.layer(0, 'key'), before)).toBe(0);
    expect(() => cache.pastFeeds()).toThrow(/released/);
    copy.release();
  });

  it('gather() refuses positions outside the cache', async () => {
    const { cache } = await prefill([model.config.bos_token_id, 5]);
    expect(() => cache.gather([0, 2])).toThrow(/position 2 is outside the cache \[0, 2\)/);
    cache.release();
  });
});
