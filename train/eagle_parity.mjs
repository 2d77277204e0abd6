// Runs onnx/eagle.onnx in onnxruntime-web (Node, wasm) on fixtures/<id>/eagle.json and prints
// the largest |ONNX - PyTorch| of logits and hidden_states over the prefill and every draft
// step, each step fed through the graph's own KV cache. train/check_eagle.py calls it.
//   node train/eagle_parity.mjs <model folder> <fixtures folder>
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import * as ort from 'onnxruntime-web';

const [modelDir, fixturesDir] = process.argv.slice(2);
ort.env.wasm.numThreads = 1;
const config = JSON.parse(readFileSync(join(modelDir, 'config.json'), 'utf8')).eagle;
const golden = JSON.parse(readFileSync(join(fixturesDir, 'eagle.json'), 'utf8'));
const tensor = (t) => {
  const b = readFileSync(join(fixturesDir, t.file)); // a Buffer may be a view into a shared pool
  return new Float32Array(b.buffer, b.byteOffset, b.byteLength / 4).slice();
};
const maxDiff = (a, b) => {
  if (a.length !== b.length) throw new Error(`length ${a.length}, fixture ${b.length}`);
  let m = 0;
  for (let i = 0; i < a.length; i++) m = Math.max(m, Math.abs(a[i] - b[i]));
  return m;
};
const session = await ort.InferenceSession.create(readFileSync(join(modelDir, config.file)));
const { n_head: H, head_dim: Dh, n_embd: C } = config;
const ids = (xs) => new ort.Tensor('int64', BigInt64Array.from(xs.map(BigInt)), [1, xs.length]);

const pre = golden.prefill;
const T = pre.input_ids.length;
const bias = new Float32Array(T * T);
for (let t = 0; t < T; t++) for (let s = t + 1; s < T; s++) bias[t * T + s] = -Infinity;
let out = await session.run({
  features: new ort.Tensor('float32', tensor(pre.features), [1, T, C]),
  input_ids: ids(pre.input_ids),
  position_ids: ids(pre.position_ids),
  attention_bias: new ort.Tensor('float32', bias, [1, 1, T, T]),
  'past_key_values.0.key': new ort.Tensor('float32', new Float32Array(0), [1, H, 0, Dh]),
  'past_key_values.0.value': new ort.Tensor('float32', new Float32Array(0), [1, H, 0, Dh]),
});
let logits = maxDiff(out.logits.data, tensor(pre.logits));
let hidden = maxDiff(out.hidden_states.data, tensor(pre.hidden_states));
let h = out.hidden_states.data.slice((T - 1) * C);
for (const step of golden.draft.steps) {
  const P = step.position_id;
  out = await session.run({
    features: new ort.Tensor('float32', h, [1, 1, C]),
    input_ids: ids([step.input_id]),
    position_ids: ids([P]),
    attention_bias: new ort.Tensor('float32', new Float32Array(P + 1), [1, 1, 1, P + 1]),
    'past_key_values.0.key': out['present.0.key'],
    'past_key_values.0.value': out['present.0.value'],
  });
  logits = Math.max(logits, maxDiff(out.logits.data, tensor(step.logits)));
  hidden = Math.max(hidden, maxDiff(out.hidden_states.data, tensor(step.hidden_states)));
  h = out.hidden_states.data.slice();
}
console.log(JSON.stringify({ logits, hidden_states: hidden, steps: golden.draft.steps.length }));
