/**
 * The KV cache of one sequence: per layer a key and a value buffer holding [1, H, L, Dh]
 * at its front, with room to grow, fed to the next forward as views (no copy in JS).
 *
 * Appending takes the forward's new.{i}.key|value outputs, the T new rows alone
 * ([1, H, T, Dh]): onnxruntime-web copies every fetched output out of wasm memory into a
 * fresh array, so fetching present (P+T rows) would copy and allocate the whole cache per
 * step and leave it to the garbage collector. Instead each head's rows move up in place to
 * make room (head-major layout) and the T rows are written after them. Rolling back after
 * speculation is truncate(len) (a length change) or gather(positions) (keep the accepted
 * tree path's entries, in order), as in Medusa's update_inference_inputs; both work in
 * place, moving each head's kept rows down. Nothing is allocated per step. Call them
 * between forwards only (a forward reads its past views while it runs, as every session
 * call is awaited).
 */
import { ort } from './session.ts';

type Tensor = ort.Tensor;

export interface KVShape {
  nLayer: number;
  nHead: number;
  headDim: number;
}

/**
 * What a forward needs of a KV cache, on whatever device it lives: this CPU one, or
 * kv-cache-gpu.ts for a WebGPU session (CausalLM.newCache() picks).
 */
export interface KVStore {
  readonly shape: KVShape;
  /** Cached positions: the P of the next forward. */
  readonly length: number;
  /** The past_key_values.{i}.key|value feeds for the next forward ([1, H, P, Dh] each). */
  pastFeeds(): Record<string, Tensor>;
  /**
   * Take in a forward's outputs after T new tokens. A store that keeps output tensors
   * deletes them from `outputs`; the caller disposes what is left.
   */
  append(outputs: Record<string, Tensor>, T: number): void;
  /** Forget every position from len on. */
  truncate(len: number): void;
  /** Keep only the given positions, in the given order. */
  gather(positions: readonly number[]): void;
  /** An independent copy (e.g. to try a branch and keep the original). */
  clone(): KVStore;
  release(): void;
}

/** Rows of room a new cache starts with; it doubles when full. */
const INITIAL_ROWS = 64;

export class KVCache implements KVStore {
  /** Per layer: [1, H, len, Dh] at the front of a buffer of `rows` rows per head. */
  private keys: Float32Array[];
  private values: Float32Array[];
  private rows = 0;
  private len = 0;
  private released = false;

  constructor(readonly shape: KVShape) {
    this.keys = Array.from({ length: shape.nLayer }, () => new Float32Array(0));
    this.values = Array.from({ length: shape.nLayer }, () => new Float32Array(0));
  }

  /** Cached positions: the P of the next forward. */
  get length(): number {
    return this.len;
  }

  private live(): void {
    if (this.released) throw new Error('this KV cache was released; make a new one with model.newCache()');
  }

  private view(buf: Float32Array): Float32Array {
    const { nHead: H, headDim: Dh } = this.shape;
    return buf.subarray(0, H * this.len * Dh); // [1, H, len, Dh]
  }

  /** The past_key_values.{i}.key|value feeds for the next forward. */
  pastFeeds(): Record<string, Tensor> {
    this.live();
    const { nHead: H, headDim: Dh } = this.shape;
    const dims = [1, H, this.len, Dh];
    const feeds: Record<string, Tensor> = {};
    for (let i = 0; i < this.shape.nLayer; i++) {
      feeds[`past_key_values.${i}.key`] = new ort.Tensor('float32', this.view(this.keys[i]!), dims); // [1, H, P, Dh]
      feeds[`past_key_values.${i}.value`] = new ort.Tensor('float32', this.view(this.values[i]!), dims); // [1, H, P, Dh]
    }
    return feeds;
  }

  /** The output names append() reads: the T new rows of every layer's keys and values. */
  static outputNames(nLayer: number): string[] {
    const names: string[] = [];
    for (let i = 0; i < nLayer; i++) names.push(`new.${i}.key`, `new.${i}.value`);
    return names;
  }

  /** Take a forward's new.{i}.key|value outputs ([1, H, T, Dh]) after T new tokens. */
  append(outputs: Record<string, Tensor>, T: number): void {
    this.live();
    const { nLayer, nHead: H, headDim: Dh } = this.shape;
    const fresh: Float32Array[] = [];
    for (let i = 0; i < nLayer; i++) {
      for (const which of ['key', 'value']) {
        const t = outputs[`new.${i}.${which}`];
        const d = t?.dims;
        if (!t || t.type !== 'float32' || d!.length !== 4 || d![0] !== 1 || d![1] !== H || d![2] !== T || d![3] !== Dh) {
          throw new Error(
            `new.${i}.${which} should be float32 [1, ${H}, ${T}, ${Dh}] (the ${T} new positions), ` +
              `found ${t ? `${t.type}[${d!.join(', ')}]` : 'nothing'}; the graph does not follow the KV-cache convention (re-export it with \`npm run train\`)`,
          );
        }
        fresh.push(t.data as Float32Array);
      }
    }
    const L = this.len;
    const n = L + T;
    if (n > this.rows) this.grow(Math.max(n, 2 * this.rows, INITIAL_ROWS));
    const place = (buf: Float32Array, add: Float32Array) => {
      // the last head moves furthest; going down, no head's rows are overwritten before they move
      for (let h = H - 1; h >= 1; h--) buf.copyWithin(h * n * Dh, h * L * Dh, (h + 1) * L * Dh);
      for (let h = 0; h < H; h++) buf.set(add.subarray(h * T * Dh, (h + 1) * T * Dh), (h * n + L) * Dh);
    };
    for (let i = 0; i < nLayer; i++) {
      place(this.keys[i]!, fresh[2 * i]!);
      place(this.values[i]!, fresh[2 * i + 1]!);
    }
    this.len = n;
  }

  /** New buffers of `rows` rows per head, holding the same [1, H, len, Dh]. */
  private grow(rows: number): void {
    const { nHead: H, headDim: Dh } = this.shape;
    const bigger = (buf: Float32Array) => {
      const out = new Float32Array(H * rows * Dh);
      out.set(this.view(buf));
      return out;
    };
    this.keys = this.keys.map(bigger);
    this.values = this.values.map(bigger);
    this.rows = rows;
  }

  /** Forget every position from len on. */
  truncate(len: number): void {
    this.live();
    if (!Number.isInteger(len) || len < 0 || len > this.len) {
      throw new Error(`truncate(${len}): expected an integer in [0, ${this.len}] (the cache length)`);
    }
    if (len === this.len) return;
    this.keepRuns([[0, 0, len]], len);
  }

  /**
   * Keep only the given positions, in the given order: after verifying a tree, the prefix
   * plus the accepted path, e.g. [0..P-1, P+0, P+1, P+4] for the path through nodes 0, 1, 4.
   */
  gather(positions: readonly number[]): void {
    this.live();
    for (const p of positions) {
      if (!Number.isInteger(p) || p < 0 || p >= this.len) {
        throw new Error(`gather: position ${p} is outside the cache [0, ${this.len})`);
      }
    }
    const n = positions.length;
    const increasing = positions.every((p, j) => j === 0 || p > positions[j - 1]!);
    if (!increasing) {
      this.gatherCopy(positions);
      return;
    }
    // runs of consecutive positions: [destination row, source row, rows]
    const runs: Array<[number, number, number]> = [];
    for (let j = 0; j < n; j++) {
      const last = runs[runs.length - 1];
      if (last && last[1] + last[2] === positions[j]) last[2]++;
      else runs.push([j, positions[j]!, 1]);
    }
    this.keepRuns(runs, n);
  }

  /**
   * In place: for each head, copy row runs [dst, src, rows] of the [1, H, L, Dh] layout to a
   * [1, H, len, Dh] layout at the buffer's front. Safe because every destination lies at or
   * before its source and both advance together (sources increasing, dst <= src).
   */
  private keepRuns(runs: ReadonlyArray<readonly [number, number, number]>, len: number): void {
    const { nHead: H, headDim: Dh } = this.shape;
    const L = this.len;
    const keep = (buf: Float32Array) => {
      for (let h = 0; h < H; h++) {
        for (const [dst, src, rows] of runs) {
          const to = (h * len + dst) * Dh;
          const from = (h * L + src) * Dh;
          if (to !== from) buf.copyWithin(to, from, from + rows * Dh);
        }
      }
    };
    this.keys.forEach(keep);
    this.values.forEach(keep);
    this.len = len;
  }

  /** gather() for positions out of order: through a copy of each buffer's rows. */
  private gatherCopy(positions: readonly number[]): void {
    const { nHead: H, headDim: Dh } = this.shape;
    const L = this.len;
    const n = positions.length;
    if (n > this.rows) this.grow(n);
    const pick = (buf: Float32Array) => {
      const src = buf.slice(0, H * L * Dh); // [1, H, L, Dh]
      for (let h = 0; h < H; h++) {
        for (let j = 0; j < n; j++) {
          const from = (h * L + positions[j]!) * Dh;
          buf.set(src.subarray(from, from + Dh), (h * n + j) * Dh);
        }
      }
    };
    this.keys.forEach(pick);
    this.values.forEach(pick);
    this.len = n;
  }

  /** An independent copy (e.g. to try a branch and keep the original). */
  clone(): KVCache {
    this.live();
    const c = new KVCache(this.shape);
    c.keys = this.keys.map((b) => b.slice());
    c.values = this.values.map((b) => b.slice());
    c.rows = this.rows;
    c.len = this.len;
    return c;
  }

  /** Layer i's key or value data [1, H, L, Dh], for inspection and tests; do not modify. */
  layer(i: number, which: 'key' | 'value'): Float32Array {
    this.live();
    const buf = (which === 'key' ? this.keys : this.values)[i];
    if (!buf) throw new Error(`layer ${i} is outside [0, ${this.shape.nLayer})`);
    return this.view(buf);
  }

  release(): void {
    if (this.released) return;
    this.keys = [];
    this.values = [];
    this.rows = 0;
    this.len = 0;
    this.released = true;
  }
}
