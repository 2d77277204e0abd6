/**
 * The counters under each output (tokens, target forward passes, elapsed time, tokens/s,
 * and for a drafter its acceptance), from a finished run's totals or, while a run is still
 * streaming, from the steps received so far. Pure.
 */
import type { Metrics } from '../engine/trace/metrics.ts';
import type { TraceStep } from '../engine/trace/trace.ts';

export interface Counters {
  tokens: number;
  targetForwards: number;
  draftForwards: number;
  /** null while a run is still streaming (its clock is still running). */
  elapsedMs: number | null;
  tokensPerSecond: number | null;
  /** τ: tokens per drafted step, the bonus/correction included. */
  meanAcceptanceLength: number | null;
  draftAcceptanceRate: number | null;
}

/** What a finished run or a trace reports (RunSummary and Trace['result'] + metrics both fit). */
export interface Totals {
  tokens: readonly number[];
  forwards: { target: number; draft: number };
  elapsedMs?: number;
  metrics: Metrics;
}

export function countersOf(steps: readonly TraceStep[], totals: Totals | null): Counters {
  if (totals) {
    const ms = totals.elapsedMs ?? null;
    return {
      tokens: totals.tokens.length,
      targetForwards: totals.forwards.target,
      draftForwards: totals.forwards.draft,
      elapsedMs: ms,
      tokensPerSecond: ms && ms > 0 ? (totals.tokens.length / ms) * 1000 : null,
      meanAcceptanceLength: totals.metrics.mean_acceptance_length,
      draftAcceptanceRate: totals.metrics.draft_acceptance_rate,
    };
  }
  let tokens = 0;
  let target = 0;
  let draft = 0;
  let drafted = 0;
  let accepted = 0;
  for (const s of steps) {
    tokens += s.emitted.length;
    target += s.forwards.target;
    draft += s.forwards.draft;
    if (s.draft) {
      drafted++;
      accepted += s.verify.acceptLength;
    }
  }
  return {
    tokens,
    targetForwards: target,
    draftForwards: draft,
    elapsedMs: null,
    tokensPerSecond: null,
    meanAcceptanceLength: drafted > 0 ? 1 + accepted / drafted : null,
    draftAcceptanceRate: null,
  };
}
