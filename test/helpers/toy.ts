/**
 * Toy distributions and "models" for verifier tests: seeded random tables over a tiny
 * vocabulary, small enough that enumerate() can walk every outcome of a decode step.
 */

import { expect } from 'vitest';
import { rngChooser, type RngChooser } from '../../src/engine/decoding/choice.ts';
import { Rng } from '../../src/engine/decoding/rng.ts';

/** A distribution over V tokens with some exact zeros (never all), or one-hot when asked. */
export function randomDist(rng: Rng, V: number, shape: 'dense' | 'zeros' | 'one-hot' = 'zeros'): Float64Array {
  const d = new Float64Array(V); // [V]
  if (shape === 'one-hot') {
    d[Math.floor(rng.uniform() * V)] = 1;
    return d;
  }
  let sum = 0;
  for (let i = 0; i < V; i++) {
    const zero = shape === 'zeros' && rng.uniform() < 0.35;
    d[i] = zero ? 0 : rng.uniform() + 0.05;
    sum += d[i]!;
  }
  if (sum === 0) {
    d[Math.floor(rng.uniform() * V)] = 1;
    return d;
  }
  for (let i = 0; i < V; i++) d[i]! /= sum;
  return d;
}

/** A "language model": context -> next-token distribution, a fixed random table per context. */
export type ToyModel = (ctx: readonly number[]) => Float64Array;

function hashContext(seed: number, ctx: readonly number[]): number {
  let h = (seed * 2654435761) >>> 0;
  for (const t of ctx) h = (Math.imul(h ^ (t + 1), 2246822519) + 3266489917) >>> 0;
  return h;
}

export function tableModel(seed: number, V: number): ToyModel {
  const memo = new Map<string, Float64Array>();
  return (ctx) => {
    const key = ctx.join(',');
    let d = memo.get(key);
    if (!d) {
      const rng = new Rng(hashContext(seed, ctx));
      d = randomDist(rng, V, rng.uniform() < 0.2 ? 'dense' : 'zeros');
      memo.set(key, d);
    }
    return d;
  };
}

/** A draft that partly agrees with the target: mix(target, noise), so acceptances vary. */
export function mixedDraft(target: ToyModel, noise: ToyModel, w: number): ToyModel {
  return (ctx) => {
    const p = target(ctx);
    const n = noise(ctx);
    return p.map((v, i) => w * v + (1 - w) * n[i]!);
  };
}

/** Tokens by descending probability (ties: lower id), the first `n`. */
export function topN(d: ArrayLike<number>, n: number): number[] {
  return Array.from({ length: d.length }, (_, i) => i)
    .sort((a, b) => d[b]! - d[a]! || a - b)
    .slice(0, n);
}

/** A chooser replaying fixed uniforms, for hand-checked cases. */
export function fixedChooser(us: number[]): RngChooser {
  let i = 0;
  return rngChooser({
    uniform() {
      if (i >= us.length) throw new Error(`fixedChooser: only ${us.length} uniforms were scripted`);
      return us[i++]!;
    },
  });
}

/** Two key -> probability maps agree entry by entry within tol (missing = 0). */
export function expectSameDist(got: Map<string, number>, want: Map<string, number>, tol = 1e-9): void {
  const keys = new Set([...got.keys(), ...want.keys()]);
  for (const k of keys) {
    const g = got.get(k) ?? 0;
    const w = want.get(k) ?? 0;
    if (Math.abs(g - w) > tol) expect.fail(`P(${k}) = ${g}, expected ${w} (difference ${g - w})`);
  }
}

/** key -> probability of a single distribution, keyed like distribution() keys a token: "3". */
export function distMap(p: ArrayLike<number>): Map<string, number> {
  const m = new Map<string, number>();
  for (let i = 0; i < p.length; i++) if (p[i]! > 0) m.set(JSON.stringify(i), p[i]!);
  return m;
}
