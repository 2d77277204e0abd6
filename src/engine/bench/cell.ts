/**
 * What one decode of one prompt measured in the interleaved bench, against the
 * autoregressive baseline on the same prompt: the figures of trace/metrics.ts (vLLM's and
 * Leviathan's names), the accept-length histogram, the per-step profile and pair figures of
 * figures.ts, and the output's distinct-4 (text-quality.ts). A cell is plain data: it is what
 * the worker posts, what the results file holds, and what summary.ts takes medians of.
 */
import { computeMetrics, speedup } from '../trace/metrics.ts';
import type { SpecResult } from '../decoding/speculative.ts';
import type { StopReason } from '../decoding/decode-settings.ts';
import { arOverhead, pairFigures, runCost, stepProfile, type PairFigures, type StepProfile } from './figures.ts';
import { continuationOf, distinct4 } from './text-quality.ts';

export interface BenchCell {
  tokens: number;
  stop_reason: StopReason;
  elapsed_ms: number;
  /** End to end (prefill included): tokens/s over the baseline's on the same prompt; null for a baseline. */
  speedup: number | null;
  draft_acceptance_rate: number | null;
  mean_acceptance_length: number | null;
  /** [i] = share of drafts whose i-th draft token was accepted. */
  acceptance_rate_per_position: number[];
  target_forwards_per_token: number | null;
  tokens_per_second: number | null;
  alpha: number | null;
  gamma: number | null;
  cost_coefficient: number | null;
  predicted_speedup: number | null;
  /** [a] = decode steps that accepted a draft tokens (0: only the target's own token). */
  accept_length_histogram: number[];
  /** Mean ms per decode step of each phase; null without decode steps. */
  profile: StepProfile | null;
  /** Baselines only: wall time per decode step over the bare session.run per step. */
  ar_overhead: number | null;
  /** Drafting runs only: the decode speedup against the bound the runtime's forward times allow. */
  pair: PairFigures | null;
  /** Greedy lossless runs only: whether the tokens equal the baseline's (lossless means always). */
  matches_baseline: boolean | null;
  /** The output's unique / all token 4-grams (below 0.5 it repeats itself); null when unknown (an older results file). */
  distinct4: number | null;
}

/** [a] = decode steps that accepted a draft tokens. */
export function acceptLengthHistogram(r: Pick<SpecResult, 'steps'>): number[] {
  const h: number[] = [];
  for (const s of r.steps) {
    if (s.kind !== 'decode') continue;
    const a = s.verify.acceptLength;
    while (h.length <= a) h.push(0);
    h[a]!++;
  }
  return h;
}

const finished = (r: SpecResult) => r.stopReason !== 'aborted' && r.tokens.length > 0 && r.elapsedMs > 0;

/** Pair figures only when every one is a finite number (a timer too coarse for a step gives 0 and then Infinity). */
function finitePair(p: PairFigures | null): PairFigures | null {
  return p && Object.values(p).every(Number.isFinite) ? p : null;
}

const sameTokens = (a: readonly number[], b: readonly number[]) => a.length === b.length && a.every((t, i) => t === b[i]);

/**
 * A decode's figures; `baseline` is the autoregressive run it is measured against (null for
 * a baseline itself); when `checkTokens` (greedy, lossless acceptance) it must match the
 * baseline token for token.
 */
export function cellOf(r: SpecResult, baseline: SpecResult | null, checkTokens: boolean): BenchCell {
  const m = computeMetrics(r);
  const cost = runCost(r);
  const ar = arOverhead(cost);
  const both = baseline !== null && finished(r) && finished(baseline);
  return {
    tokens: r.tokens.length,
    stop_reason: r.stopReason,
    elapsed_ms: r.elapsedMs,
    speedup: both ? speedup(r, baseline) : null,
    draft_acceptance_rate: m.draft_acceptance_rate,
    mean_acceptance_length: m.mean_acceptance_length,
    acceptance_rate_per_position: m.acceptance_rate_per_position,
    target_forwards_per_token: m.target_forwards_per_token,
    tokens_per_second: m.tokens_per_second ?? null,
    alpha: m.alpha,
    gamma: m.gamma,
    cost_coefficient: m.cost_coefficient ?? null,
    predicted_speedup: m.predicted_speedup ?? null,
    accept_length_histogram: acceptLengthHistogram(r),
    profile: stepProfile(cost),
    ar_overhead: baseline === null && ar !== null && Number.isFinite(ar) ? ar : null,
    pair: baseline ? finitePair(pairFigures(cost, runCost(baseline))) : null,
    matches_baseline: both && checkTokens ? sameTokens(r.tokens, baseline.tokens) : null,
    distinct4: distinct4(continuationOf(r)),
  };
}
