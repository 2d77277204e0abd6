/**
 * toProbs and sampleFrom on a 4-token vocabulary where every number can be done on paper:
 * logits ln[1, 2, 3, 4] give probabilities [1, 2, 3, 4] / 10 at temperature 1.
 */
import { describe, expect, it } from 'vitest';

import { Rng } from '../src/engine/decoding/rng.ts';
import { argmax, sampleFrom, toProbs, validateSampling } from '../src/engine/decoding/sampling.ts';

const logits = new Float32Array([1, 2, 3, 4].map(Math.log));
const close = (got: ArrayLike<number>, want: number[]) => {
  expect(got.length).toBe(want.length);
  for (let i = 0; i < want.length; i++) expect(got[i]).toBeCloseTo(want[i]!, 6);
};

describe('toProbs', () => {
  it('temperature 1 is the softmax: [0.1, 0.2, 0.3, 0.4]', () => {
    close(toProbs(logits, { temperature: 1, topK: 0, topP: 1 }), [0.1, 0.2, 0.3, 0.4]);
  });

  it('temperature 0.5 squares the odds: [1, 4, 9, 16] / 30', () => {
    close(toProbs(logits, { temperature: 0.5, topK: 0, topP: 1 }), [1 / 30, 4 / 30, 9 / 30, 16 / 30]);
  });

  it('top-k 2 keeps the two largest and renormalises: [0, 0, 3/7, 4/7]', () => {
    close(toProbs(logits, { temperature: 1, topK: 2, topP: 1 }), [0, 0, 3 / 7, 4 / 7]);
  });

  it('top-p 0.5 keeps the smallest set reaching 0.5 (0.4 + 0.3): [0, 0, 3/7, 4/7]', () => {
    close(toProbs(logits, { temperature: 1, topK: 0, topP: 0.5 }), [0, 0, 3 / 7, 4 / 7]);
  });

  it('applies temperature before top-p: at T=0.5 the top token alone has 16/30 >= 0.5', () => {
    close(toProbs(logits, { temperature: 0.5, topK: 0, topP: 0.5 }), [0, 0, 0, 1]);
  });

  it('top-k 3 at T=0.5 drops the 1/30 token: [0, 4, 9, 16] / 29', () => {
    close(toProbs(logits, { temperature: 0.5, topK: 3, topP: 1 }), [0, 4 / 29, 9 / 29, 16 / 29]);
  });

  it('temperature 0 is one-hot on the argmax, ties to the lowest id', () => {
    close(toProbs(new Float32Array([0, 5, 5, 1]), { temperature: 0, topK: 0, topP: 1 }), [0, 1, 0, 0]);
    expect(argmax(new Float32Array([0, 5, 5, 1]))).toBe(1);
  });

  it('reads one row of a [T, V] buffer via offset and V', () => {
    const two = new Float32Array([9, 9, 9, 9, ...logits]);
    close(toProbs(two, { temperature: 1, topK: 0, topP: 1 }, 4, 4), [0.1, 0.2, 0.3, 0.4]);
  });

  it('rejects out-of-range parameters with the offending value', () => {
    expect(() => validateSampling({ temperature: -1, topK: 0, topP: 1 })).toThrow(/temperature.*-1/);
    expect(() => validateSampling({ temperature: 1, topK: 1.5, topP: 1 })).toThrow(/top-k.*1.5/);
    expect(() => validateSampling({ temperature: 1, topK: 0, topP: 0 })).toThrow(/top-p.*0/);
  });
});

describe('sampleFrom', () => {
  it('inverts the CDF [0.1, 0.3, 0.6, 1.0]', () => {
    const p = [0.1, 0.2, 0.3, 0.4];
    expect(sampleFrom(p, 0)).toBe(0);
    expect(sampleFrom(p, 0.05)).toBe(0);
    expect(sampleFrom(p, 0.25)).toBe(1);
    expect(sampleFrom(p, 0.59)).toBe(2);
    expect(sampleFrom(p, 0.999)).toBe(3);
  });

  it('skips zero-probability tokens, and u lands strictly past a boundary: [0, 1, 0, 1], u=0.5 -> 3', () => {
    expect(sampleFrom([0, 1, 0, 1], 0)).toBe(1);
    expect(sampleFrom([0, 1, 0, 1], 0.5)).toBe(3);
    expect(sampleFrom([0, 1, 0, 0], 0.9999999)).toBe(1);
  });

  it('refuses a distribution with no mass', () => {
    expect(() => sampleFrom([0, 0], 0.5)).toThrow(/no mass/);
  });
});

describe('toProbs top-k / top-p kept set', () => {
  /** The definition, written the slow way: rank ids by (prob desc, id asc), keep a prefix. */
  function reference(logits: Float32Array, temperature: number, topK: number, topP: number): Float64Array {
    const full = toProbs(logits, { temperature, topK: 0, topP: 1 });
    const V = full.length;
    if (!(topK > 0 && topK < V) && topP >= 1) return full; // nothing filtered: no renormalisation
    const order = Array.from({ length: V }, (_, i) => i).sort((a, b) => full[b]! - full[a]! || a - b);
    let keep = topK > 0 && topK < V ? topK : V;
    if (topP < 1) {
      let cum = 0;
      for (let r = 0; r < keep; r++) {
        cum += full[order[r]!]!;
        if (cum >= topP) { keep = r + 1; break; }
      }
    }
    let kept = 0;
    for (let r = 0; r < keep; r++) kept += full[order[r]!]!;
    const out = new Float64Array(V);
    for (let r = 0; r < keep; r++) out[order[r]!] = full[order[r]!]! / kept;
    return out;
  }

  it('equals the ranked-prefix definition exactly, ties included', () => {
    const rng = new Rng(11);
    for (let trial = 0; trial < 300; trial++) {
      const V = 2 + Math.floor(rng.uniform() * 60);
      // coarse logits make exact ties common
      const logits = Float32Array.from({ length: V }, () => Math.floor(rng.uniform() * 6) - 3);
      const temperature = 0.3 + rng.uniform() * 1.5;
      const topK = Math.floor(rng.uniform() * (V + 2));
      const topP = rng.uniform() < 0.3 ? 1 : 0.05 + rng.uniform() * 0.95;
      expect(Array.from(toProbs(logits, { temperature, topK, topP }))).toEqual(Array.from(reference(logits, temperature, topK, topP)));
    }
  });
});
