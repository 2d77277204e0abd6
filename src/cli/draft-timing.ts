/**
 * What a k-token draft costs, against the base model's 1-token step t(1): k single-step runs
 * of the drafter (eagle.onnx, draft_model.onnx, each run followed by its argmax or its
 * softmax and draw in JS, as the drafters do) against one run of its loop graph
 * (draft-loop.ts), k = 1 .. 4, after `--context` tokens, interleaved rep by rep so drift hits
 * every form alike. Medians, printed as JSON with each form's ratio to t(1), and the ratio of
 * 10th percentiles beside it.
 *
 *   npx tsx src/cli/draft-timing.ts [modelDir] [--reps N] [--context P] [--temperature T]
 *     [--unrolled DIR]   also time DIR/onnx/<kind>_unroll<k>.onnx (export_loop.py --unroll k),
 *                        the same k steps copied instead of looped; DIR holds a config.json
 */
import { existsSync } from 'node:fs';
import { join } from 'node:path';

import { median, prefilled, timeForward } from '../engine/runtime/cost-probe.ts';
import { causalBias, loadModel } from '../engine/index.ts';
import { loadDraftLoop, type DraftLoop, type DraftLoopKind } from '../engine/runtime/draft-loop.ts';
import { KVCache, type KVStore } from '../engine/runtime/kv-cache.ts';
import { nodeFiles } from '../engine/runtime/node-files.ts';
import { argmax, sampleFrom, toProbs } from '../engine/decoding/sampling.ts';
import { Rng } from '../engine/decoding/rng.ts';
import { createSession, eagleSignature, lmSignature, ort } from '../engine/runtime/session.ts';
import type { LMConfig } from '../engine/runtime/config.ts';

function arg(name: string, fallback: number): number {
  const i = process.argv.indexOf(name);
  if (i < 0) return fallback;
  const v = Number(process.argv[i + 1]);
  if (!(Number.isFinite(v) && v >= 0)) throw new Error(`${name} expects a number >= 0, got ${process.argv[i + 1]}`);
  return v;
}
const positional = process.argv.slice(2).filter((a, i, all) => !a.startsWith('--') && !all[i - 1]?.startsWith('--'));
const dir = positional[0] ?? 'public/models/toy';
const reps = arg('--reps', 60);
const context = arg('--context', 128);
const temperature = arg('--temperature', 0);
const ui = process.argv.indexOf('--unrolled');
const unrolledDir = ui >= 0 ? process.argv[ui + 1]! : null;
const KS = [1, 2, 3, 4];

/** One single-step run as the drafters make it: fetch logits, hidden_states and the new KV rows. */
async function stepRun(session: ort.InferenceSession, lm: LMConfig, eagle: boolean, cache: KVStore, token: number, feature: Float32Array<ArrayBuffer>): Promise<{ logits: Float32Array; hidden: Float32Array<ArrayBuffer> }> {
  const P = cache.length;
  const feeds: Record<string, ort.Tensor> = {
    input_ids: new ort.Tensor('int64', BigInt64Array.of(BigInt(token)), [1, 1]), // [1, 1]
    position_ids: new ort.Tensor('int64', BigInt64Array.of(BigInt(P)), [1, 1]), // [1, 1]
    attention_bias: new ort.Tensor('float32', causalBias(1, P), [1, 1, 1, P + 1]), // [1, 1, 1, P+1]
    ...cache.pastFeeds(),
  };
  if (eagle) feeds.features = new ort.Tensor('float32', feature, [1, 1, lm.n_embd]); // [1, 1, C]
  const out = await session.run(feeds, ['logits', 'hidden_states', ...KVCache.outputNames(lm.n_layer)]);
  cache.append(out, 1);
  return { logits: out.logits!.data as Float32Array, hidden: out.hidden_states!.data as Float32Array<ArrayBuffer> };
}

const rng = new Rng(1);
/** k single steps, each followed by the drafter's choice in JS; the cache is cut back after. */
async function singleSteps(session: ort.InferenceSession, lm: LMConfig, eagle: boolean, cache: KVStore, k: number, V: number): Promise<number> {
  const P = cache.length;
  let feature: Float32Array<ArrayBuffer> = new Float32Array(lm.n_embd);
  let token = 40;
  const t0 = performance.now();
  for (let i = 0; i < k; i++) {
    const { logits, hidden } = await stepRun(session, lm, eagle, cache, token, feature);
    token = temperature === 0 ? argmax(logits, 0, V) : sampleFrom(toProbs(logits, { temperature, topK: 0, topP: 1 }, 0, V), rng.uniform());
    feature = hidden;
  }
  const ms = performance.now() - t0;
  cache.truncate(P);
  return ms;
}

async function loopRun(loop: DraftLoop, cache: KVStore, k: number): Promise<number> {
  const P = cache.length;
  const C = loop.config.n_embd;
  const t0 = performance.now();
  await loop.run({
    inputIds: [40],
    positionIds: [P],
    attentionBias: causalBias(1, P),
    ...(loop.kind === 'eagle' ? { features: new Float32Array(C) } : {}),
    cache,
    uniforms: Array.from({ length: k }, () => rng.uniform()),
    temperature,
  });
  const ms = performance.now() - t0;
  cache.truncate(P);
  return ms;
}

const files = nodeFiles(dir);
const model = await loadModel(files, { parts: [] });
const config = model.config;
const V = config.vocab_size;
const baseCache = await prefilled(model.base, context, config.bos_token_id);
const kinds: DraftLoopKind[] = config.eagle ? ['eagle', 'draft_model'] : ['draft_model'];
type Forms = { steps: ort.InferenceSession; lm: LMConfig; loop: DraftLoop; unrolled: Map<number, DraftLoop>; cache: KVStore };
const forms = new Map<DraftLoopKind, Forms>();
for (const kind of kinds) {
  const lm = kind === 'eagle' ? config.eagle! : config.draft_model;
  const steps = await createSession(await files.bytes(lm.file), lm.file, kind === 'eagle' ? eagleSignature(config.eagle!, V) : lmSignature(lm, V));
  const loop = await loadDraftLoop(files, kind);
  if (!loop) throw new Error(`${dir}/config.json has no ${kind}_loop entry: run python3 train/export_loop.py ${dir}`);
  const unrolled = new Map<number, DraftLoop>();
  for (const k of KS) {
    const rel = `onnx/${kind}_unroll${k}.onnx`;
    if (unrolledDir && existsSync(join(unrolledDir, rel))) unrolled.set(k, (await loadDraftLoop(nodeFiles(unrolledDir), kind, rel))!);
  }
  // the drafter's cache after `context` tokens (their keys: any plausible rows will do for timing)
  const cache = new KVCache({ nLayer: lm.n_layer, nHead: lm.n_head, headDim: lm.head_dim });
  for (let p = 0; p < context; p++) await stepRun(steps, lm, kind === 'eagle', cache, 32 + (p % 60), new Float32Array(lm.n_embd));
  forms.set(kind, { steps, lm, loop, unrolled, cache });
}

const t1: number[] = [];
const times = new Map<string, number[]>();
const add = (key: string, ms: number) => (times.get(key) ?? times.set(key, []).get(key)!).push(ms);
for (let r = 0; r < reps + 5; r++) {
  const keep = r >= 5; // the first runs warm up kernels and allocations
  const base = await timeForward(model.base, baseCache, 1);
  if (keep) t1.push(base);
  for (const [kind, f] of forms) {
    for (const k of KS) {
      const s = await singleSteps(f.steps, f.lm, kind === 'eagle', f.cache, k, V);
      const l = await loopRun(f.loop, f.cache, k);
      const u = f.unrolled.get(k);
      const un = u ? await loopRun(u, f.cache, k) : null;
      if (!keep) continue;
      add(`${kind}.steps.${k}`, s);
      add(`${kind}.loop.${k}`, l);
      if (un !== null) add(`${kind}.unrolled.${k}`, un);
    }
  }
}
const base1 = median(t1);
/** The 10th percentile: on a shared machine the fast runs are the ones nothing else interrupted. */
const p10 = (xs: readonly number[]) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 10)]!;
const result: Record<string, unknown> = { model: model.id, context, reps, temperature, t1_ms: +base1.toFixed(3), t1_p10_ms: +p10(t1).toFixed(3) };
for (const kind of kinds) {
  const rows: Record<string, unknown>[] = [];
  for (const k of KS) {
    const row: Record<string, unknown> = { k };
    for (const form of ['steps', 'loop', 'unrolled']) {
      const xs = times.get(`${kind}.${form}.${k}`);
      if (!xs) continue;
      row[`${form}_ms`] = +median(xs).toFixed(3);
      row[`${form}_over_t1`] = +(median(xs) / base1).toFixed(3);
      row[`${form}_p10_over_t1`] = +(p10(xs) / p10(t1)).toFixed(3);
    }
    rows.push(row);
  }
  result[kind] = rows;
}
console.log(JSON.stringify(result, null, 2));
