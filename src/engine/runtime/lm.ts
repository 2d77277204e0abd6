/**
 * Forward passes over the exported graphs: CausalLM (base or draft model, KV-cached, any
 * additive attention bias, so causal prefill, single-token decoding and tree verification
 * are one call; the EAGLE head is one too, fed a feature per token besides) and DraftHeads
 * (Medusa heads over chosen hidden states).
 *
 * Every ort tensor made here or returned by a run is disposed (the KV cache copies the new
 * rows into its own buffers, or on WebGPU adopts present.* on the GPU), so memory stays flat
 * over thousands of steps. A session runs one call at a time: await each forward before
 * starting the next on the same model.
 */
import type { HeadsConfig, LMConfig } from './config.ts';
import { KVCache, type KVStore } from './kv-cache.ts';
import { GpuKVCache } from './kv-cache-gpu.ts';
import { ort, ortBackend, type OrtBackend } from './session.ts';

export { causalBias } from './attention-bias.ts';

export interface ForwardResult {
  /** [T, V] row-major. */
  logits: Float32Array;
  /** [T, C] row-major: the final-norm hidden states the Medusa heads read. */
  hidden: Float32Array;
}

function int64(xs: readonly number[]): BigInt64Array {
  const out = new BigInt64Array(xs.length);
  for (let i = 0; i < xs.length; i++) out[i] = BigInt(xs[i]!);
  return out;
}

function take(outputs: Record<string, ort.Tensor>, name: string, size: number, what: string): Float32Array {
  const t = outputs[name];
  if (!t || t.type !== 'float32' || t.size !== size) {
    throw new Error(`${what}: output ${name} should hold ${size} float32 values, found ${t ? `${t.type}[${t.dims.join(', ')}]` : 'nothing'}`);
  }
  const data = t.data as Float32Array; // stays valid after dispose: a CPU copy, not a view of wasm memory
  t.dispose();
  return data;
}

const now = () => performance.now();

export class CausalLM {
  /** Wall time spent inside session.run so far (ms), and how many runs: the bare cost the
   *  bench sets the engine's own overhead against. */
  runMs = 0;
  runs = 0;
  readonly nLayer: number;
  readonly nEmbd: number;
  readonly nPositions: number;
  /** The backend the session was made on: it decides where the KV cache lives. */
  readonly backend: OrtBackend;
  private released = false;

  constructor(
    private readonly session: ort.InferenceSession,
    readonly config: LMConfig,
    readonly vocabSize: number,
    /** For errors: "model", "draft_model" or "eagle". */
    readonly name: string,
    /** The EAGLE head's graph: every forward also takes a feature [T, C] per token. */
    readonly takesFeatures = false,
  ) {
    this.nLayer = config.n_layer;
    this.nEmbd = config.n_embd;
    this.nPositions = config.n_positions;
    this.backend = ortBackend();
    const kv = this.backend === 'webgpu' ? GpuKVCache.outputNames(config.n_layer) : KVCache.outputNames(config.n_layer);
    this.fetches = ['logits', 'hidden_states', ...kv];
  }

  /** The outputs a forward fetches: on wasm the new rows (present.*, the whole cache, stays
   *  inside the runtime); on WebGPU present.*, which stays on the GPU. */
  private readonly fetches: string[];

  newCache(): KVStore {
    const shape = { nLayer: this.config.n_layer, nHead: this.config.n_head, headDim: this.config.head_dim };
    return this.backend === 'webgpu' ? new GpuKVCache(shape) : new KVCache(shape);
  }

  /**
   * Run T new tokens after the cache's P positions and append their keys/values to it.
   * attentionBias is [T, P+T] row-major, 0 where a query may attend and -Infinity elsewhere.
   * features [T, C] row-major: the EAGLE head's (takesFeatures), and only its.
   */
  async forward(
    inputIds: readonly number[],
    positionIds: readonly number[],
    attentionBias: Float32Array,
    cache: KVStore,
    features?: Float32Array,
  ): Promise<ForwardResult> {
    const T = inputIds.length;
    const P = cache.length;
    const V = this.vocabSize;
    const C = this.config.n_embd;
    this.check(inputIds, positionIds, attentionBias, cache);
    if (this.takesFeatures !== (features !== undefined) || (features && features.length !== T * C)) {
      const want = this.takesFeatures ? `features [T, C] = [${T}, ${C}] (${T * C} values)` : 'no features';
      throw new Error(`${this.name}.forward: expected ${want}, found ${features ? `${features.length} values` : 'none'}`);
    }
    const inputs: ort.Tensor[] = [
      new ort.Tensor('int64', int64(inputIds), [1, T]), // [1, T]
      new ort.Tensor('int64', int64(positionIds), [1, T]), // [1, T]
      new ort.Tensor('float32', attentionBias, [1, 1, T, P + T]), // [1, 1, T, P+T]
    ];
    if (features) inputs.push(new ort.Tensor('float32', features, [1, T, C])); // [1, T, C]
    const feeds = {
      input_ids: inputs[0]!,
      position_ids: inputs[1]!,
      attention_bias: inputs[2]!,
      ...(features ? { features: inputs[3]! } : {}),
      ...cache.pastFeeds(), // [1, H, P, Dh] each
    };
    let outputs: Record<string, ort.Tensor>;
    const t0 = now();
    try {
      outputs = await this.session.run(feeds, this.fetches);
    } finally {
      this.runMs += now() - t0;
      this.runs++;
      for (const t of inputs) t.dispose();
    }
    try {
      const logits = take(outputs, 'logits', T * V, this.name); // [T, V]
      const hidden = take(outputs, 'hidden_states', T * C, this.name); // [T, C]
      cache.append(outputs, T); // new.{i}.key|value [1, H, T, Dh] copied, or present.{i}.* [1, H, P+T, Dh] adopted
      return { logits, hidden };
    } finally {
      for (const t of Object.values(outputs)) t.dispose();
    }
  }

  private check(inputIds: readonly number[], positionIds: readonly number[], bias: Float32Array, cache: KVStore): void {
    const T = inputIds.length;
    const P = cache.length;
    const W = P + T;
    const where = `${this.name}.forward`;
    if (this.released) throw new Error(`${where}: this model was released; load it again with loadModel()`);
    if (T === 0) throw new Error(`${where}: expected at least one input token, got none`);
    if (positionIds.length !== T) {
      throw new Error(`${where}: ${T} input ids but ${positionIds.length} position ids; give one position per token`);
    }
    for (const id of inputIds) {
      if (!Number.isInteger(id) || id < 0 || id >= this.vocabSize) {
        throw new Error(`${where}: token id ${id} is outside the vocabulary [0, ${this.vocabSize})`);
      }
    }
    for (const p of positionIds) {
      if (!Number.isInteger(p) || p < 0 || p >= this.nPositions) {
        throw new Error(
          `${where}: position ${p} is outside the model's context [0, ${this.nPositions}); stop decoding before the context is full`,
        );
      }
    }
    if (bias.length !== T * W) {
      throw new Error(`${where}: attention bias should be [T, P+T] = [${T}, ${W}] (${T * W} values), found ${bias.length} values`);
    }
    for (let t = 0; t < T; t++) {
      let open = false;
      for (let j = t * W; j < (t + 1) * W && !open; j++) open = bias[j] === 0;
      // A row with nothing to attend to makes softmax NaN: refuse it rather than return NaN logits.
      if (!open) throw new Error(`${where}: attention bias row ${t} masks every key; each token must see at least itself`);
    }
    if (cache.shape.nLayer !== this.config.n_layer || cache.shape.nHead !== this.config.n_head || cache.shape.headDim !== this.config.head_dim) {
      throw new Error(`${where}: this KV cache was made for another model; use ${this.name}.newCache()`);
    }
  }

  async release(): Promise<void> {
    if (this.released) return;
    this.released = true;
    await this.session.release();
  }
}

export class DraftHeads {
  /** As CausalLM's: time inside session.run so far (ms) and the number of runs. */
  runMs = 0;
  runs = 0;
  /** K: how many heads, i.e. draft tokens per position. */
  readonly numHeads: number;
  /** Head k predicts the token offsets[k] positions past its hidden state's token. */
  readonly offsets: readonly number[];
  private released = false;

  constructor(
    private readonly session: ort.InferenceSession,
    readonly config: HeadsConfig,
    readonly vocabSize: number,
  ) {
    this.numHeads = config.num_heads;
    this.offsets = config.offsets;
  }

  /** hidden [N, C] row-major -> draft logits [N, K, V] row-major. */
  async run(hidden: Float32Array, N: number): Promise<Float32Array> {
    const C = this.config.n_embd;
    if (this.released) throw new Error('heads.run: the heads were released; load the model again with loadModel()');
    if (!Number.isInteger(N) || N < 1 || hidden.length !== N * C) {
      throw new Error(`heads.run: expected hidden states [N, C] = [${N}, ${C}] (${N * C} values), found ${hidden.length} values`);
    }
    const input = new ort.Tensor('float32', hidden, [1, N, C]); // [1, N, C]
    let outputs: Record<string, ort.Tensor>;
    const t0 = now();
    try {
      outputs = await this.session.run({ hidden_states: input });
    } finally {
      this.runMs += now() - t0;
      this.runs++;
      input.dispose();
    }
    return take(outputs, 'draft_logits', N * this.numHeads * this.vocabSize, 'heads'); // [N, K, V]
  }

  async release(): Promise<void> {
    if (this.released) return;
    this.released = true;
    await this.session.release();
  }
}
