/**
 * Decode steps do not grow memory: every ort tensor the loop, the KV caches and the
 * drafters create is released. Drafters alternate so the gather path (trees), the draft
 * model's cache rollback and plain steps are all exercised. The soak (`npm run test:soak`,
 * 10 000 steps) would see a leak of even one 1-token logits row per step (8-12 KB: ~100 MB
 * over the run); the fast tier's 2 000 steps see a leaked KV tensor (64-256 KB a step).
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';

import { createDrafter, type DrafterSettings } from '../src/engine/drafters/index.ts';
import type { LoadedModel } from '../src/engine/index.ts';
import { speculativeGenerate } from '../src/engine/decoding/speculative.ts';
import { loadTestModel } from './model-paths.ts';
import { SOAK_STEPS as STEPS } from './tiers.ts';

const ALLOWED_GROWTH_MB = 64;
/** Steps before the baseline is taken: the wasm heap and the JIT settle first. */
const WARM_UP = Math.min(1000, Math.floor(STEPS / 4));

let model: LoadedModel;
beforeAll(async () => {
  model = await loadTestModel();
}, 60_000);
afterAll(async () => {
  await model?.release();
});

const mb = () => process.memoryUsage().rss / 2 ** 20;

describe('memory', () => {
  it(`stays flat over ${STEPS} decode steps`, async () => {
    const configs: DrafterSettings[] = [
      { drafter: 'none' },
      { drafter: 'heads-tree', tree: 'tree-8' },
      { drafter: 'draft-model', k: 2 },
      { drafter: 'heads', k: 3 },
      { drafter: 'prompt-lookup', k: 4 },
    ];
    const drafters = configs.map((c) => createDrafter(model, c));
    let steps = 0;
    let run = 0;
    let baseline = 0;
    const prompts = ['And it came to pass', 'def main(args):\n', 'In the beginning'];
    while (steps < STEPS) {
      const r = await speculativeGenerate(model, drafters[run % drafters.length]!, prompts[run % prompts.length]!, {
        maxTokens: 240, stopAtEos: false, temperature: run % 2 ? 0.8 : 0, seed: run,
      });
      steps += r.steps.length - 1; // decode steps (the prefill is not one)
      run++;
      if (baseline === 0 && steps >= WARM_UP) baseline = mb();
    }
    const growth = mb() - baseline;
    console.log(`memory: ${steps} decode steps in ${run} runs, RSS ${baseline.toFixed(0)} -> ${mb().toFixed(0)} MB`);
    expect(growth).toBeLessThan(ALLOWED_GROWTH_MB);
  }, 600_000);
});
