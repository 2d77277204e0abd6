/**
 * The KV cache of one sequence on the GPU, for a WebGPU session: per layer a key and a
 * value 'gpu-buffer' tensor [1, H, L, Dh] that never comes to the CPU. The session returns
 * present = past + new on the GPU (session.ts sets preferredOutputLocation), so appending is
 * adopting those tensors, as the CPU cache once did. Rolling back, truncate(len) and
 * gather(positions), copies each head's kept row runs into a fresh buffer with
 * copyBufferToBuffer (a buffer cannot be copied onto itself) on onnxruntime's own device,
 * so the copies queue behind the forward that wrote the rows and ahead of the next one.
 * Same interface as KVCache (KVStore); CausalLM.newCache() picks this one on WebGPU.
 */
import type { KVShape, KVStore } from './kv-cache.ts';
import { gpuDevice, ort, type GpuBufferLike, type GpuDeviceLike } from './session.ts';

type Tensor = ort.Tensor;

/** GPUBufferUsage flags (the global exists only in browsers). */
const USAGE = { MAP_READ: 0x0001, COPY_SRC: 0x0004, COPY_DST: 0x0008, STORAGE: 0x0080 };
const MAP_MODE_READ = 0x0001;
const F32 = 4;

/**
 * Runs of consecutive positions as [destination row, source row, rows], e.g.
 * [0, 1, 2, 5, 6, 3] -> [[0, 0, 3], [3, 5, 2], [5, 3, 1]].
 */
export function rowRuns(positions: readonly number[]): Array<[number, number, number]> {
  const runs: Array<[number, number, number]> = [];
  for (let j = 0; j < positions.length; j++) {
    const last = runs[runs.length - 1];
    if (last && last[1] + last[2] === positions[j]) last[2]++;
    else runs.push([j, positions[j]!, 1]);
  }
  return runs;
}

export class GpuKVCache implements KVStore {
  /** The outputs a forward fetches for this cache: present.* stays on the GPU. */
  static outputNames(nLayer: number): string[] {
    const names: string[] = [];
    for (let i = 0; i < nLayer; i++) names.push(`present.${i}.key`, `present.${i}.value`);
    return names;
  }

  private keys: Tensor[];
  private values: Tensor[];
  private len = 0;
  private released = false;

  constructor(
    readonly shape: KVShape,
    private readonly device: GpuDeviceLike = gpuDevice(),
  ) {
    this.keys = Array.from({ length: shape.nLayer }, () => this.empty());
    this.values = Array.from({ length: shape.nLayer }, () => this.empty());
  }

  get length(): number {
    return this.len;
  }

  /** [1, H, 0, Dh] on the CPU: what a forward is fed before the first one. */
  private empty(): Tensor {
    return new ort.Tensor('float32', new Float32Array(0), [1, this.shape.nHead, 0, this.shape.headDim]);
  }

  private live(): void {
    if (this.released) throw new Error('this KV cache was released; make a new one with model.newCache()');
  }

  pastFeeds(): Record<string, Tensor> {
    this.live();
    const feeds: Record<string, Tensor> = {};
    for (let i = 0; i < this.shape.nLayer; i++) {
      feeds[`past_key_values.${i}.key`] = this.keys[i]!; // [1, H, P, Dh]
      feeds[`past_key_values.${i}.value`] = this.values[i]!; // [1, H, P, Dh]
    }
    return feeds;
  }

  /** Adopts present.{i}.key|value ([1, H, P+T, Dh], on the GPU), deleting them from `outputs`. */
  append(outputs: Record<string, Tensor>, T: number): void {
    this.live();
    const { nLayer, nHead: H, headDim: Dh } = this.shape;
    const want = this.len + T;
    const names = GpuKVCache.outputNames(nLayer);
    for (const name of names) {
      const t = outputs[name];
      const d = t?.dims;
      if (!t || t.location !== 'gpu-buffer' || d!.length !== 4 || d![0] !== 1 || d![1] !== H || d![2] !== want || d![3] !== Dh) {
        throw new Error(
          `${name} should be a gpu-buffer tensor [1, ${H}, ${want}, ${Dh}] (past ${this.len} + ${T} new), ` +
            `found ${t ? `${t.location} [${d!.join(', ')}]` : 'nothing'}; the session must keep present.* on the GPU (createSession on webgpu does)`,
        );
      }
    }
    const taken = names.map((n) => {
      const t = outputs[n]!;
      delete outputs[n];
      return t;
    });
    this.replace(
      taken.filter((_, j) => j % 2 === 0),
      taken.filter((_, j) => j % 2 === 1),
      want,
    );
  }

  truncate(len: number): void {
    this.live();
    if (!Number.isInteger(len) || len < 0 || len > this.len) {
      throw new Error(`truncate(${len}): expected an integer in [0, ${this.len}] (the cache length)`);
    }
    if (len === this.len) return;
    const { keys, values } = this.copyRuns([[0, 0, len]], len);
    this.replace(keys, values, len);
  }

  /** Keeps only the given positions, in the given order (e.g. the prefix plus a tree's accepted path). */
  gather(positions: readonly number[]): void {
    this.live();
    for (const p of positions) {
      if (!Number.isInteger(p) || p < 0 || p >= this.len) {
        throw new Error(`gather: position ${p} is outside the cache [0, ${this.len})`);
      }
    }
    const { keys, values } = this.copyRuns(rowRuns(positions), positions.length);
    this.replace(keys, values, positions.length);
  }

  /** An independent copy on the GPU. */
  clone(): GpuKVCache {
    this.live();
    const c = new GpuKVCache(this.shape, this.device);
    const { keys, values } = this.copyRuns([[0, 0, this.len]], this.len);
    c.replace(keys, values, this.len);
    return c;
  }

  /** Layer i's key or value rows [1, H, L, Dh], read back from the GPU (for inspection and tests). */
  async readLayer(i: number, which: 'key' | 'value'): Promise<Float32Array> {
    this.live();
    const t = (which === 'key' ? this.keys : this.values)[i];
    if (!t) throw new Error(`layer ${i} is outside [0, ${this.shape.nLayer})`);
    if (this.len === 0) return new Float32Array(0);
    const bytes = t.size * F32;
    const staging = this.device.createBuffer({ size: bytes, usage: USAGE.MAP_READ | USAGE.COPY_DST });
    const enc = this.device.createCommandEncoder();
    enc.copyBufferToBuffer(t.gpuBuffer as unknown as GpuBufferLike, 0, staging, 0, bytes);
    this.device.queue.submit([enc.finish()]);
    await staging.mapAsync(MAP_MODE_READ);
    const out = new Float32Array(staging.getMappedRange().slice(0));
    staging.unmap();
    staging.destroy();
    return out;
  }

  release(): void {
    if (this.released) return;
    this.disposeAll();
    this.keys = [];
    this.values = [];
    this.len = 0;
    this.released = true;
  }

  /**
   * New [1, H, n, Dh] tensors holding, per head, the row runs [dst, src, rows] of the current
   * [1, H, L, Dh] ones: one command buffer for every layer's copies.
   */
  private copyRuns(runs: ReadonlyArray<readonly [number, number, number]>, n: number): { keys: Tensor[]; values: Tensor[] } {
    const { nHead: H, headDim: Dh } = this.shape;
    const L = this.len;
    if (n === 0) return { keys: this.keys.map(() => this.empty()), values: this.values.map(() => this.empty()) };
    const enc = this.device.createCommandEncoder();
    const copy = (t: Tensor): Tensor => {
      const src = t.gpuBuffer as unknown as GpuBufferLike; // [1, H, L, Dh]
      const dst = this.device.createBuffer({ size: H * n * Dh * F32, usage: USAGE.STORAGE | USAGE.COPY_SRC | USAGE.COPY_DST }); // [1, H, n, Dh]
      for (let h = 0; h < H; h++) {
        for (const [to, from, rows] of runs) {
          enc.copyBufferToBuffer(src, (h * L + from) * Dh * F32, dst, (h * n + to) * Dh * F32, rows * Dh * F32);
        }
      }
      return ort.Tensor.fromGpuBuffer(dst as never, { dataType: 'float32', dims: [1, H, n, Dh], dispose: () => dst.destroy() });
    };
    const keys = this.keys.map(copy);
    const values = this.values.map(copy);
    this.device.queue.submit([enc.finish()]);
    return { keys, values };
  }

  private replace(keys: Tensor[], values: Tensor[], len: number): void {
    this.disposeAll();
    this.keys = keys;
    this.values = values;
    this.len = len;
  }

  private disposeAll(): void {
    for (const t of this.keys) t.dispose();
    for (const t of this.values) t.dispose();
  }
}
