/** The Chooser: exact enumeration of outcomes, and rng-backed choices that log their draws. */

import { describe, expect, it } from 'vitest';
import { distribution, enumerate, rngChooser, totalVariation } from '../src/engine/decoding/choice.ts';
import { Rng } from '../src/engine/decoding/rng.ts';

describe('enumerate', () => {
  it('lists each branch of accept with its probability', () => {
    expect(enumerate((c) => c.accept(0.25))).toEqual([
      { prob: 0.25, value: true },
      { prob: 0.75, value: false },
    ]);
  });

  it('skips zero-probability branches of accept and sample', () => {
    expect(enumerate((c) => c.accept(1))).toEqual([{ prob: 1, value: true }]);
    expect(enumerate((c) => c.accept(0))).toEqual([{ prob: 1, value: false }]);
    expect(enumerate((c) => c.sample([0, 2, 0, 6]))).toEqual([
      { prob: 0.25, value: 1 },
      { prob: 0.75, value: 3 },
    ]);
  });

  it('multiplies probabilities along nested, data-dependent choices', () => {
    // First a coin (0.5); on heads a die over weights [1, 3]; on tails accept(0.2).
    const out = enumerate((c) => (c.accept(0.5) ? `h${c.sample([1, 3])}` : `t${c.accept(0.2)}`));
    const d = distribution(out);
    expect(d.get('"h0"')).toBeCloseTo(0.125, 15);
    expect(d.get('"h1"')).toBeCloseTo(0.375, 15);
    expect(d.get('"ttrue"')).toBeCloseTo(0.1, 15);
    expect(d.get('"tfalse"')).toBeCloseTo(0.4, 15);
    expect(out.reduce((s, o) => s + o.prob, 0)).toBeCloseTo(1, 15);
  });

  it('rejects a function with randomness of its own', () => {
    let calls = 0;
    expect(() => enumerate((c) => (calls++ % 2 === 0 ? c.accept(0.5) : c.sample([1, 1])))).toThrow(/deterministic/);
  });

  it('rejects probabilities outside [0, 1] and negative weights', () => {
    expect(() => enumerate((c) => c.accept(1.5))).toThrow(/\[0, 1\]/);
    expect(() => enumerate((c) => c.accept(Number.NaN))).toThrow(/\[0, 1\]/);
    expect(() => enumerate((c) => c.sample([1, -1]))).toThrow(/>= 0/);
    expect(() => enumerate((c) => c.sample([0, 0]))).toThrow(/positive total mass/);
  });
});

describe('rngChooser', () => {
  it('accepts iff u < prob and samples by inverse CDF, logging every uniform it consumed', () => {
    const rng = new Rng(7);
    rng.startLog();
    const c = rngChooser(rng);
    const a = c.accept(0.5, 'x');
    const s = c.sample([0.2, 0.3, 0.5]);
    const b = c.accept(1);
    const used = rng.takeDraws();
    expect(used).toHaveLength(3);
    expect(c.draws.map((d) => d.u)).toEqual(used);
    expect(c.lastU).toBe(used[2]);
    expect(a).toBe(used[0]! < 0.5);
    expect(s).toBe(used[1]! < 0.2 ? 0 : used[1]! < 0.5 ? 1 : 2);
    expect(b).toBe(true);
    expect(c.draws[0]).toEqual({ kind: 'accept', u: used[0], threshold: 0.5, accepted: a, what: 'x' });
    expect(c.draws[1]).toEqual({ kind: 'sample', u: used[1], index: s });
  });

  it('is deterministic for a seed', () => {
    const run = (seed: number) => {
      const c = rngChooser(new Rng(seed));
      return Array.from({ length: 20 }, (_, i) => (i % 2 ? c.accept(0.4) : c.sample([1, 2, 3])));
    };
    expect(run(3)).toEqual(run(3));
    expect(run(3)).not.toEqual(run(4));
  });
});

describe('totalVariation', () => {
  it('is half the L1 distance, counting outcomes missing on one side', () => {
    const a = [{ prob: 0.5, value: 0 }, { prob: 0.5, value: 1 }];
    const b = [{ prob: 0.2, value: 1 }, { prob: 0.3, value: 1 }, { prob: 0.5, value: 2 }];
    // a = {0: .5, 1: .5}, b = {1: .5, 2: .5}: 0.5 * (.5 + 0 + .5) = 0.5
    expect(totalVariation(a, b)).toBeCloseTo(0.5, 15);
    expect(totalVariation(a, a)).toBe(0);
  });
});
