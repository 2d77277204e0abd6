/**
 * The page's step profile (src/ui/profile.ts): segments that add up to the step, medians of
 * a Compare row as one profile, and a Decode run's figures against its baseline, checked on
 * numbers small enough to do by hand.
 */
import { describe, expect, it } from 'vitest';

import type { RunCost, StepProfile } from '../src/engine/bench/figures.ts';
import { decodeFigures, medianProfile, profileSegments, SEGMENTS } from '../src/ui/profile.ts';

const profile: StepProfile = {
  draft_ms: 1, draft_run_ms: 0.75, verify_forward_ms: 3, verify_forward_run_ms: 2.5, verify_decisions_ms: 0.25, accept_ms: 0.5, kv_ms: 0.125, other_ms: 0.25, step_ms: 5,
};

const cost = (p: Partial<RunCost>): RunCost => ({
  steps: 0, tokens: 0, decodeMs: 0, draftMs: 0, draftRunMs: 0, verifyForwardMs: 0, verifyForwardRunMs: 0, verifyDecisionsMs: 0, acceptMs: 0, kvMs: 0, ...p,
});

describe('step profile segments', () => {
  it('splits the runtime out of draft and verify forward and the KV cache out of accept, in step order', () => {
    const segs = profileSegments(profile);
    expect(segs.map((s) => [s.key, s.ms])).toEqual([
      ['draft_run', 0.75],
      ['draft_rest', 0.25],
      ['forward_run', 2.5],
      ['forward_rest', 0.5],
      ['verify', 0.25],
      ['kv', 0.125],
      ['accept_rest', 0.375],
      ['other', 0.25],
    ]);
    expect(segs.reduce((a, s) => a + s.ms, 0)).toBe(profile.step_ms);
    expect(segs.map((s) => s.key)).toEqual(SEGMENTS.map((s) => s.key));
  });

  it('never draws a negative rest when a timer puts the part above the whole', () => {
    const segs = profileSegments({ ...profile, draft_ms: 0.5, draft_run_ms: 0.6 });
    expect(segs.find((s) => s.key === 'draft_rest')!.ms).toBe(0);
  });

  it('makes one profile of a Compare row\'s medians, or none without a step time', () => {
    const one = (x: number) => ({ median: x, min: x / 2, max: x * 2 });
    const spreads = Object.fromEntries(Object.entries(profile).map(([k, v]) => [k, one(v)])) as Record<keyof StepProfile, ReturnType<typeof one>>;
    expect(medianProfile(spreads)).toEqual(profile);
    expect(medianProfile({ ...spreads, step_ms: null } as unknown as Record<keyof StepProfile, null>)).toBeNull();
  });
});

describe('a Decode run against its baseline', () => {
  // baseline: 10 steps of 1 token in 25 ms, 20 ms of it in session.run -> overhead 1.25, t(1) = 2 ms
  const baseline = cost({ steps: 10, tokens: 10, decodeMs: 25, verifyForwardMs: 22, verifyForwardRunMs: 20, verifyDecisionsMs: 1, acceptMs: 1 });
  // speculative: 4 steps of 3 tokens in 12 ms; bare draft 0.5 and verify 2 ms per step
  const spec = cost({ steps: 4, tokens: 12, decodeMs: 12, draftMs: 3, draftRunMs: 2, verifyForwardMs: 9, verifyForwardRunMs: 8 });

  it('gives the overhead, the decode speedup, its bound τ·t(1)/(t_draft + t_verify) and the efficiency', () => {
    const f = decodeFigures(spec, baseline);
    expect(f.arOverhead).toBe(1.25);
    expect(f.pair).toMatchObject({ tokens_per_step: 3, t1_ms: 2, t_draft_ms: 0.5, t_verify_ms: 2 });
    expect(f.pair!.speedup_decode).toBe(2.5); // 2.5 ms per token against 1 ms
    expect(f.pair!.speedup_bound).toBeCloseTo(2.4, 12); // 3 * 2 / 2.5
    expect(f.pair!.efficiency).toBeCloseTo(2.5 / 2.4, 12);
    expect(f.spec!.step_ms).toBe(3);
    expect(f.baseline!.other_ms).toBeCloseTo(0.1, 12); // (25 - 24) / 10
  });

  it('leaves out what a missing or empty run cannot give', () => {
    expect(decodeFigures(spec, null)).toEqual({ spec: expect.objectContaining({ step_ms: 3 }), baseline: null, arOverhead: null, pair: null });
    const f = decodeFigures(cost({}), baseline);
    expect(f.spec).toBeNull();
    expect(f.pair).toBeNull();
  });
});
