/**
 * The only source of randomness for verifiers: a Chooser makes each random decision
 * (accept with probability x; sample an index by weight). Two implementations:
 * rngChooser draws from the seeded Rng and records every uniform behind every decision,
 * and enumerate() replays a function under every scripted outcome to get its exact
 * output distribution, so tests (and the app, for lossy modes) need no Monte Carlo.
 */

import { sampleFrom } from './sampling.ts';

export interface Chooser {
  /** true with probability `prob` (in [0, 1]). `what` labels the decision in a trace. */
  accept(prob: number, what?: string): boolean;
  /** Index i with probability weights[i] / sum(weights). */
  sample(weights: ArrayLike<number>, what?: string): number;
  /** The uniform behind the latest decision; null for a scripted chooser, which has none. */
  readonly lastU: number | null;
  /** A uniform in [0, 1) for a draw made elsewhere by inverse CDF (a graph that drafts k tokens in
   *  one run); absent where every distribution must be seen (a scripted chooser). */
  uniform?(what?: string): number;
}

export type ChoiceDraw =
  | { kind: 'accept'; u: number; threshold: number; accepted: boolean; what?: string }
  | { kind: 'sample'; u: number; index: number; what?: string }
  | { kind: 'uniform'; u: number; what?: string };

export interface RngChooser extends Chooser {
  /** Every decision in order, with its uniform: draws[i].u is the i-th rng.uniform() consumed. */
  readonly draws: ChoiceDraw[];
}

function checkProb(prob: number): void {
  if (!(prob >= 0 && prob <= 1)) {
    throw new Error(`accept probability must be in [0, 1], got ${prob}; check the p/q ratio that produced it`);
  }
}

function checkWeights(weights: ArrayLike<number>): number {
  let sum = 0;
  for (let i = 0; i < weights.length; i++) {
    const w = weights[i]!;
    if (!(w >= 0 && Number.isFinite(w))) {
      throw new Error(`sample weights must be finite and >= 0, found weights[${i}] = ${w}`);
    }
    sum += w;
  }
  if (!(sum > 0)) throw new Error(`sample weights sum to ${sum}; expected a positive total mass`);
  return sum;
}

/** What rngChooser needs of an Rng (rng.ts); tests pass fixed uniforms through it. */
export interface UniformSource {
  uniform(): number;
}

/**
 * A Chooser backed by the seeded Rng (rng.ts). Every decision consumes exactly one uniform, even a
 * certain one (prob 1, a single non-zero weight), so the number of draws depends only on
 * the decisions taken and a trace can line each uniform up with its decision.
 */
export function rngChooser(rng: UniformSource): RngChooser {
  const draws: ChoiceDraw[] = [];
  let lastU: number | null = null;
  return {
    draws,
    get lastU() {
      return lastU;
    },
    accept(prob, what) {
      checkProb(prob);
      const u = rng.uniform();
      lastU = u;
      const accepted = u < prob;
      draws.push({ kind: 'accept', u, threshold: prob, accepted, what });
      return accepted;
    },
    sample(weights, what) {
      checkWeights(weights);
      const u = rng.uniform();
      lastU = u;
      const index = sampleFrom(weights, u);
      draws.push({ kind: 'sample', u, index, what });
      return index;
    },
    uniform(what) {
      const u = rng.uniform();
      lastU = u;
      draws.push({ kind: 'uniform', u, what });
      return u;
    },
  };
}

export interface Outcome<T> {
  prob: number;
  value: T;
}

/** One decision taken on a replay: the branch value and what the function asked for. */
type Step = { kind: 'accept'; value: boolean } | { kind: 'sample'; value: number; n: number };

export interface EnumerateOptions {
  /** Stop with an error past this many outcomes (a runaway choice tree). */
  maxOutcomes?: number;
}

/**
 * Every outcome of `fn` with its exact probability, by depth-first search over the choice
 * tree: fn is re-run once per leaf, following a scripted prefix of decisions and taking the
 * first non-zero branch past it. Zero-probability branches are skipped, so every outcome
 * has prob > 0. fn must be deterministic given its choices (no other randomness).
 * Outcomes are per path; merge equal values with `distribution`.
 *
 *   enumerate(c => c.accept(0.25)) -> [{prob: 0.25, value: true}, {prob: 0.75, value: false}]
 */
export function enumerate<T>(fn: (c: Chooser) => T, options: EnumerateOptions = {}): Outcome<T>[] {
  const maxOutcomes = options.maxOutcomes ?? 1_000_000;
  const out: Outcome<T>[] = [];
  const pending: Step[][] = [[]];
  while (pending.length > 0) {
    const script = pending.pop()!;
    const taken: Step[] = [];
    let prob = 1;
    const next = (): Step | undefined => script[taken.length];
    const mismatch = (want: string, got: Step) =>
      new Error(`enumerate: decision #${taken.length} was ${want} on this replay but ${got.kind} before; fn must be deterministic given its choices`);
    const chooser: Chooser = {
      lastU: null,
      accept(p) {
        checkProb(p);
        const scripted = next();
        let value: boolean;
        if (scripted) {
          if (scripted.kind !== 'accept') throw mismatch('accept', scripted);
          value = scripted.value;
        } else {
          // First branch now, the other later from the stack (only if it can happen).
          value = p > 0;
          if (p > 0 && p < 1) pending.push([...taken, { kind: 'accept', value: false }]);
        }
        prob *= value ? p : 1 - p;
        taken.push({ kind: 'accept', value });
        return value;
      },
      sample(weights) {
        const sum = checkWeights(weights);
        const scripted = next();
        let value: number;
        if (scripted) {
          if (scripted.kind !== 'sample' || scripted.n !== weights.length) throw mismatch('sample', scripted);
          value = scripted.value;
        } else {
          value = -1;
          for (let i = weights.length - 1; i >= 0; i--) {
            if (weights[i]! <= 0) continue;
            if (value >= 0) pending.push([...taken, { kind: 'sample', value, n: weights.length }]);
            value = i;
          }
        }
        prob *= weights[value]! / sum;
        taken.push({ kind: 'sample', value, n: weights.length });
        return value;
      },
    };
    const value = fn(chooser);
    if (taken.length < script.length) {
      throw new Error(`enumerate: fn made ${taken.length} decisions on a replay scripted for ${script.length}; fn must be deterministic given its choices`);
    }
    out.push({ prob, value });
    if (out.length > maxOutcomes) {
      throw new Error(`enumerate: more than ${maxOutcomes} outcomes; shrink the case or raise maxOutcomes`);
    }
  }
  return out;
}

/** Merge outcomes with equal keys (default: JSON of the value) into key -> probability. */
export function distribution<T>(outcomes: readonly Outcome<T>[], key: (v: T) => string = (v) => JSON.stringify(v)): Map<string, number> {
  const m = new Map<string, number>();
  for (const o of outcomes) {
    const k = key(o.value);
    m.set(k, (m.get(k) ?? 0) + o.prob);
  }
  return m;
}

/** Total variation distance 0.5 * sum |a - b| between two outcome distributions. */
export function totalVariation<T>(
  a: readonly Outcome<T>[] | Map<string, number>,
  b: readonly Outcome<T>[] | Map<string, number>,
  key?: (v: T) => string,
): number {
  const da = a instanceof Map ? a : distribution(a, key);
  const db = b instanceof Map ? b : distribution(b, key);
  let sum = 0;
  for (const [k, pa] of da) sum += Math.abs(pa - (db.get(k) ?? 0));
  for (const [k, pb] of db) if (!da.has(k)) sum += pb;
  return sum / 2;
}
