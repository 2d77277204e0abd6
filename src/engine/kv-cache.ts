/**
 * The KV cache of one sequence: per layer a key and a value tensor [1, H, L, Dh].
 *
 * The graphs return present = past + new, so appending is adopting the forward's present
 * tensors (no copy). Rolling back after speculation is truncate(len) (a length change) or
 * gather(positions) (keep the accepted tree path's entries, in order), as in Medusa's
 * update_inference_inputs. Both work in place, inside the buffers the last forward
 * returned (which belong to this cache alone): each head's kept rows move down to where a
 * [1, H, len, Dh] tensor wants them, and the new tensor is a view of the front of the
 * buffer. No allocation per step, so no garbage for the collector; a truncate moves at most
 * the cache once, a tree gather the same plus a few rows. Call them between forwards only
 * (a forward reads its past tensors while it runs, as every session call is awaited).
 */
import { ort } from './session.ts';

type Tensor = ort.Tensor;

export interface KVShape {
  nLayer: number;
  nHead: number;
  headDim: number;
}

export class KVCache {
  private keys: Tensor[];
  private values: Tensor[];
  private len = 0;
  private released = false;

  constructor(readonly shape: KVShape) {
    this.keys = Array.from({ length: shape.nLayer }, () => this.tensor(new Float32Array(0), 0));
    this.values = Array.from({ length: shape.nLayer }, () => this.tensor(new Float32Array(0), 0));
  }

  /** Cached positions: the P of the next forward. */
  get length(): number {
    return this.len;
  }

  private tensor(data: Float32Array, L: number): Tensor {
    const { nHead: H, headDim: Dh } = this.shape;
    return new ort.Tensor('float32', data, [1, H, L, Dh]); // [1, H, L, Dh]
  }

  private live(): void {
    if (this.released) throw new Error('this KV cache was released; make a new one with model.newCache()');
  }

  /** The past_key_values.{i}.key|value feeds for the next forward. */
  pastFeeds(): Record<string, Tensor> {
    this.live();
    const feeds: Record<string, Tensor> = {};
    for (let i = 0; i < this.shape.nLayer; i++) {
      feeds[`past_key_values.${i}.key`] = this.keys[i]!; // [1, H, P, Dh]
      feeds[`past_key_values.${i}.value`] = this.values[i]!; // [1, H, P, Dh]
    }
    return feeds;
  }

  /** Adopt a forward's present.{i}.key|value outputs ([1, H, P+T, Dh]) after T new tokens. */
  append(outputs: Record<string, Tensor>, T: number): void {
    this.live();
    const { nLayer, nHead: H, headDim: Dh } = this.shape;
    const want = this.len + T;
    const keys: Tensor[] = [];
    const values: Tensor[] = [];
    for (let i = 0; i < nLayer; i++) {
      for (const [which, into] of [['key', keys], ['value', values]] as const) {
        const t = outputs[`present.${i}.${which}`];
        const d = t?.dims;
        if (!t || d!.length !== 4 || d![0] !== 1 || d![1] !== H || d![2] !== want || d![3] !== Dh) {
          throw new Error(
            `present.${i}.${which} should be [1, ${H}, ${want}, ${Dh}] (past ${this.len} + ${T} new), ` +
              `found ${t ? `[${d!.join(', ')}]` : 'nothing'}; the graph does not follow the KV-cache convention`,
          );
        }
        into.push(t);
      }
    }
    this.disposeAll();
    this.keys = keys;
    this.values = values;
    this.len = want;
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
   * In place: for each head, copy row runs [dst, src, rows] of the [1, H, L, Dh] buffers to a
   * [1, H, len, Dh] layout at the buffer's front. Safe because every destination lies at or
   * before its source and both advance together (sources increasing, dst <= src).
   */
  private keepRuns(runs: ReadonlyArray<readonly [number, number, number]>, len: number): void {
    const { nHead: H, headDim: Dh } = this.shape;
    const L = this.len;
    const keep = (t: Tensor): Tensor => {
      const buf = t.data as Float32Array; // [1, H, L, Dh]
      for (let h = 0; h < H; h++) {
        for (const [dst, src, rows] of runs) {
          const to = (h * len + dst) * Dh;
          const from = (h * L + src) * Dh;
          if (to !== from) buf.copyWithin(to, from, from + rows * Dh);
        }
      }
      return this.tensor(buf.subarray(0, H * len * Dh), len); // [1, H, len, Dh], a view
    };
    this.replace(this.keys.map(keep), this.values.map(keep), len);
  }

  /** gather() for positions out of order: into fresh buffers. */
  private gatherCopy(positions: readonly number[]): void {
    const { nHead: H, headDim: Dh } = this.shape;
    const L = this.len;
    const n = positions.length;
    const pick = (t: Tensor): Tensor => {
      const src = t.data as Float32Array; // [1, H, L, Dh]
      const out = new Float32Array(H * n * Dh); // [1, H, n, Dh]
      for (let h = 0; h < H; h++) {
        for (let j = 0; j < n; j++) {
          const from = (h * L + positions[j]!) * Dh;
          out.set(src.subarray(from, from + Dh), (h * n + j) * Dh);
        }
      }
      return this.tensor(out, n);
    };
    this.replace(this.keys.map(pick), this.values.map(pick), n);
  }

  /** An independent copy (e.g. to try a branch and keep the original). */
  clone(): KVCache {
    this.live();
    const c = new KVCache(this.shape);
    const copy = (t: Tensor) => this.tensor((t.data as Float32Array).slice(), this.len);
    c.replace(this.keys.map(copy), this.values.map(copy), this.len);
    return c;
  }

  /** Layer i's key or value data [1, H, L, Dh], for inspection and tests; do not modify. */
  layer(i: number, which: 'key' | 'value'): Float32Array {
    this.live();
    const t = (which === 'key' ? this.keys : this.values)[i];
    if (!t) throw new Error(`layer ${i} is outside [0, ${this.shape.nLayer})`);
    return t.data as Float32Array;
  }

  release(): void {
    if (this.released) return;
    this.disposeAll();
    this.keys = [];
    this.values = [];
    this.len = 0;
    this.released = true;
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
