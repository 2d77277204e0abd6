/**
 * Median wall time of bare base-model forwards at a context of ~64 tokens: 1 new token
 * (one autoregressive step) and 5 new tokens (one speculative verification), printed as
 * JSON. The ratio is what speculative decoding lives on: verifying k tokens should cost
 * far less than k single steps.
 *
 *   npx tsx src/cli/forward-timing.ts [modelDir] [--reps N] [--context P]
 */
import { causalBias, loadModel, type CausalLM, type KVStore } from '../engine/index.ts';
import { nodeFiles } from '../engine/node-files.ts';

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

const median = (xs: number[]) => {
  const s = [...xs].sort((a, b) => a - b);
  const m = s.length >> 1;
  return s.length % 2 ? s[m]! : (s[m - 1]! + s[m]!) / 2;
};

/** Times T-token forwards after a P-token prefix; the cache is cut back to P after each. */
async function time(lm: CausalLM, cache: KVStore, T: number): Promise<number[]> {
  const P = cache.length;
  const ids = Array.from({ length: T }, (_, i) => 40 + i);
  const pos = Array.from({ length: T }, (_, i) => P + i);
  const bias = causalBias(T, P);
  const out: number[] = [];
  for (let r = 0; r < reps + 5; r++) {
    const t0 = performance.now();
    await lm.forward(ids, pos, bias, cache);
    const dt = performance.now() - t0;
    cache.truncate(P);
    if (r >= 5) out.push(dt); // the first runs warm up kernels and allocations
  }
  return out;
}

const t0 = performance.now();
const model = await loadModel(nodeFiles(dir), { parts: ['draft_model'] });
const loadMs = performance.now() - t0;
const result: Record<string, unknown> = { model: model.id, dir, context, reps, load_ms: Math.round(loadMs) };
for (const [name, lm] of [['base', model.base], ['draft_model', model.draftModel!]] as const) {
  const cache = lm.newCache();
  const P = Math.min(context, model.config.n_positions - 5);
  const prefix = Array.from({ length: P }, (_, i) => (i === 0 ? model.config.bos_token_id : 32 + (i % 60)));
  await lm.forward(prefix, prefix.map((_, i) => i), causalBias(P, 0), cache);
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
