/**
 * Speculative-decoding metrics over one run or many, computed from the loop's step records
 * (a SpecResult or a decode trace), under vLLM's names and definitions where vLLM has
 * one, and Leviathan et al.'s (2023) alpha / gamma / c where the paper's speedup model
 * needs them. Many runs aggregate by summing counts first and dividing last, as vLLM does
 * across requests. docs/trace-format.md defines every field.
 *
 * Not here: anything needing the model (the trace replay is in replay.ts). The Metrics
 * type is the trace schema's (schema.ts).
 */
import type { Metrics, TraceTimings } from './schema.ts';
import { buildTree, type TreeSpec } from '../decoding/tree.ts';

export type { Metrics } from './schema.ts';

/** What metrics read of a step: StepRecord and a trace's steps both fit. */
export interface MetricsStep {
  kind: 'prefill' | 'decode';
  maxDepth: number;
  draft: { tree: TreeSpec; forwards: number } | null;
  verify: { acceptLength: number; decisions: readonly { accepted: boolean }[] };
  emitted: readonly number[];
  forwards: { target: number; draft: number };
  /** Absent in a trace written without timings. */
  timings?: TraceTimings;
}

/** A SpecResult, or a decode trace (whose elapsed time sits in result). */
export type MetricsSource =
  | { steps: readonly MetricsStep[]; elapsedMs?: number }
  | { steps: readonly MetricsStep[]; result: { elapsedMs?: number } };

/** The measured metrics, dropped from a trace written without timings. */
export const TIMED_METRICS = ['elapsed_ms', 'tokens_per_second', 'cost_coefficient', 'predicted_speedup'] as const;

const ratio = (a: number, b: number): number | null => (b > 0 ? a / b : null);

interface Tally {
  drafts: number;
  draftTokens: number;
  accepted: number;
  perPos: number[];
  /** Sum over runs of num_drafts * (max_depth + 1): the tokens a perfect drafter would emit. */
  maxEmitted: number;
  kMax: number;
  chainsOnly: boolean;
  decisions: number;
  acceptedDecisions: number;
  emitted: number;
  target: number;
  draft: number;
  histogram: number[];
  timed: boolean;
  elapsedMs: number;
  draftMs: number;
  verifyForwardMs: number;
}

function tally(sources: readonly MetricsSource[]): Tally {
  const t: Tally = {
    drafts: 0, draftTokens: 0, accepted: 0, perPos: [], maxEmitted: 0, kMax: 0, chainsOnly: true,
    decisions: 0, acceptedDecisions: 0, emitted: 0, target: 0, draft: 0, histogram: [],
    timed: true, elapsedMs: 0, draftMs: 0, verifyForwardMs: 0,
  };
  const add = (xs: number[], i: number, n = 1) => {
    while (xs.length <= i) xs.push(0);
    xs[i]! += n;
  };
  for (const src of sources) {
    const elapsed = 'result' in src ? src.result.elapsedMs : src.elapsedMs;
    if (elapsed === undefined) t.timed = false;
    else t.elapsedMs += elapsed;
    let runDrafts = 0;
    let runK = 0;
    for (const s of src.steps) {
      t.emitted += s.emitted.length;
      t.target += s.forwards.target;
      t.draft += s.forwards.draft;
      add(t.histogram, s.emitted.length);
      if (!s.timings) t.timed = false;
      if (s.kind === 'decode') runK = Math.max(runK, s.maxDepth);
      if (!s.draft || s.draft.tree.length === 0) continue;
      runDrafts++;
      t.draftTokens += s.draft.tree.length;
      t.accepted += s.verify.acceptLength;
      for (let d = 0; d < s.verify.acceptLength; d++) add(t.perPos, d);
      if (buildTree(s.draft.tree).isChain) {
        t.decisions += s.verify.decisions.length;
        t.acceptedDecisions += s.verify.decisions.filter((d) => d.accepted).length;
      } else {
        t.chainsOnly = false;
      }
      if (s.timings) {
        t.draftMs += s.timings.draftMs;
        t.verifyForwardMs += s.timings.verifyForwardMs;
      }
    }
    t.drafts += runDrafts;
    t.maxEmitted += runDrafts * (runK + 1);
    t.kMax = Math.max(t.kMax, runK);
  }
  while (t.perPos.length < t.kMax) t.perPos.push(0);
  return t;
}

/**
 * Expected tokens per step of a chain of gamma drafts when each is accepted with
 * probability alpha, independently (Leviathan et al. 2023, eq. 1):
 * (1 - alpha^(gamma+1)) / (1 - alpha), which tends to gamma + 1 as alpha -> 1.
 * e.g. alpha 0.5, gamma 2: (1 - 0.125) / 0.5 = 1.75.
 */
export function expectedTokensPerStep(alpha: number, gamma: number): number {
  if (!(alpha >= 0 && alpha <= 1)) throw new Error(`alpha is an acceptance probability in [0, 1], got ${alpha}`);
  if (!(gamma >= 0 && Number.isFinite(gamma))) throw new Error(`gamma (drafts per step) must be a finite number >= 0, got ${gamma}`);
  if (alpha === 1) return gamma + 1;
  if (alpha === 0) return 1;
  // expm1/log1p keep the ratio accurate as alpha -> 1, where 1 - alpha^(gamma+1) cancels.
  return -Math.expm1((gamma + 1) * Math.log1p(alpha - 1)) / (1 - alpha);
}

/**
 * Leviathan et al.'s expected walltime improvement of speculative decoding over plain
 * decoding: E[tokens per step] / (c * gamma + 1), where c is the cost of drafting one
 * token relative to one target forward. e.g. alpha 0.5, gamma 2, c 0.25: 1.75 / 1.5.
 */
export function leviathanSpeedup(alpha: number, gamma: number, c: number): number {
  if (!(c >= 0 && Number.isFinite(c))) throw new Error(`cost coefficient c must be a finite number >= 0, got ${c}`);
  return expectedTokensPerStep(alpha, gamma) / (c * gamma + 1);
}

/** Metrics of one run, or of several aggregated (sum counts, then divide). */
export function computeMetrics(source: MetricsSource | readonly MetricsSource[]): Metrics {
  const sources: readonly MetricsSource[] = Array.isArray(source) ? source : [source as MetricsSource];
  const t = tally(sources);
  const hasDrafts = t.drafts > 0;
  const alpha = hasDrafts && t.chainsOnly ? ratio(t.acceptedDecisions, t.decisions) : null;
  const gamma = ratio(t.draftTokens, t.drafts);
  const m: Metrics = {
    num_drafts: t.drafts,
    num_draft_tokens: t.draftTokens,
    num_accepted_tokens: t.accepted,
    num_accepted_tokens_per_pos: t.perPos,
    draft_acceptance_rate: ratio(t.accepted, t.draftTokens),
    acceptance_rate_per_position: hasDrafts ? t.perPos.map((n) => n / t.drafts) : [],
    mean_acceptance_length: hasDrafts ? 1 + t.accepted / t.drafts : null,
    system_efficiency: ratio(t.accepted + t.drafts, t.maxEmitted),
    max_depth: t.kMax,
    alpha,
    gamma,
    emitted_tokens: t.emitted,
    target_forwards: t.target,
    draft_forwards: t.draft,
    target_forwards_per_token: ratio(t.target, t.emitted),
    tokens_per_target_forward: ratio(t.emitted, t.target),
    emitted_tokens_histogram: t.histogram,
  };
  if (!t.timed) return m;
  m.elapsed_ms = t.elapsedMs;
  m.tokens_per_second = ratio(t.emitted, t.elapsedMs / 1000);
  // c per drafted token: a draft model's forward drafts one token, the heads' one forward drafts
  // gamma, prompt lookup drafts without a forward; per token, Leviathan's c*gamma is the drafting cost.
  const msPerDraftToken = ratio(t.draftMs, t.draftTokens);
  const msPerVerify = ratio(t.verifyForwardMs, t.drafts);
  const c = msPerDraftToken !== null && msPerVerify !== null ? ratio(msPerDraftToken, msPerVerify) : null;
  m.cost_coefficient = c;
  m.predicted_speedup = alpha !== null && gamma !== null && c !== null ? leviathanSpeedup(alpha, gamma, c) : null;
  return m;
}

/** What speedup() needs of a run: a SpecResult, a GenerateResult, or a trace. */
export type SpeedupRun =
  | { promptIds: readonly number[]; tokens: readonly number[]; elapsedMs?: number }
  | { prompt: { ids: readonly number[] }; result: { tokens: readonly number[]; elapsedMs?: number } };

function speedRun(run: SpeedupRun, what: string): { ids: readonly number[]; perSecond: number } {
  const [ids, tokens, ms] = 'result' in run
    ? [run.prompt.ids, run.result.tokens.length, run.result.elapsedMs]
    : [run.promptIds, run.tokens.length, run.elapsedMs];
  if (ms === undefined) throw new Error(`speedup: the ${what} run has no elapsed time (a trace written without timings); record it with timings`);
  if (!(ms > 0 && tokens > 0)) throw new Error(`speedup: the ${what} run emitted ${tokens} tokens in ${ms} ms; both must be > 0`);
  return { ids, perSecond: tokens / ms };
}

/** Tokens/s of `spec` over tokens/s of `baseline` (plain decoding of the same prompt); > 1 is faster. */
export function speedup(spec: SpeedupRun, baseline: SpeedupRun): number {
  const a = speedRun(spec, 'speculative');
  const b = speedRun(baseline, 'baseline');
  if (a.ids.length !== b.ids.length || a.ids.some((id, i) => id !== b.ids[i])) {
    throw new Error('speedup: the two runs decoded different prompts; compare against plain decoding of the same prompt');
  }
  return a.perSecond / b.perSecond;
}

/** Median, min and max over prompts, as the bench and the Compare view report every figure. */
export interface Spread {
  median: number;
  min: number;
  max: number;
}

/** Median, min and max of the finite values; null when there are none. [3, 1, 2] -> {2, 1, 3}; [1, 4] -> {2.5, 1, 4}. */
export function spread(xs: readonly (number | null | undefined)[]): Spread | null {
  const v = xs.filter((x): x is number => typeof x === 'number' && Number.isFinite(x)).sort((a, b) => a - b);
  if (v.length === 0) return null;
  const m = v.length >> 1;
  return { median: v.length % 2 ? v[m]! : (v[m - 1]! + v[m]!) / 2, min: v[0]!, max: v[v.length - 1]! };
}
