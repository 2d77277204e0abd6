/** Row statistics stand in for a full softmax in the trace: same numbers, same order. */
import { describe, expect, it } from 'vitest';

import { softmaxRow } from '../src/engine/drafters/heads.ts';
import { probOf, rowStats, topEntriesOfRow, topTokens } from '../src/engine/decoding/logit-stats.ts';
import { Rng } from '../src/engine/decoding/rng.ts';
import { topEntries } from '../src/engine/verify/chain.ts';

describe('logit statistics', () => {
  it('a hand-checkable row: logits [0, ln 3, 0] -> probabilities [1/5, 3/5, 1/5]', () => {
    const logits = new Float32Array([9, 0, Math.log(3), 0]); // the row starts at offset 1
    const st = rowStats(logits, 1, 3);
    expect(st.sum).toBeCloseTo(5 / 3, 6); // exp(-ln 3) + 1 + exp(-ln 3)
    expect(probOf(logits, st, 1)).toBeCloseTo(0.6, 6);
    expect(topEntriesOfRow(logits, st, 3, 2).map((e) => e.token)).toEqual([1, 0]); // tie 0/2: lower id first
  });

  it('topTokens orders by logit, ties by lower id', () => {
    expect(topTokens(new Float32Array([0.1, 3, 3, -1]), 0, 4, 2)).toEqual([1, 2]);
    expect(topTokens(new Float32Array([5, 1, 5, 5]), 0, 4, 3)).toEqual([0, 2, 3]);
  });

  it('equals softmaxRow + topEntries bit for bit on random rows, with ties', () => {
    const rng = new Rng(7);
    for (let trial = 0; trial < 50; trial++) {
      const V = 64 + trial * 37;
      const row = new Float32Array(V + 3);
      // coarse values make ties common
      for (let i = 0; i < row.length; i++) row[i] = Math.round((rng.uniform() - 0.5) * (trial % 2 ? 8 : 40)) / 2;
      const dist = softmaxRow(row, 3, V);
      const st = rowStats(row, 3, V);
      expect(topEntriesOfRow(row, st, V, 5)).toEqual(topEntries(dist, 5));
      for (const t of [0, V >> 1, V - 1]) expect(probOf(row, st, t)).toBe(dist[t]);
    }
  });
});
