/**
 * The performance figures the bench sets targets for, from decode runs' own step timings (pure: the Node
 * bench and the browser bench compute them alike). Every figure is a ratio of times taken
 * in one run, decode phase only (after the prefill step, which both runs share):
 *
 *   ar_overhead      AR wall time per step / bare session.run per step (the engine's cost
 *                    over the runtime's: sampling, tensors, KV bookkeeping, records)
 *   speedup_decode   AR ms per token / speculative ms per token
 *   speedup_bound    tokens_per_step * t(1) / (t_draft + t_verify(n)): what the runtime's
 *                    measured forward times allow, with tokens_per_step = emitted tokens /
 *                    decode steps, t(1) the AR run's bare forward, t_draft the drafter's bare
 *                    forwards, t_verify the bare verify forward
 *   efficiency       speedup_decode / speedup_bound
 *
 * t(1) comes from the AR run on the same prompt, so it is taken over the same contexts.
 * Also the headline figures (acceptance, τ, speedups) over a set of prompts, which the bench
 * and the page state apart for natural and collapsed outputs (text-quality.ts).
 */
import { spread, type Spread } from '../trace/metrics.ts';
import type { SpecResult, StepTimings } from '../decoding/speculative.ts';

/** The step timings a run's cost sums (all but the step total, which decodeMs replaces). */
const PHASES = ['draftMs', 'draftRunMs', 'verifyForwardMs', 'verifyForwardRunMs', 'verifyDecisionsMs', 'acceptMs', 'kvMs'] as const;

/** Sums over one run's decode steps: each phase of StepTimings, plus the decode wall time. */
export type RunCost = Record<(typeof PHASES)[number], number> & {
  steps: number;
  tokens: number;
  /** Wall time from the end of the prefill step to the end of the run. */
  decodeMs: number;
};

export function runCost(r: Pick<SpecResult, 'steps' | 'decodeMs'>): RunCost {
  const c = { steps: 0, tokens: 0, decodeMs: r.decodeMs, ...Object.fromEntries(PHASES.map((k) => [k, 0])) } as RunCost;
  for (const s of r.steps) {
    if (s.kind !== 'decode') continue;
    c.steps++;
    c.tokens += s.emitted.length;
    const t: StepTimings = s.timings;
    for (const k of PHASES) c[k] += t[k];
  }
  return c;
}

/** Mean per decode step of each phase; `other_ms` is what the phases leave of the decode wall time. */
export interface StepProfile {
  draft_ms: number;
  draft_run_ms: number;
  verify_forward_ms: number;
  verify_forward_run_ms: number;
  verify_decisions_ms: number;
  accept_ms: number;
  kv_ms: number;
  other_ms: number;
  step_ms: number;
}

export function stepProfile(c: RunCost): StepProfile | null {
  if (c.steps === 0) return null;
  const per = (x: number) => x / c.steps;
  const phases = c.draftMs + c.verifyForwardMs + c.verifyDecisionsMs + c.acceptMs;
  return {
    draft_ms: per(c.draftMs),
    draft_run_ms: per(c.draftRunMs),
    verify_forward_ms: per(c.verifyForwardMs),
    verify_forward_run_ms: per(c.verifyForwardRunMs),
    verify_decisions_ms: per(c.verifyDecisionsMs),
    accept_ms: per(c.acceptMs),
    kv_ms: per(c.kvMs),
    other_ms: per(Math.max(0, c.decodeMs - phases)),
    step_ms: per(c.decodeMs),
  };
}

/** AR wall time per step over its bare session.run per step; null without steps. */
export function arOverhead(ar: RunCost): number | null {
  if (ar.steps === 0 || ar.verifyForwardRunMs <= 0) return null;
  return ar.decodeMs / ar.verifyForwardRunMs;
}

export interface PairFigures {
  /** Emitted tokens / decode steps of the speculative run (not τ: undrafted steps count too). */
  tokens_per_step: number;
  /** The AR run's bare 1-token forward, ms. */
  t1_ms: number;
  /** The speculative run's bare drafter and verify forwards per step, ms. */
  t_draft_ms: number;
  t_verify_ms: number;
  speedup_decode: number;
  speedup_bound: number;
  efficiency: number;
}

/** A speculative run against its autoregressive baseline on the same prompt; null if either has no decode steps. */
export function pairFigures(spec: RunCost, ar: RunCost): PairFigures | null {
  if (spec.steps === 0 || ar.steps === 0 || spec.tokens === 0 || ar.tokens === 0) return null;
  const tokensPerStep = spec.tokens / spec.steps;
  const t1 = ar.verifyForwardRunMs / ar.steps;
  const tDraft = spec.draftRunMs / spec.steps;
  const tVerify = spec.verifyForwardRunMs / spec.steps;
  const speedupDecode = ar.decodeMs / ar.tokens / (spec.decodeMs / spec.tokens);
  const bound = (tokensPerStep * t1) / (tDraft + tVerify);
  return {
    tokens_per_step: tokensPerStep,
    t1_ms: t1,
    t_draft_ms: tDraft,
    t_verify_ms: tVerify,
    speedup_decode: speedupDecode,
    speedup_bound: bound,
    efficiency: speedupDecode / bound,
  };
}

/** What the headline figures read of one prompt's run (the bench's per-prompt figures and the page's Compare cells both give it). */
export interface HeadlineInput {
  draft_acceptance_rate: number | null;
  mean_acceptance_length: number | null;
  acceptance_rate_per_position: readonly number[];
  target_forwards_per_token: number | null;
  tokens_per_second: number | null;
  /** End to end, against the baseline on the same prompt (1 for a baseline). */
  speedup: number | null;
  speedup_decode: number | null;
  predicted_speedup: number | null;
  /** The output's distinct-4 (text-quality.ts); null when unknown. */
  distinct4: number | null;
}

/**
 * The headline figures over some prompts (median, min, max), so that natural and collapsed
 * outputs (text-quality.ts) can be stated apart: acceptance on text that loops is easy.
 */
export type Headline = { prompts: number; acceptance_rate_per_position: (Spread | null)[] } & Record<
  Exclude<keyof HeadlineInput, 'acceptance_rate_per_position'>,
  Spread | null
>;

export function headlineOf(xs: readonly HeadlineInput[]): Headline {
  const pick = (f: (x: HeadlineInput) => number | null) => spread(xs.map(f));
  const depth = Math.max(0, ...xs.map((x) => x.acceptance_rate_per_position.length));
  return {
    prompts: xs.length,
    draft_acceptance_rate: pick((x) => x.draft_acceptance_rate),
    mean_acceptance_length: pick((x) => x.mean_acceptance_length),
    acceptance_rate_per_position: Array.from({ length: depth }, (_, i) => pick((x) => x.acceptance_rate_per_position[i] ?? null)),
    target_forwards_per_token: pick((x) => x.target_forwards_per_token),
    tokens_per_second: pick((x) => x.tokens_per_second),
    speedup: pick((x) => x.speedup),
    speedup_decode: pick((x) => x.speedup_decode),
    predicted_speedup: pick((x) => x.predicted_speedup),
    distinct4: pick((x) => x.distinct4),
  };
}
