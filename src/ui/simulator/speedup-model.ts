/**
 * The Speedup simulator's arithmetic. A step drafts k tokens, verifies them with one target
 * forward over k + 1 tokens, and emits tau(k) tokens on average, where
 *
 *   tau(k) = 1 + a_1 + ... + a_k,   a_i = P(the first i drafts are all accepted)
 *
 * (with every draft accepted independently with probability alpha, a_i = alpha^i and
 * tau is Leviathan et al.'s (1 - alpha^(k+1)) / (1 - alpha)). A step costs the verify
 * forward t(k + 1) plus drafting, c per drafted token in units of a plain step t(1), so
 *
 *   speedup(k) = tau(k) / (t(k + 1) / t(1) + c * k)
 *
 * which is Leviathan's tau / (c * k + 1) when t is flat. Pure functions, testable in Node.
 */
import { expectedTokensPerStep } from '../../engine/trace/metrics.ts';

/** The SPACE claim the page measures against: 1.5x tokens/s over autoregressive decoding. */
export const CLAIM = 1.5;
export const MAX_SIM_K = 8;

/**
 * a_1..a_k from measured per-position acceptance (a_i for i <= K measured), continued past K
 * with the last measured conditional rate a_K / a_(K-1) (or a_1 when K = 1); with no
 * measurement, alpha^i. e.g. measured [0.6, 0.3], k = 4 -> [0.6, 0.3, 0.15, 0.075].
 */
export function acceptanceProfile(measured: readonly number[], alpha: number, k: number): number[] {
  const out: number[] = [];
  const K = measured.length;
  const last = K > 0 ? measured[K - 1]! : 1;
  const rate = K >= 2 ? (measured[K - 2]! > 0 ? Math.min(1, last / measured[K - 2]!) : 0) : K === 1 ? last : alpha;
  for (let i = 1; i <= k; i++) {
    if (i <= K) out.push(measured[i - 1]!);
    else out.push((K === 0 ? 1 : last) * rate ** (K === 0 ? i : i - K));
  }
  return out;
}

/** tau(k) = 1 + sum of a_1..a_k. */
export const tauOf = (profile: readonly number[], k: number) => 1 + profile.slice(0, k).reduce((a, b) => a + b, 0);

/** A step's cost in plain steps: t(k + 1) / t(1) + c * k. */
export function stepCost(cost: (n: number) => number, k: number, c: number): number {
  return cost(k + 1) / cost(1) + c * k;
}

export interface Projection {
  k: number;
  tau: number;
  cost: number;
  speedup: number;
  /** k is past the depth the profile was measured at: a_k is continued, not measured. */
  extrapolated: boolean;
}

export function project(profile: readonly number[], measuredDepth: number, cost: (n: number) => number, c: number, maxK = MAX_SIM_K): Projection[] {
  return Array.from({ length: maxK }, (_, i) => {
    const k = i + 1;
    const tau = tauOf(profile, k);
    const sc = stepCost(cost, k, c);
    return { k, tau, cost: sc, speedup: tau / sc, extrapolated: measuredDepth > 0 && k > measuredDepth };
  });
}

/** The projection with the largest speedup (the smaller k on a tie). */
export function optimum(ps: readonly Projection[]): Projection | null {
  return ps.reduce<Projection | null>((best, p) => (best === null || p.speedup > best.speedup + 1e-12 ? p : best), null);
}

/**
 * The alpha at which i.i.d. acceptance reaches `target` x at k drafts and a step cost of
 * `cost` plain steps (Leviathan's formula solved for alpha, by bisection: tau rises with
 * alpha). null when even alpha = 1 (tau = k + 1) falls short. Hand-checked, c = 0, flat t:
 * k = 1: 1 + a = 1.5 -> a = 0.5; k = 2: 1 + a + a^2 = 1.5 -> a = (sqrt(3) - 1) / 2 = 0.366;
 * k = 1, c = 0.25 (cost 1.25): 1 + a = 1.875 -> a = 0.875.
 */
export function alphaFor(target: number, k: number, cost: number): number | null {
  const need = target * cost;
  if (expectedTokensPerStep(1, k) < need) return null;
  if (expectedTokensPerStep(0, k) >= need) return 0;
  let lo = 0;
  let hi = 1;
  for (let i = 0; i < 60; i++) {
    const mid = (lo + hi) / 2;
    if (expectedTokensPerStep(mid, k) < need) lo = mid;
    else hi = mid;
  }
  return (lo + hi) / 2;
}

/** A tree of N tokens (the root included) drafting N - 1: its cost, and the tau it needs to reach `target`. */
export function treeCost(cost: (n: number) => number, nodes: number, c: number): number {
  return cost(nodes) / cost(1) + c * (nodes - 1);
}
