/**
 * Medusa-style drafters: the K heads read the base model's hidden state at the last fed
 * position and each proposes the token (k+1) positions ahead, all in one small forward.
 *   heads       a chain of each head's top-1 (k of them)
 *   heads-tree  a candidate tree from each head's top-n, shaped by a tree spec
 * Head tokens are chosen deterministically (top-n), so their q is one-hot (null): lossless
 * under speculative sampling for any temperature. The heads' own softmax is recorded so the
 * page can show how sure each head was.
 */
import { chainTree, treeTokensFromHeads, type Tree } from '../tree.ts';
import type { DraftHeads } from '../lm.ts';
import { topEntries } from '../verify.ts';
import { EMPTY_INFO, type Draft, type DraftNodeInfo, type DraftRequest, type DraftSkip, type Drafter } from './types.ts';

/** softmax(logits[offset .. offset+V)) at temperature 1, float64. */
export function softmaxRow(logits: Float32Array, offset: number, V: number): Float64Array {
  let max = -Infinity;
  for (let i = 0; i < V; i++) max = Math.max(max, logits[offset + i]!);
  const out = new Float64Array(V);
  let sum = 0;
  for (let i = 0; i < V; i++) sum += out[i] = Math.exp(logits[offset + i]! - max);
  for (let i = 0; i < V; i++) out[i]! /= sum;
  return out;
}

/** Token ids of the n largest entries, largest first (ties: lower id). */
export function topN(probs: Float64Array, n: number): number[] {
  return topEntries(probs, n).map((e) => e.token);
}

export class HeadsDrafter implements Drafter {
  readonly name;
  readonly maxDepth: number;

  /**
   * shape: a chain of k top-1 drafts, or a tree. pMin > 0 (chains only) stops the chain at
   * the first head whose top probability is below pMin (llama.cpp's p_min).
   */
  constructor(
    private readonly heads: DraftHeads,
    private readonly shape: { kind: 'chain'; k: number } | { kind: 'tree'; tree: Tree },
    private readonly pMin = 0,
  ) {
    const K = heads.numHeads;
    if (shape.kind === 'chain') {
      if (!(Number.isInteger(shape.k) && shape.k >= 1 && shape.k <= K)) {
        throw new Error(`heads drafter: k must be an integer in [1, ${K}] (the model has ${K} heads), got ${shape.k}`);
      }
      this.name = 'heads' as const;
      this.maxDepth = shape.k;
    } else {
      if (shape.tree.maxDepth > K) {
        throw new Error(`heads-tree: the tree is ${shape.tree.maxDepth} deep but the model has only ${K} heads`);
      }
      this.name = 'heads-tree' as const;
      this.maxDepth = shape.tree.maxDepth;
    }
  }

  async draft(req: DraftRequest): Promise<Draft | DraftSkip> {
    const V = this.heads.vocabSize;
    const logits = await this.heads.run(req.hidden, 1); // [1, K, V]
    const root = req.context[req.context.length - 1]!;
    const probs = (d: number) => softmaxRow(logits, d * V, V); // head d+1's distribution
    if (this.shape.kind === 'tree' && this.shape.tree.maxDepth <= req.maxDrafts) {
      const tree = this.shape.tree;
      const dists = tree.headTopK.map((_, d) => probs(d));
      const cands = tree.headTopK.map((n, d) => topN(dists[d]!, n));
      const nodeTokens = Array.from(treeTokensFromHeads(tree, root, cands));
      const info: DraftNodeInfo[] = nodeTokens.map((tok, n) => {
        if (n === 0) return EMPTY_INFO;
        const dist = dists[tree.depths[n]! - 1]!;
        return { q: dist[tok]!, top: topEntries(dist, 5), u: null };
      });
      return { tree, nodeTokens, q: nodeTokens.map(() => null), info, forwards: 1 };
    }
    // a chain (or a tree that no longer fits the context: its top-1 spine)
    const k = Math.min(this.shape.kind === 'chain' ? this.shape.k : this.maxDepth, req.maxDrafts);
    const tokens = [root];
    const info: DraftNodeInfo[] = [EMPTY_INFO];
    let stoppedBy: Draft['stoppedBy'];
    for (let d = 0; d < k; d++) {
      const dist = probs(d);
      const top = topEntries(dist, 5);
      if (this.pMin > 0 && top[0]!.prob < this.pMin) {
        stoppedBy = 'confidence';
        break;
      }
      tokens.push(top[0]!.token);
      info.push({ q: top[0]!.prob, top, u: null });
    }
    if (tokens.length === 1) return { skipped: 'confidence' };
    const draft: Draft = { tree: chainTree(tokens.length - 1), nodeTokens: tokens, q: tokens.map(() => null), info, forwards: 1 };
    if (stoppedBy) draft.stoppedBy = stoppedBy;
    return draft;
  }

  commit(): void {}

  reset(): void {}
}
