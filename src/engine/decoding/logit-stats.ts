/**
 * Softmax facts about one row of logits without building the distribution: its normaliser,
 * the probability of a few tokens, and the top entries. Greedy decoding needs only the
 * argmax to decide; the trace wants the top-5 probabilities and p(draft) for display, and
 * a full float64 softmax per row (16 KB, two passes) cost more than the decision itself.
 *
 * The numbers are the ones softmaxRow() would give, bit for bit: the same max, the same
 * exp(l - max) summed in index order, the same division.
 */
import type { TopEntry } from '../verify/chain.ts';

export interface RowStats {
  offset: number;
  max: number;
  /** sum over the row of exp(l - max), float64, in index order. */
  sum: number;
}

/** The normaliser of softmax(logits[offset .. offset+V)) at temperature 1. */
export function rowStats(logits: Float32Array, offset: number, V: number): RowStats {
  let max = -Infinity;
  for (let i = offset; i < offset + V; i++) if (logits[i]! > max) max = logits[i]!;
  let sum = 0;
  for (let i = offset; i < offset + V; i++) sum += Math.exp(logits[i]! - max);
  return { offset, max, sum };
}

/** softmax probability of `token` in the row described by `stats`. */
export function probOf(logits: Float32Array, stats: RowStats, token: number): number {
  return Math.exp(logits[stats.offset + token]! - stats.max) / stats.sum;
}

/**
 * The n tokens with the largest logits, largest first; equal logits: lower id first
 * (the order topEntries gives the softmax), e.g. [0.1, 3, 3, -1] with n = 2 -> [1, 2].
 */
export function topTokens(logits: Float32Array, offset: number, V: number, n: number): number[] {
  const ids: number[] = [];
  const vals: number[] = [];
  for (let t = 0; t < V; t++) {
    const v = logits[offset + t]!;
    if (ids.length === n && v <= vals[n - 1]!) continue;
    let i = Math.min(ids.length, n - 1);
    while (i > 0 && vals[i - 1]! < v) i--;
    ids.splice(i, 0, t);
    vals.splice(i, 0, v);
    if (ids.length > n) {
      ids.pop();
      vals.pop();
    }
  }
  return ids;
}

/** topEntries(softmaxRow(row), n), without the softmax. */
export function topEntriesOfRow(logits: Float32Array, stats: RowStats, V: number, n = 5): TopEntry[] {
  const out: TopEntry[] = [];
  for (const token of topTokens(logits, stats.offset, V, n)) {
    const prob = probOf(logits, stats, token);
    if (prob > 0) out.push({ token, prob });
  }
  return out;
}
