/**
 * Where a decode step's time goes, as the page draws it: a StepProfile (engine/bench-figures.ts)
 * cut into disjoint segments that add up to the step (the bare session.run parts split out of
 * draft and verify forward, the KV cache out of accept), and the figures of one Decode run
 * against its baseline. Pure: the Decode view's bars, the Compare view's chart and the tests.
 */
import { arOverhead, pairFigures, stepProfile, type PairFigures, type RunCost, type StepProfile } from '../engine/bench/figures.ts';
import type { Spread } from '../engine/trace/metrics.ts';

export type SegmentKey = 'draft_run' | 'draft_rest' | 'forward_run' | 'forward_rest' | 'verify' | 'kv' | 'accept_rest' | 'other';

export interface Segment {
  key: SegmentKey;
  label: string;
  /** Mean ms per decode step. */
  ms: number;
}

export interface SegmentInfo {
  key: SegmentKey;
  label: string;
  /** What the segment holds, for a tooltip and the legend. */
  title: string;
  /** Okabe–Ito colour of its phase; a phase's non-runtime part is hatched, so colour is never the only cue. */
  colour: string;
  hatched: boolean;
}

/** Segment names, in drawing order (the order of a step), with what each one holds. */
export const SEGMENTS: readonly SegmentInfo[] = [
  { key: 'draft_run', label: 'draft · session.run', title: "the drafter's bare forwards (Medusa heads, draft model)", colour: '#e69f00', hatched: false },
  { key: 'draft_rest', label: 'draft · rest', title: 'drafting outside the runtime: sampling drafts, building the tree, lookup', colour: '#e69f00', hatched: true },
  { key: 'forward_run', label: 'verify forward · session.run', title: "the target's bare forward over the root and the candidates", colour: '#0072b2', hatched: false },
  { key: 'forward_rest', label: 'verify forward · rest', title: 'building input tensors and reading outputs around that forward', colour: '#0072b2', hatched: true },
  { key: 'verify', label: 'verify decisions', title: 'the verifier: target distributions and the accept/reject decisions', colour: '#cc79a7', hatched: false },
  { key: 'kv', label: 'accept · KV cache', title: 'keeping the accepted path in the KV cache (truncate or gather)', colour: '#009e73', hatched: false },
  { key: 'accept_rest', label: 'accept · rest', title: "the drafter's own caches and emitting the tokens", colour: '#009e73', hatched: true },
  { key: 'other', label: 'other', title: 'the rest of the step: step records, trace probabilities, yields to the event loop', colour: '#9e9e9e', hatched: false },
];

/**
 * A profile as segments that add up to its step (up to rounding), e.g. draft 0.9 ms of which
 * 0.7 in session.run -> draft_run 0.7, draft_rest 0.2.
 */
export function profileSegments(p: StepProfile): Segment[] {
  const rest = (all: number, part: number) => Math.max(0, all - part);
  const ms: Record<SegmentKey, number> = {
    draft_run: p.draft_run_ms,
    draft_rest: rest(p.draft_ms, p.draft_run_ms),
    forward_run: p.verify_forward_run_ms,
    forward_rest: rest(p.verify_forward_ms, p.verify_forward_run_ms),
    verify: p.verify_decisions_ms,
    kv: p.kv_ms,
    accept_rest: rest(p.accept_ms, p.kv_ms),
    other: p.other_ms,
  };
  return SEGMENTS.map((s) => ({ key: s.key, label: s.label, ms: ms[s.key] }));
}

/** A profile of each phase's median (a Compare row); null when the step time is unknown. */
export function medianProfile(p: Record<keyof StepProfile, Spread | null>): StepProfile | null {
  if (!p.step_ms) return null;
  const m = (s: Spread | null) => s?.median ?? 0;
  return {
    draft_ms: m(p.draft_ms),
    draft_run_ms: m(p.draft_run_ms),
    verify_forward_ms: m(p.verify_forward_ms),
    verify_forward_run_ms: m(p.verify_forward_run_ms),
    verify_decisions_ms: m(p.verify_decisions_ms),
    accept_ms: m(p.accept_ms),
    kv_ms: m(p.kv_ms),
    other_ms: m(p.other_ms),
    step_ms: p.step_ms.median,
  };
}

/** The last Decode run's figures: each run's profile, the baseline's overhead, the pair figures. */
export interface DecodeFigures {
  spec: StepProfile | null;
  baseline: StepProfile | null;
  arOverhead: number | null;
  pair: PairFigures | null;
}

export function decodeFigures(spec: RunCost | null, baseline: RunCost | null): DecodeFigures {
  const pair = spec && baseline ? pairFigures(spec, baseline) : null;
  return {
    spec: spec ? stepProfile(spec) : null,
    baseline: baseline ? stepProfile(baseline) : null,
    arOverhead: baseline ? arOverhead(baseline) : null,
    pair: pair && Object.values(pair).every(Number.isFinite) ? pair : null,
  };
}

/** The performance targets for these figures, as the bench's `targets` list checks them. */
export const AR_OVERHEAD_TARGET = 1.15;
export const EFFICIENCY_TARGET = 0.9;
