/**
 * Median wall time of bare base-model forwards at a context of ~64 tokens: 1 new token
 * (one autoregressive step) and 5 new tokens (one speculative verification), printed as
 * JSON. The ratio is what speculative decoding lives on: verifying k tokens should cost
 * far less than k single steps.
 *
 *   npx tsx src/cli/forward-timing.ts [modelDir] [--reps N] [--context P]
 */
import { median, prefilled, timeForward } from '../engine/runtime/cost-probe.ts';
import { loadModel, type CausalLM, type KVStore } from '../engine/index.ts';
import { nodeFiles } from '../engine/runtime/node-files.ts';

function arg(name: string, fallback: number): number {
  const i = process.argv.indexOf(name);
  if (i < 0) return fallback;
  const v = Number(process.argv[i + 1]);
  if (!Number.isInteger(v) || v <= 0) throw new Error(`${name} expects a positive integer, got ${process.argv[i + 1]}`);
  return v;
}

const positional = process.argv.slice(2).filter((a, i, all) => !a.startsWith('--') && !all[i - 1]?.startsWith('--'));
const dir = positional[0] ?? 'public/models/toy';
const reps = arg('--reps', 50);
const context = arg('--context', 64);

/** Times T-token forwards after a P-token prefix; the cache is cut back to P after each. */
async function time(lm: CausalLM, cache: KVStore, T: number): Promise<number[]> {
  const out: number[] = [];
  for (let r = 0; r < reps + 5; r++) {
    const dt = await timeForward(lm, cache, T);
    if (r >= 5) out.push(dt); // the first runs warm up kernels and allocations
  }
  return out;
}

const t0 = performance.now();
const model = await loadModel(nodeFiles(dir), { parts: ['draft_model'] });
const loadMs = performance.now() - t0;
const result: Record<string, unknown> = { model: model.id, dir, context, reps, load_ms: Math.round(loadMs) };
for (const [name, lm] of [['base', model.base], ['draft_model', model.draftModel!]] as const) {
  const cache = await prefilled(lm, Math.min(context, model.config.n_positions - 5), model.config.bos_token_id);
  const one = await time(lm, cache, 1);
  const five = await time(lm, cache, 5);
  result[name] = {
    forward_1_ms: +median(one).toFixed(3),
    forward_5_ms: +median(five).toFixed(3),
    ratio_5_over_1: +(median(five) / median(one)).toFixed(2),
  };
  cache.release();
}
await model.release();
console.log(JSON.stringify(result, null, 2));
