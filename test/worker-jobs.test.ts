/**
 * The worker's compare, measure-cost and time-forwards jobs (src/worker/compare-run.ts,
 * measure-cost.ts, time-forwards.ts)
 * run in Node against the test model, without a browser: the messages they post, the
 * interleaving of baselines and configurations, and Stop within one decode step.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';

import type { LoadedModel } from '../src/engine/index.ts';
import { nodeFiles } from '../src/engine/runtime/node-files.ts';
import { loadPromptSuites, type PromptSuites } from '../src/engine/bench/suites.ts';
import { acceptLengthHistogram } from '../src/engine/bench/cell.ts';
import { parseBenchResults, RESULTS_VERSION } from '../src/engine/bench/results-file.ts';
import { compareRun } from '../src/worker/compare-run.ts';
import type { RunControl } from '../src/worker/decode-run.ts';
import { measureCost } from '../src/worker/measure-cost.ts';
import type { CompareSettings, WorkerResponse } from '../src/worker/protocol.ts';
import { timeForwards } from '../src/worker/time-forwards.ts';
import { loadTestModel, MODEL_DIR } from './model-paths.ts';

let model: LoadedModel;
let suites: PromptSuites;

beforeAll(async () => {
  model = await loadTestModel();
  suites = await loadPromptSuites(nodeFiles(MODEL_DIR));
});

afterAll(async () => {
  await model?.release();
});

const control = (): RunControl => ({ controller: new AbortController(), stepsAtStop: null, steps: 0 });

const settings: CompareSettings = {
  suite: 'repetitive',
  prompts: 2,
  maxTokens: 6,
  configs: [
    { drafter: 'heads', k: 2, tree: 'tree-8', temperature: 0 },
    { drafter: 'prompt-lookup', k: 3, tree: 'tree-8', temperature: 0.7 },
  ],
};

describe('compare job', () => {
  it('runs the baselines, then each configuration, per prompt, and posts one result per prompt', async () => {
    const msgs: WorkerResponse[] = [];
    await compareRun(model, suites, 5, settings, control(), (m) => msgs.push(m));
    const progress = msgs.filter((m) => m.status === 'compare-progress');
    // warm-up (prompt 0) then 2 prompts, each: 2 baselines (t=0, t=0.7) + 2 configurations
    expect(progress.map((m) => `${m.prompt}:${m.run}/${m.runs} ${m.label}`)).toEqual([
      ...[0, 1, 2].flatMap((p) => [
        `${p}:1/4 autoregressive, greedy`,
        `${p}:2/4 autoregressive, t=0.7`,
        `${p}:3/4 heads k=2, greedy`,
        `${p}:4/4 prompt-lookup k=3, t=0.7`,
      ]),
    ]);
    const prompts = msgs.flatMap((m) => (m.status === 'compare-prompt' ? [m.prompt] : []));
    expect(prompts.map((p) => p.id)).toEqual(suites.repetitive.slice(0, 2).map((p) => p.id));
    for (const p of prompts) {
      expect(p.baselines.map((b) => b.temperature)).toEqual([0, 0.7]);
      expect(p.baselines[0]!.cell.speedup).toBeNull();
      expect(p.cells).toHaveLength(2);
      const h = p.cells[0]!;
      expect(h.speedup).toBeGreaterThan(0);
      expect(h.acceptance_rate_per_position).toHaveLength(2);
      expect(h.accept_length_histogram.length).toBeLessThanOrEqual(3);
      expect(h.tokens).toBe(6);
      // bench figures: the baseline's overhead, each run's step profile, the pair figures
      const base = p.baselines[0]!.cell;
      expect(base.ar_overhead).toBeGreaterThanOrEqual(1);
      expect(base.pair).toBeNull();
      expect(base.profile!.step_ms).toBeGreaterThan(0);
      expect(base.profile!.verify_forward_run_ms).toBeLessThanOrEqual(base.profile!.verify_forward_ms);
      expect(h.ar_overhead).toBeNull();
      expect(h.pair!.tokens_per_step).toBeGreaterThanOrEqual(1);
      expect(h.pair!.efficiency).toBeCloseTo(h.pair!.speedup_decode / h.pair!.speedup_bound, 9);
      expect(h.matches_baseline).toBe(true);
      // the same greedy tokens, so the same distinct-4
      expect(h.distinct4).toBe(base.distinct4);
      expect(base.distinct4).toBeGreaterThan(0);
      expect(p.cells[1]!.matches_baseline).toBeNull();
    }
    // what the worker posts is what the results file accepts, field by field
    const file = { format: 'space-compare-results', version: RESULTS_VERSION, created: '2026-12-01T00:00:00Z', model: { id: 'test', threads: 1 }, suite: 'repetitive', max_tokens: 6, configs: settings.configs, prompts };
    expect(parseBenchResults(JSON.stringify(file), 'worker output').prompts).toEqual(prompts);
    expect(msgs.at(-1)).toEqual({ status: 'compare-complete', requestId: 5, stopped: false, stepsAfterStop: null });
    expect(msgs.every((m) => !('requestId' in m) || m.requestId === 5)).toBe(true);
  });

  it('stops within one decode step and drops the prompt in progress', async () => {
    const c = control();
    const msgs: WorkerResponse[] = [];
    await compareRun(model, suites, 6, { ...settings, maxTokens: 40 }, c, (m) => {
      msgs.push(m);
      // Stop arrives as the first prompt's heads run starts, as the worker's `stop` handler does it.
      if (m.status === 'compare-progress' && m.prompt === 1 && m.run === 3) {
        c.stepsAtStop = c.steps;
        c.controller.abort();
      }
    });
    const done = msgs.at(-1);
    expect(done?.status).toBe('compare-complete');
    if (done?.status !== 'compare-complete') return;
    expect(done.stopped).toBe(true);
    expect(done.stepsAfterStop).toBeLessThanOrEqual(1);
    expect(msgs.some((m) => m.status === 'compare-prompt')).toBe(false);
  });

  it('names the configuration that cannot run, and what to do', async () => {
    const bad = { ...settings, configs: [{ drafter: 'heads' as const, k: 99, tree: 'tree-8' as const, temperature: 0 }] };
    await expect(compareRun(model, suites, 7, bad, control(), () => {})).rejects.toThrow(/Configuration "heads k=99, greedy" cannot run on this model: .*Change or remove that row/);
    await expect(compareRun(model, null, 7, settings, control(), () => {})).rejects.toThrow(/has no prompts.json/);
  });

  it('counts drafts accepted per decode step', () => {
    const step = (kind: 'prefill' | 'decode', acceptLength: number) => ({ kind, verify: { acceptLength } }) as never;
    expect(acceptLengthHistogram({ steps: [step('prefill', 0), step('decode', 2), step('decode', 0), step('decode', 2)] })).toEqual([1, 0, 2]);
  });
});

describe('measure-cost job', () => {
  it('times forwards over n = 1..maxN after the context and the drafting forwards', async () => {
    const msgs: WorkerResponse[] = [];
    await measureCost(model, { requestId: 3, context: 32, maxN: 4, reps: 2 }, control(), (m) => msgs.push(m));
    const curve = msgs.at(-1);
    expect(curve?.status).toBe('cost-curve');
    if (curve?.status !== 'cost-curve') return;
    expect(curve.context).toBe(32);
    expect(curve.points.map((p) => p.n)).toEqual([1, 2, 3, 4]);
    for (const p of curve.points) expect(p.minMs <= p.ms && p.ms <= p.maxMs && p.ms > 0).toBe(true);
    expect(curve.headsMs).toBeGreaterThan(0);
    expect(curve.draftModelMs).toBeGreaterThan(0);
    const progress = msgs.filter((m) => m.status === 'cost-progress');
    expect(progress.at(-1)).toEqual({ status: 'cost-progress', requestId: 3, done: 12, total: 12 });
  });

  it('stops when asked', async () => {
    const c = control();
    c.controller.abort();
    const msgs: WorkerResponse[] = [];
    await measureCost(model, { requestId: 4, context: 32, maxN: 4, reps: 2 }, c, (m) => msgs.push(m));
    expect(msgs.at(-1)).toEqual({ status: 'cost-stopped', requestId: 4 });
  });
});

describe('time-forwards job', () => {
  it('times each forward size after the context and names the runtime', async () => {
    const msgs: WorkerResponse[] = [];
    await timeForwards(model, { backend: 'wasm', threads: 1 }, { requestId: 7, context: 16, tokens: [1, 5], reps: 3 }, control(), (m) => msgs.push(m));
    expect(msgs).toHaveLength(1);
    const t = msgs[0]!;
    expect(t.status).toBe('forward-times');
    if (t.status !== 'forward-times') return;
    expect(t).toMatchObject({ requestId: 7, runtime: { backend: 'wasm', threads: 1 }, context: 16, reps: 3 });
    expect(t.points.map((p) => p.n)).toEqual([1, 5]);
    for (const p of t.points) expect(p.minMs <= p.ms && p.ms <= p.maxMs && p.ms > 0).toBe(true);
  });

  it('refuses sizes outside [1, 64] and says what it found', async () => {
    await expect(timeForwards(model, { backend: 'wasm', threads: 1 }, { requestId: 8, context: 16, tokens: [0, 5], reps: 1 }, control(), () => {})).rejects.toThrow(
      /expected token counts in \[1, 64\], found \[0, 5\]/,
    );
  });
});
