/**
 * The worker's `dist-check` job (src/worker/dist-check-run.ts) in Node on the test model:
 * with the smallest allowed N, the default heads drafter with lossless acceptance passes and
 * Medusa's typical acceptance (lossy) fails, at temperature 0.7, on the two tokens after the
 * prompt `npm run test:stats` chose because the heads' first draft there is both accepted and
 * rejected (test/stats/lossless-sampling.ts says why).
 * Seeds are 0..N-1, so each verdict is a fixed function of the model, not a coin flip; the
 * typical bias is gross (the heads' guess taken outright instead of with probability p), so
 * it shows far below p = 0.001 even at N = 100. Also: Stop, and the refusal of greedy settings.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';

import type { LoadedModel } from '../src/engine/index.ts';
import { DEFAULT_SETTINGS } from '../src/ui/store/settings.ts';
import type { RunControl } from '../src/worker/decode-run.ts';
import { distCheckProblem, distCheckRun } from '../src/worker/dist-check-run.ts';
import { DIST_SAMPLES, type DistCheckResult, type RunSettings, type WorkerResponse } from '../src/worker/protocol.ts';
import { loadTestModel } from './model-paths.ts';

let model: LoadedModel;

beforeAll(async () => {
  model = await loadTestModel();
});

afterAll(async () => {
  await model?.release();
});

const control = (): RunControl => ({ controller: new AbortController(), stepsAtStop: null, steps: 0 });
const N = DIST_SAMPLES.min;
const POSITIONS = 2;
/** Each sample is two short decodes; on a loaded 2-core machine N = 100 takes up to about 40 s. */
const SLOW = 300_000;

async function check(settings: RunSettings): Promise<{ result: DistCheckResult; msgs: WorkerResponse[] }> {
  const msgs: WorkerResponse[] = [];
  await distCheckRun(model, { requestId: 3, settings, samples: N, positions: POSITIONS }, control(), (m) => msgs.push(m));
  const last = msgs.at(-1);
  if (last?.status !== 'dist-check-complete' || !last.result) throw new Error(`expected a finished check, got ${JSON.stringify(last)}`);
  return { result: last.result, msgs };
}

const sampling: RunSettings = { ...DEFAULT_SETTINGS, temperature: 0.7, prompt: 'to pass, it came to' };

describe('dist-check job', () => {
  it('lossless speculative sampling passes: every position p > 0.001', { timeout: SLOW }, async () => {
    const { result, msgs } = await check(sampling);
    expect(result.pass).toBe(true);
    expect(result.failedPosition).toBeNull();
    expect(result.lossy).toBe(false);
    expect(result.samples).toBe(N);
    expect(result.positions.map((p) => p.position)).toEqual([1, 2]);
    for (const p of result.positions) {
      expect(p.pValue).toBeGreaterThan(result.alpha);
      // both histograms count every sample (top tokens + the rest)
      expect(p.histogram.reduce((a, h) => a + h.spec, 0)).toBe(N);
      expect(p.histogram.reduce((a, h) => a + h.baseline, 0)).toBe(N);
    }
    const progress = msgs.filter((m) => m.status === 'dist-progress');
    expect(progress.at(-1)).toEqual({ status: 'dist-progress', requestId: 3, done: N, total: N });
  });

  it('typical acceptance (lossy) fails, naming the position', { timeout: SLOW }, async () => {
    const { result } = await check({ ...sampling, acceptance: 'typical' });
    expect(result.lossy).toBe(true);
    expect(result.pass).toBe(false);
    const failed = result.positions.find((p) => p.position === result.failedPosition)!;
    expect(failed.pValue).toBeLessThanOrEqual(result.alpha);
    expect(failed.tvd).toBeGreaterThan(0.1);
  });

  it('Stop ends the check before the next decode and posts no verdict', { timeout: SLOW }, async () => {
    const c = control();
    const msgs: WorkerResponse[] = [];
    await distCheckRun(model, { requestId: 4, settings: sampling, samples: N, positions: POSITIONS }, c, (m) => {
      msgs.push(m);
      if (m.status === 'dist-progress' && c.stepsAtStop === null) {
        c.stepsAtStop = c.steps;
        c.controller.abort();
      }
    });
    expect(msgs.at(-1)).toEqual({ status: 'dist-check-complete', requestId: 4, stopped: true, result: null });
    expect(c.steps - c.stepsAtStop!).toBeLessThanOrEqual(1);
  });

  it('refuses greedy settings and out-of-range sizes with what to do', async () => {
    expect(distCheckProblem({ temperature: 0 }, 2000, 3)).toMatch(/set a temperature above 0/);
    expect(distCheckProblem({ temperature: 0.7 }, 99, 3)).toMatch(/from 100 to 20000, got 99/);
    expect(distCheckProblem({ temperature: 0.7 }, 2000, 9)).toMatch(/Positions .* from 1 to 8, got 9/);
    expect(distCheckProblem({ temperature: 0.7 }, 2000, 3)).toBeNull();
    await expect(distCheckRun(model, { requestId: 5, settings: DEFAULT_SETTINGS, samples: N, positions: 3 }, control(), () => {})).rejects.toThrow(
      /temperature above 0/,
    );
  });
});
