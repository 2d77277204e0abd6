/**
 * Speculative-decoding metrics: hand-checked arithmetic on synthetic step records (the sums
 * are written out next to each expectation), Leviathan's formula at its edges, and the
 * invariants every real run must satisfy.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';

import {
  computeMetrics,
  createDrafter,
  expectedTokensPerStep,
  generate,
  leviathanSpeedup,
  speculativeGenerate,
  speedup,
  type LoadedModel,
  type MetricsStep,
} from '../src/engine/index.ts';
import { chainSpec } from '../src/engine/decoding/tree.ts';
import { loadTestModel } from './model-paths.ts';

const timings = (draftMs: number, verifyForwardMs: number) => ({ draftMs, verifyForwardMs, verifyDecisionsMs: 0, acceptMs: 0, totalMs: draftMs + verifyForwardMs });

/** A decode step drafting a chain of k, accepting `accepted` (a rejection follows unless all k pass). */
function chainStep(k: number, accepted: number, t = timings(2, 4)): MetricsStep {
  const decisions = Array.from({ length: Math.min(k, accepted + 1) }, (_, i) => ({ accepted: i < accepted }));
  return {
    kind: 'decode', maxDepth: k, draft: { tree: chainSpec(k), forwards: 1 },
    verify: { acceptLength: accepted, decisions }, emitted: new Array(accepted + 1).fill(7),
    forwards: { target: 1, draft: 1 }, timings: t,
  };
}

const prefill: MetricsStep = {
  kind: 'prefill', maxDepth: 0, draft: null, verify: { acceptLength: 0, decisions: [] }, emitted: [7],
  forwards: { target: 1, draft: 0 }, timings: timings(0, 5),
};

/** A decode step whose drafter proposed nothing (prompt lookup without a match). */
const noDraft = (maxDepth: number): MetricsStep => ({
  kind: 'decode', maxDepth, draft: null, verify: { acceptLength: 0, decisions: [] }, emitted: [7],
  forwards: { target: 1, draft: 0 }, timings: timings(1, 3),
});

// prefill, then k = 3 chains accepting 2, 3 and 0 drafts, then a step with no draft
const run = { steps: [prefill, chainStep(3, 2), chainStep(3, 3), chainStep(3, 0), noDraft(3)], elapsedMs: 100 };

describe('metrics by hand', () => {
  it('counts drafts, draft tokens and accepted tokens as vLLM does', () => {
    const m = computeMetrics(run);
    expect(m.num_drafts).toBe(3); // three steps verified drafts; prefill and the no-draft step did not
    expect(m.num_draft_tokens).toBe(9); // 3 + 3 + 3
    expect(m.num_accepted_tokens).toBe(5); // 2 + 3 + 0
    expect(m.num_accepted_tokens_per_pos).toEqual([2, 2, 1]); // depth 1: steps 1,2; depth 2: steps 1,2; depth 3: step 2
    expect(m.draft_acceptance_rate).toBeCloseTo(5 / 9, 15);
    expect(m.acceptance_rate_per_position).toEqual([2 / 3, 2 / 3, 1 / 3]); // per_pos / num_drafts
    expect(m.mean_acceptance_length).toBeCloseTo(1 + 5 / 3, 15); // tau = 8/3
    expect(m.max_depth).toBe(3);
    expect(m.system_efficiency).toBeCloseTo((5 + 3) / (3 * (3 + 1)), 15); // 8/12
  });

  it('counts tokens, forwards and the per-step histogram, the prefill included', () => {
    const m = computeMetrics(run);
    expect(m.emitted_tokens).toBe(10); // 1 + 3 + 4 + 1 + 1
    expect(m.target_forwards).toBe(5); // one per step
    expect(m.draft_forwards).toBe(3);
    expect(m.tokens_per_target_forward).toBe(2); // 10 / 5
    expect(m.target_forwards_per_token).toBe(0.5);
    expect(m.emitted_tokens_histogram).toEqual([0, 3, 0, 1, 1]); // 1 token: prefill, steps 3, 4; 3: step 1; 4: step 2
    expect(m.elapsed_ms).toBe(100);
    expect(m.tokens_per_second).toBe(100); // 10 tokens / 0.1 s
  });

  it("estimates Leviathan's alpha, gamma and c, and predicts the speedup", () => {
    const m = computeMetrics(run);
    // decisions: accept, accept, reject | accept x3 | reject: 5 accepted of 7 verified
    expect(m.alpha).toBeCloseTo(5 / 7, 15);
    expect(m.gamma).toBe(3); // 9 draft tokens / 3 drafts
    // c = (6 ms drafting / 9 draft tokens) / (12 ms verifying / 3 drafted steps) = (2/3) / 4 = 1/6
    expect(m.cost_coefficient).toBeCloseTo(1 / 6, 15);
    // (1 - (5/7)^4) / (1 - 5/7) = (1776/2401) / (2/7) = 888/343; / (c*gamma + 1 = 1.5) = 592/343
    expect(m.predicted_speedup).toBeCloseTo(592 / 343, 12);
  });

  it('aggregates runs by summing counts, then dividing', () => {
    const plain = { steps: [prefill, noDraft(0), noDraft(0)], elapsedMs: 60 };
    const m = computeMetrics([run, plain]);
    expect(m.num_drafts).toBe(3);
    expect(m.emitted_tokens).toBe(13); // 10 + 3
    expect(m.target_forwards).toBe(8); // 5 + 3
    expect(m.tokens_per_target_forward).toBe(13 / 8);
    expect(m.system_efficiency).toBeCloseTo(8 / 12, 15); // the plain run drafts nothing: adds 0 / 0
    expect(m.tokens_per_second).toBeCloseTo(13 / 0.16, 10); // (10 + 3) tokens / (100 + 60) ms
    expect(m.emitted_tokens_histogram).toEqual([0, 6, 0, 1, 1]);
  });

  it('leaves rates null without drafts, and timed metrics out without timings', () => {
    const m = computeMetrics({ steps: [prefill, noDraft(0)] });
    expect(m.num_drafts).toBe(0);
    expect(m.mean_acceptance_length).toBeNull();
    expect(m.draft_acceptance_rate).toBeNull();
    expect(m.system_efficiency).toBeNull();
    expect(m.acceptance_rate_per_position).toEqual([]);
    expect(m.alpha).toBeNull();
    expect('elapsed_ms' in m).toBe(false);
    expect('predicted_speedup' in m).toBe(false);
  });

  it('counts a tree by depth and gives no alpha (Leviathan models chains)', () => {
    // root -> [0] and [1]; [0] -> [0,0]. Accepting [0] then [0,0]: depth 2 on 3 draft tokens.
    const tree: MetricsStep = {
      ...chainStep(2, 2), draft: { tree: [[0], [1], [0, 0]], forwards: 1 },
      verify: { acceptLength: 2, decisions: [{ accepted: true }, { accepted: true }] },
    };
    const m = computeMetrics({ steps: [prefill, tree], elapsedMs: 10 });
    expect(m.num_draft_tokens).toBe(3);
    expect(m.num_accepted_tokens_per_pos).toEqual([1, 1]);
    expect(m.alpha).toBeNull();
    expect(m.predicted_speedup).toBeNull();
  });
});

describe("Leviathan et al.'s speedup model", () => {
  it('matches the formula and its limits', () => {
    expect(expectedTokensPerStep(0.5, 2)).toBe(1.75); // (1 - 0.125) / 0.5
    expect(expectedTokensPerStep(0, 4)).toBe(1); // only the target's own token
    expect(expectedTokensPerStep(1, 4)).toBe(5); // every draft plus the bonus
    expect(expectedTokensPerStep(1 - 1e-12, 4)).toBeCloseTo(5, 9); // continuous at alpha -> 1
    expect(leviathanSpeedup(0.5, 2, 0.25)).toBeCloseTo(1.75 / 1.5, 15);
    expect(() => expectedTokensPerStep(1.5, 2)).toThrow(/alpha/);
  });

  it('speedup is the tokens/s ratio on the same prompt', () => {
    const spec = { promptIds: [1, 2], tokens: new Array(10).fill(3), elapsedMs: 100 };
    const base = { promptIds: [1, 2], tokens: new Array(10).fill(3), elapsedMs: 250 };
    expect(speedup(spec, base)).toBeCloseTo(2.5, 15); // (10 / 100) / (10 / 250)
    expect(() => speedup(spec, { ...base, promptIds: [1, 4] })).toThrow(/different prompts/);
    expect(() => speedup(spec, { promptIds: [1, 2], tokens: [3] })).toThrow(/no elapsed time/);
  });
});

describe('metrics of real runs', () => {
  let model: LoadedModel;
  const prompt = 'The word of the LORD came';
  beforeAll(async () => {
    model = await loadTestModel();
  }, 120_000);
  afterAll(async () => {
    await model?.release();
  });

  it('add up for a Medusa chain, and the predicted speedup comes from measured alpha', async () => {
    const r = await speculativeGenerate(model, createDrafter(model, { drafter: 'heads', k: 3 }), prompt, { maxTokens: 48, stopAtEos: false });
    const m = computeMetrics(r);
    expect(m.emitted_tokens).toBe(r.tokens.length);
    expect(m.target_forwards).toBe(r.forwards.target);
    expect(m.draft_forwards).toBe(r.forwards.draft);
    expect(m.emitted_tokens_histogram.reduce((a, n, i) => a + n * i, 0)).toBe(r.tokens.length);
    expect(m.emitted_tokens_histogram.reduce((a, n) => a + n, 0)).toBe(r.steps.length);
    expect(m.max_depth).toBe(3);
    expect(m.num_drafts).toBeGreaterThan(0);
    // tau - 1 = accepted per draft, straight from the verifier's acceptLength
    const drafted = r.steps.filter((s) => s.draft);
    expect(m.mean_acceptance_length! - 1).toBeCloseTo(drafted.reduce((a, s) => a + s.verify.acceptLength, 0) / drafted.length, 12);
    expect(m.system_efficiency!).toBeLessThanOrEqual(1);
    expect(m.alpha!).toBeGreaterThanOrEqual(m.draft_acceptance_rate!); // decisions stop at the first rejection
    expect(m.predicted_speedup).toBeGreaterThan(0);
    const base = await generate(model, prompt, { maxTokens: 48, stopAtEos: false });
    expect(Number.isFinite(speedup(r, base))).toBe(true);
  });

  it("for drafter 'none', one token per target forward and no drafts", async () => {
    const r = await speculativeGenerate(model, null, prompt, { maxTokens: 20, stopAtEos: false });
    const m = computeMetrics(r);
    expect(m.tokens_per_target_forward).toBe(1);
    expect(m.num_drafts).toBe(0);
    expect(m.mean_acceptance_length).toBeNull();
    expect(m.emitted_tokens_histogram).toEqual([0, 20]);
  });
});
