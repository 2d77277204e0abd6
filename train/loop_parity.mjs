// Runs each onnx/<kind>_loop.onnx (export_loop.py) in onnxruntime-web (Node, wasm) against K
// runs of its single-step graph on the same inputs and prints, per kind, whether the drafted
// tokens agree and the largest |loop - steps| of the q rows and of the new KV rows, greedy and
// sampled. The context is 128 tokens of the base model's own greedy text (fewer on a model of a
// shorter context); EAGLE's features are the base's hidden states on it. Exit status 1 when a
// token differs or a difference reaches 1e-4. .ci/run calls it after the smoke export.
//   node train/loop_parity.mjs <model folder> [K]
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import * as ort from 'onnxruntime-web';

const [modelDir, kArg] = process.argv.slice(2);
const K = Number(kArg ?? 4);
ort.env.wasm.numThreads = 1;
const config = JSON.parse(readFileSync(join(modelDir, 'config.json'), 'utf8'));
const V = config.vocab_size;
const open = (file) => ort.InferenceSession.create(readFileSync(join(modelDir, file)));
const ids = (xs) => new ort.Tensor('int64', BigInt64Array.from(xs.map(BigInt)), [1, xs.length]);
const f32 = (data, dims) => new ort.Tensor('float32', data, dims);
const causal = (T, P) => {
  const b = new Float32Array(T * (P + T));
  for (let t = 0; t < T; t++) for (let s = P + t + 1; s < P + T; s++) b[t * (P + T) + s] = -Infinity;
  return b;
};
const empty = (lm) => f32(new Float32Array(0), [1, lm.n_head, 0, lm.head_dim]);
const pastNames = (n) => Array.from({ length: n }, (_, i) => [`past_key_values.${i}.key`, `past_key_values.${i}.value`]).flat();

// as decoding/sampling.ts: float64 softmax at T (1 when greedy), inverse-CDF draw, argmax when greedy
function choose(logits, off, temperature, u) {
  let max = -Infinity;
  for (let i = 0; i < V; i++) max = Math.max(max, logits[off + i]);
  const t = temperature > 0 ? temperature : 1;
  const q = new Float64Array(V);
  let sum = 0;
  for (let i = 0; i < V; i++) sum += q[i] = Math.exp((logits[off + i] - max) / t);
  for (let i = 0; i < V; i++) q[i] /= sum;
  let token = 0;
  if (temperature === 0) {
    for (let i = 1; i < V; i++) if (logits[off + i] > logits[off + token]) token = i;
  } else {
    let cum = 0;
    for (token = 0; token < V - 1; token++) if ((cum += q[token]) > u) break;
  }
  return { token, q };
}

// 128 tokens of context: the base model's greedy continuation of BOS, with its hidden states
const base = await open(config.model.file);
const P = Math.min(128, config.n_positions - K - 2);
let context = [config.bos_token_id];
let basePast = Object.fromEntries(pastNames(config.model.n_layer).map((n) => [n, empty(config.model)]));
const hidden = new Float32Array(P * config.model.n_embd);
for (let p = 0; p < P; p++) {
  const out = await base.run({ input_ids: ids([context[p]]), position_ids: ids([p]), attention_bias: f32(new Float32Array(p + 1), [1, 1, 1, p + 1]), ...basePast });
  hidden.set(out.hidden_states.data, p * config.model.n_embd);
  basePast = Object.fromEntries(pastNames(config.model.n_layer).map((n) => [n, out[n.replace('past_key_values', 'present')]]));
  context.push(choose(out.logits.data, 0, 0, 0).token); // context[P] is the root
}

const result = {};
for (const kind of ['eagle', 'draft_model']) {
  const lm = config[kind];
  if (!config[`${kind}_loop`]) continue;
  const step = await open(lm.file);
  const loop = await open(config[`${kind}_loop`].file);
  const C = lm.n_embd;
  const names = pastNames(lm.n_layer);
  // EAGLE's position t reads the base's feature at t and token t+1; the draft model reads token t
  const tokAt = (p) => context[kind === 'eagle' ? p + 1 : p];
  const feed = (from, to, past, P0) => {
    const T = to - from;
    const f = {
      input_ids: ids(Array.from({ length: T }, (_, i) => tokAt(from + i))),
      position_ids: ids(Array.from({ length: T }, (_, i) => from + i)),
      attention_bias: f32(causal(T, P0), [1, 1, T, P0 + T]),
      ...past,
    };
    if (kind === 'eagle') f.features = f32(hidden.slice(from * C, to * C), [1, T, C]);
    return f;
  };
  // the drafter's cache holds positions 0 .. P-3; the run feeds the last two (T = 2)
  const pre = await step.run(feed(0, P - 2, Object.fromEntries(names.map((n) => [n, empty(lm)])), 0));
  const past = Object.fromEntries(names.map((n) => [n, pre[n.replace('past_key_values', 'present')]]));
  const cases = [];
  for (const [temperature, seed] of [[0, 1], [0.7, 2], [1, 3], [0.7, 4], [1, 5]]) {
    let s = seed;
    const uniforms = Float32Array.from({ length: K }, () => ((s = (s * 1103515245 + 12345) % 2147483648) / 2147483648));
    const out = await loop.run({ ...feed(P - 2, P, past, P - 2), uniforms: f32(uniforms, [K]), temperature: f32(Float32Array.of(temperature), []) });
    // the same K steps one run each
    let o = await step.run(feed(P - 2, P, past, P - 2));
    let row = 1;
    let qDiff = 0;
    let kvDiff = 0;
    const tokens = [];
    const newRows = names.map((n) => [o[n.replace('past_key_values', 'new')]]);
    for (let j = 0; j < K; j++) {
      const { token, q } = choose(o.logits.data, row * V, temperature, uniforms[j]);
      tokens.push(token);
      for (let i = 0; i < V; i++) qDiff = Math.max(qDiff, Math.abs(q[i] - out.draft_q.data[j * V + i]));
      if (j === K - 1) break;
      const L = P + j;
      const f = { input_ids: ids([token]), position_ids: ids([L]), attention_bias: f32(new Float32Array(L + 1), [1, 1, 1, L + 1]) };
      for (const n of names) f[n] = o[n.replace('past_key_values', 'present')];
      if (kind === 'eagle') f.features = f32(o.hidden_states.data.slice((o.hidden_states.dims[1] - 1) * C), [1, 1, C]);
      o = await step.run(f);
      names.forEach((n, i) => newRows[i].push(o[n.replace('past_key_values', 'new')]));
      row = 0;
    }
    const H = lm.n_head;
    const Dh = lm.head_dim;
    names.forEach((n, i) => {
      const got = out[n.replace('past_key_values', 'new')];
      const rows = newRows[i];
      const W = rows.reduce((a, t) => a + t.dims[2], 0);
      if (got.dims[2] !== W) throw new Error(`${kind} ${n}: loop added ${got.dims[2]} rows, steps ${W}`);
      let at = 0;
      for (const t of rows) {
        const T = t.dims[2];
        for (let h = 0; h < H; h++) for (let r = 0; r < T * Dh; r++) {
          kvDiff = Math.max(kvDiff, Math.abs(t.data[h * T * Dh + r] - got.data[h * W * Dh + at * Dh + r]));
        }
        at += T;
      }
    });
    const loopTokens = Array.from(out.draft_tokens.data, Number);
    cases.push({ temperature, tokens_equal: loopTokens.every((t, i) => t === tokens[i]), tokens: loopTokens, q: qDiff, kv: kvDiff });
  }
  result[kind] = cases;
}
console.log(JSON.stringify({ K, context: P, ...result }));
const bad = Object.entries(result).flatMap(([kind, cases]) =>
  cases.filter((c) => !c.tokens_equal || !(c.q < 1e-4) || !(c.kv < 1e-4)).map((c) => `${kind} at temperature ${c.temperature}`));
if (bad.length) {
  console.error(`loop graphs differ from their single steps: ${bad.join(', ')}; re-export them with python3 train/export_loop.py ${modelDir}`);
  process.exit(1);
}
