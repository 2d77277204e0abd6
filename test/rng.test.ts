/**
 * The seeded PCG32 against a BigInt reference implementation of PCG-XSH-RR
 * (64-bit state, Knuth's multiplier, the default increment), and its determinism.
 */
import { describe, expect, it } from 'vitest';

import { Rng } from '../src/engine/decoding/rng.ts';

const M = (1n << 64n) - 1n;
const MUL = 6364136223846793005n;
const INC = 1442695040888963407n;

/** pcg32_srandom then pcg32_random, with BigInt arithmetic mod 2^64. */
function reference(seed: bigint): () => number {
  let s = 0n;
  const step = () => {
    s = (s * MUL + INC) & M;
  };
  step();
  s = (s + seed) & M;
  step();
  return () => {
    const old = s;
    step();
    const xs = Number((((old >> 18n) ^ old) >> 27n) & 0xffffffffn);
    const rot = Number(old >> 59n);
    return ((xs >>> rot) | (xs << ((32 - rot) & 31))) >>> 0;
  };
}

describe('Rng', () => {
  it('matches the BigInt PCG32 reference for 10,000 draws per seed', () => {
    for (const seed of [0, 1, 42, 123456789, 2 ** 40 + 7, Number.MAX_SAFE_INTEGER]) {
      const rng = new Rng(seed);
      const ref = reference(BigInt(seed));
      for (let i = 0; i < 10_000; i++) {
        const a = rng.nextU32();
        const b = ref();
        if (a !== b) expect.fail(`seed ${seed}, draw ${i}: Rng gave ${a}, reference ${b}`);
      }
    }
  });

  it('builds uniforms from 27 + 26 bits of two draws, in [0, 1)', () => {
    const rng = new Rng(7);
    const ref = reference(7n);
    for (let i = 0; i < 1000; i++) {
      const u = rng.uniform();
      const want = ((ref() >>> 5) * 2 ** 26 + (ref() >>> 6)) / 2 ** 53;
      expect(u).toBe(want);
      expect(u >= 0 && u < 1).toBe(true);
    }
  });

  it('gives the same sequence for the same seed and a different one for another seed', () => {
    const draw = (seed: number) => {
      const r = new Rng(seed);
      return Array.from({ length: 50 }, () => r.uniform());
    };
    expect(draw(2024)).toEqual(draw(2024));
    expect(draw(2024)).not.toEqual(draw(2025));
  });

  it('logs the uniforms it draws', () => {
    const r = new Rng(3);
    r.startLog();
    const a = [r.uniform(), r.uniform()];
    expect(r.takeDraws()).toEqual(a);
    expect(r.takeDraws()).toEqual([]);
  });

  it('refuses seeds that are not non-negative integers', () => {
    for (const bad of [-1, 1.5, Number.NaN, 2 ** 53]) expect(() => new Rng(bad)).toThrow(/seed must be a non-negative integer/);
  });
});
