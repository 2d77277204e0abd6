/**
 * truncate() and gather() move rows inside the cache's own buffers; checked here on a cache
 * filled with known numbers (value = layer, head, position, dim encoded), no model needed.
 */
import { describe, expect, it } from 'vitest';

import { KVCache } from '../src/engine/runtime/kv-cache.ts';
import { ort } from '../src/engine/runtime/session.ts';

const shape = { nLayer: 2, nHead: 3, headDim: 4 };
const code = (l: number, h: number, p: number, d: number) => l * 1e6 + h * 1e4 + p * 10 + d;

/** A cache holding L positions whose every entry names itself. */
function filled(L: number): KVCache {
  const cache = new KVCache(shape);
  const outputs: Record<string, ort.Tensor> = {};
  for (let l = 0; l < shape.nLayer; l++) {
    for (const which of ['key', 'value']) {
      const data = new Float32Array(shape.nHead * L * shape.headDim); // [1, H, L, Dh]
      for (let h = 0; h < shape.nHead; h++) {
        for (let p = 0; p < L; p++) for (let d = 0; d < shape.headDim; d++) data[(h * L + p) * shape.headDim + d] = code(l, h, p, d) + (which === 'value' ? 0.5 : 0);
      }
      outputs[`new.${l}.${which}`] = new ort.Tensor('float32', data, [1, shape.nHead, L, shape.headDim]);
    }
  }
  cache.append(outputs, L);
  return cache;
}

/** The positions a cache holds, read back from layer l's keys: [H][len]. */
function positions(cache: KVCache, l = 0): number[][] {
  const data = cache.layer(l, 'key');
  const len = cache.length;
  expect(data.length).toBe(shape.nHead * len * shape.headDim);
  return Array.from({ length: shape.nHead }, (_, h) =>
    Array.from({ length: len }, (_, j) => {
      const v = data[(h * len + j) * shape.headDim]!;
      expect(Math.floor(v / 1e4) % 100).toBe(h); // the head's own rows
      for (let d = 1; d < shape.headDim; d++) expect(data[(h * len + j) * shape.headDim + d]).toBe(v + d);
      return Math.round((v % 1e4) / 10);
    }),
  );
}

describe('KV cache layout', () => {
  it('truncate keeps each head\'s first positions', () => {
    const cache = filled(7);
    cache.truncate(3);
    expect(positions(cache)).toEqual([[0, 1, 2], [0, 1, 2], [0, 1, 2]]);
    expect(positions(cache, 1)).toEqual([[0, 1, 2], [0, 1, 2], [0, 1, 2]]);
    expect(cache.pastFeeds()['past_key_values.1.value']!.dims).toEqual([1, 3, 3, 4]);
  });

  it('gather of a tree path keeps the prefix and the path, in order, in every layer', () => {
    const cache = filled(9);
    cache.gather([0, 1, 2, 3, 5, 8]); // prefix 0..3, path nodes at 5 and 8
    for (let l = 0; l < 2; l++) expect(positions(cache, l)).toEqual(Array(3).fill([0, 1, 2, 3, 5, 8]));
    expect(cache.layer(1, 'value')[0]).toBe(code(1, 0, 0, 0) + 0.5);
  });

  it('gather out of order copies (no in-place overwrite)', () => {
    const cache = filled(5);
    cache.gather([4, 0, 2, 2]);
    expect(positions(cache)).toEqual(Array(3).fill([4, 0, 2, 2]));
  });

  it('truncate, then gather, then clone stay consistent', () => {
    const cache = filled(10);
    cache.truncate(8);
    cache.gather([0, 1, 2, 6, 7]);
    const copy = cache.clone();
    cache.truncate(2);
    expect(positions(copy)).toEqual(Array(3).fill([0, 1, 2, 6, 7]));
    expect(positions(cache)).toEqual(Array(3).fill([0, 1]));
  });
});
