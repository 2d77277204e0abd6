/**
 * Drafting in one run: a drafter graph that runs k draft steps in one session.run
 * (onnx/eagle_loop.onnx, onnx/draft_model_loop.onnx, written by train/export_loop.py), for
 * the EAGLE head and the draft model, so k drafts pay onnxruntime's per-run cost once and no
 * step copies the cache (src/cli/draft-timing.ts measures it against k single steps). Step 1
 * is the single-step graph on the caller's T inputs (the catch-up forward ending at the
 * root); steps 2..k feed back the token just drawn (EAGLE: and its own feature).
 *
 * Each token is drawn in the graph from q = softmax(logits / temperature) (softmax at T = 1
 * when greedy, as the single-step drafters report) with the uniform the caller passes, by
 * inverse CDF as sampleFrom, or is the argmax when greedy; the graph returns the tokens, their
 * q rows and the new KV rows (wasm only: the cache stays in a KVCache). top-k, top-p and the
 * logits processors are not in the graph: loopTakes() says when a drafter must run single
 * steps instead.
 */
import { z } from 'zod';

import type { ProcessorSettings } from '../decoding/processors.ts';
import { processorsOn } from '../decoding/processors.ts';
import type { SamplingParams } from '../decoding/sampling.ts';
import { parseConfig, type LMConfig } from './config.ts';
import type { ModelFiles } from './files.ts';
import { KVCache, type KVStore } from './kv-cache.ts';
import { createSession, lmSignature, ort, ortBackend, type GraphSignature, type TensorSpec } from './session.ts';

export type DraftLoopKind = 'eagle' | 'draft_model';

/** config.json's <kind>_loop entry (train/export_loop.py loop_entry). */
const loopEntry = z.object({
  file: z.string().min(1),
  step_file: z.string().min(1),
  inputs: z.array(z.string()),
  outputs: z.array(z.string()),
});
export type DraftLoopEntry = z.infer<typeof loopEntry>;

/** Whether a loop graph can draw under these settings: temperature or greedy only. */
export function loopTakes(sampling: SamplingParams, processors?: ProcessorSettings): boolean {
  return sampling.topK === 0 && sampling.topP === 1 && !(processors && processorsOn(processors));
}

/** The loop graph's signature: the single-step graph's inputs plus uniforms and temperature. */
export function draftLoopSignature(lm: LMConfig, kind: DraftLoopKind, vocabSize: number): GraphSignature {
  const step = lmSignature(lm, vocabSize);
  const kv = (name: string, len: string): TensorSpec => ({ name, type: 'float32', dims: [1, lm.n_head, len, lm.head_dim] });
  const inputs: TensorSpec[] = [
    ...(kind === 'eagle' ? [{ name: 'features', type: 'float32' as const, dims: [1, 'T', lm.n_embd] }] : []),
    ...step.inputs,
    { name: 'uniforms', type: 'float32', dims: ['K'] },
    { name: 'temperature', type: 'float32', dims: [] },
  ];
  const outputs: TensorSpec[] = [
    { name: 'draft_tokens', type: 'int64', dims: ['K'] },
    { name: 'draft_q', type: 'float32', dims: ['K', vocabSize] },
  ];
  for (let i = 0; i < lm.n_layer; i++) for (const w of ['key', 'value']) outputs.push(kv(`new.${i}.${w}`, 'T+K-1'));
  return { inputs, outputs };
}

export interface DraftLoopRequest {
  /** [T] the tokens the drafter's cache has not seen, the root last (EAGLE: the token after each feature). */
  inputIds: readonly number[];
  /** [T] their positions. */
  positionIds: readonly number[];
  /** [T, P+T] row-major, 0 or -Infinity, over the cache's P keys and the T new ones. */
  attentionBias: Float32Array;
  /** [T, C] row-major: EAGLE's features (the base's hidden states there); absent for the draft model. */
  features?: Float32Array;
  cache: KVStore;
  /** [k] one uniform in [0, 1) per draft token: k is how many the run drafts (read when temperature > 0). */
  uniforms: ArrayLike<number>;
  /** 0 = greedy. */
  temperature: number;
}

export interface DraftLoopResult {
  /** [k] the drafted tokens. */
  tokens: number[];
  /** [k, V] row-major: the distribution each token was drawn from (softmax at T = 1 when greedy). */
  q: Float32Array;
}

export class DraftLoop {
  /** As CausalLM's: wall time inside session.run so far (ms) and the number of runs. */
  runMs = 0;
  runs = 0;
  private released = false;
  private readonly fetches: string[];

  constructor(
    private readonly session: ort.InferenceSession,
    readonly kind: DraftLoopKind,
    readonly config: LMConfig,
    readonly vocabSize: number,
  ) {
    this.fetches = ['draft_tokens', 'draft_q', ...KVCache.outputNames(config.n_layer)];
  }

  /**
   * Runs the T inputs and then k - 1 more draft steps; the cache gains T + k - 1 rows (the
   * inputs and drafts 1 .. k-1: draft k is drawn, not fed).
   */
  async run(req: DraftLoopRequest): Promise<DraftLoopResult> {
    const { inputIds, positionIds, attentionBias, cache, uniforms, temperature } = req;
    const T = inputIds.length;
    const P = cache.length;
    const k = uniforms.length;
    const V = this.vocabSize;
    const C = this.config.n_embd;
    this.check(req);
    const inputs: Record<string, ort.Tensor> = {
      input_ids: new ort.Tensor('int64', BigInt64Array.from(inputIds, BigInt), [1, T]), // [1, T]
      position_ids: new ort.Tensor('int64', BigInt64Array.from(positionIds, BigInt), [1, T]), // [1, T]
      attention_bias: new ort.Tensor('float32', attentionBias, [1, 1, T, P + T]), // [1, 1, T, P+T]
      uniforms: new ort.Tensor('float32', Float32Array.from(uniforms), [k]), // [k]
      temperature: new ort.Tensor('float32', Float32Array.of(temperature), []), // []
    };
    if (this.kind === 'eagle') inputs.features = new ort.Tensor('float32', req.features!, [1, T, C]); // [1, T, C]
    let outputs: Record<string, ort.Tensor>;
    const t0 = performance.now();
    try {
      outputs = await this.session.run({ ...inputs, ...cache.pastFeeds() }, this.fetches);
    } finally {
      this.runMs += performance.now() - t0;
      this.runs++;
      for (const t of Object.values(inputs)) t.dispose();
    }
    try {
      const tok = outputs.draft_tokens;
      const q = outputs.draft_q;
      if (!tok || tok.size !== k || !q || q.type !== 'float32' || q.size !== k * V) {
        throw new Error(`${this.kind}_loop: expected draft_tokens [${k}] and draft_q [${k}, ${V}], found ${tok?.dims ?? 'nothing'} and ${q?.dims ?? 'nothing'}`);
      }
      const tokens = Array.from(tok.data as BigInt64Array, Number);
      cache.append(outputs, T + k - 1); // new.{i}.* [1, H, T+k-1, Dh] copied
      return { tokens, q: q.data as Float32Array };
    } finally {
      for (const t of Object.values(outputs)) t.dispose();
    }
  }

  private check(req: DraftLoopRequest): void {
    const where = `${this.kind}_loop.run`;
    const T = req.inputIds.length;
    const W = req.cache.length + T;
    const k = req.uniforms.length;
    if (this.released) throw new Error(`${where}: this graph was released; load it again with loadDraftLoop()`);
    if (T === 0) throw new Error(`${where}: expected at least one input token (the root), got none`);
    if (req.positionIds.length !== T) throw new Error(`${where}: ${T} input ids but ${req.positionIds.length} position ids; give one position per token`);
    for (const id of req.inputIds) {
      if (!Number.isInteger(id) || id < 0 || id >= this.vocabSize) throw new Error(`${where}: token id ${id} is outside the vocabulary [0, ${this.vocabSize})`);
    }
    const last = req.positionIds[T - 1]!;
    for (const p of req.positionIds) {
      if (!Number.isInteger(p) || p < 0) throw new Error(`${where}: position ${p} is not a non-negative integer`);
    }
    if (last + k > this.config.n_positions) {
      throw new Error(`${where}: ${k} drafts after position ${last} go past the context (${this.config.n_positions}); draft fewer tokens`);
    }
    if (req.attentionBias.length !== T * W) {
      throw new Error(`${where}: attention bias should be [T, P+T] = [${T}, ${W}] (${T * W} values), found ${req.attentionBias.length} values`);
    }
    if (!Number.isInteger(k) || k < 1) throw new Error(`${where}: expected one uniform per draft token (k >= 1), got ${k}`);
    for (let i = 0; i < k; i++) {
      const u = req.uniforms[i]!;
      if (!(u >= 0 && u < 1)) throw new Error(`${where}: uniforms[${i}] = ${u} is outside [0, 1); draw them with the decode's Rng`);
    }
    if (!(Number.isFinite(req.temperature) && req.temperature >= 0)) throw new Error(`${where}: temperature must be a finite number >= 0, got ${req.temperature}`);
    const C = this.config.n_embd;
    if (this.kind === 'eagle' && req.features?.length !== T * C) {
      throw new Error(`${where}: features should be [T, C] = [${T}, ${C}] (${T * C} values), found ${req.features?.length ?? 'none'}`);
    }
    if (this.kind !== 'eagle' && req.features) throw new Error(`${where}: the draft model reads no features; leave them out`);
    const s = req.cache.shape;
    if (s.nLayer !== this.config.n_layer || s.nHead !== this.config.n_head || s.headDim !== this.config.head_dim) {
      throw new Error(`${where}: this KV cache was made for another model; use the ${this.kind} graph's own cache`);
    }
  }

  async release(): Promise<void> {
    if (this.released) return;
    this.released = true;
    await this.session.release();
  }
}

/**
 * The <kind>_loop graph of a model folder, or null when its config.json has none (folders
 * exported before drafting in one run). `file` overrides the graph file (another form of
 * the same graph, for measurements).
 */
export async function loadDraftLoop(files: ModelFiles, kind: DraftLoopKind, file?: string): Promise<DraftLoop | null> {
  const text = await files.text('config.json');
  const config = parseConfig(text, `config.json in ${files.where}`);
  const raw = (JSON.parse(text) as Record<string, unknown>)[`${kind}_loop`];
  const lm = kind === 'eagle' ? config.eagle : config.draft_model;
  if (raw === undefined || !lm) return null;
  const parsed = loopEntry.safeParse(raw);
  if (!parsed.success) {
    throw new Error(
      `config.json in ${files.where}: ${kind}_loop does not match train/export_loop.py's entry ` +
        `(${parsed.error.issues.map((i) => `${i.path.join('.')}: ${i.message}`).join('; ')}); re-export it with \`npm run train\``,
    );
  }
  // the loop graphs return the new KV rows alone, for a cache kept in JS: onnxruntime runs
  // Loop on the CPU, so on WebGPU every step would bounce the cache between devices
  if (ortBackend() === 'webgpu') throw new Error(`${kind}_loop runs on the wasm backend only; on WebGPU draft with single steps (the ${kind} graph)`);
  const rel = file ?? parsed.data.file;
  const bytes = await files.bytes(rel);
  const session = await createSession(bytes, `${rel} in ${files.where}`, draftLoopSignature(lm, kind, config.vocab_size));
  return new DraftLoop(session, kind, lm, config.vocab_size);
}
