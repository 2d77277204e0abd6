/**
 * Medusa-style drafters: the K heads read the base model's hidden state at the last fed
 * position and each proposes the token (k+1) positions ahead, all in one small forward.
 *   heads       a chain of each head's top-1 (k of them)
 *   heads-tree  a candidate tree from each head's top-n, shaped by a tree spec
 * Head tokens are chosen deterministically (top-n), so their q is one-hot (null): lossless
 * under speculative sampling for any temperature. With sampleDrafts a chain's drafts are
 * drawn instead from each head's own distribution (after the processors and the run's
 * temperature/top-k/top-p), and that q goes to the verifier: a head guesses the token k+1
 * ahead whatever the root turns out to be, so a draw spread like the target's is accepted
 * far more often under sampling than the greedy path's top-1. The heads' own softmax is recorded so the
 * page can show how sure each head was. A chain's heads read the logits processors with their
 * draft's prefix, so they do not propose what the target has banned; a tree's candidates are
 * per depth, shared by every node at that depth, so they are taken before the processors (the
 * verifier, which applies them per node, rejects a banned one; q one-hot keeps it lossless).
 */
import { chainTree, treeTokensFromHeads, type Tree } from '../decoding/tree.ts';
import type { DraftHeads } from '../runtime/lm.ts';
import { probOf, rowStats, topEntriesOfRow, topTokens } from '../decoding/logit-stats.ts';
import { toProbs } from '../decoding/sampling.ts';
import { topEntries } from '../verify/chain.ts';
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
    /** Chains under sampling: each draft drawn from its head's warped softmax, with that q. */
    private readonly sampleDrafts = false,
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
    const run0 = this.heads.runMs;
    const logits = await this.heads.run(req.hidden, 1); // [1, K, V]
    const runMs = this.heads.runMs - run0;
    const root = req.context[req.context.length - 1]!;
    const stats = (d: number) => rowStats(logits, d * V, V); // head d+1's softmax normaliser
    if (this.shape.kind === 'tree' && this.shape.tree.maxDepth <= req.maxDepth) {
      const tree = this.shape.tree;
      const heads = tree.headTopK.map((n, d) => {
        const st = stats(d);
        return { st, cands: topTokens(logits, st.offset, V, n), top: topEntriesOfRow(logits, st, V, 5) };
      });
      const nodeTokens = Array.from(treeTokensFromHeads(tree, root, heads.map((h) => h.cands)));
      const info: DraftNodeInfo[] = nodeTokens.map((tok, n) => {
        if (n === 0) return EMPTY_INFO;
        const h = heads[tree.depths[n]! - 1]!;
        return { q: probOf(logits, h.st, tok), top: h.top.map((e) => ({ ...e })), u: null };
      });
      return { tree, nodeTokens, q: nodeTokens.map(() => null), info, forwards: 1, runMs };
    }
    // a chain (or a tree that no longer fits the context: its top-1 spine)
    const k = Math.min(this.shape.kind === 'chain' ? this.shape.k : this.maxDepth, req.maxDepth);
    const tokens = [root];
    const q: (Float64Array | null)[] = [null];
    const info: DraftNodeInfo[] = [EMPTY_INFO];
    const sample = this.sampleDrafts && req.sampling.temperature > 0;
    let stoppedBy: Draft['stoppedBy'];
    for (let d = 0; d < k; d++) {
      // head d+1 guesses the token after the drafts so far: the processors with that prefix
      req.processors?.apply(logits, d * V, req.context, tokens.slice(1));
      const dist = sample ? toProbs(logits, req.sampling, d * V, V) : null;
      const top = dist ? topEntries(dist, 5) : topEntriesOfRow(logits, stats(d), V, 5);
      if (this.pMin > 0 && top[0]!.prob < this.pMin) {
        stoppedBy = 'confidence';
        break;
      }
      if (dist) {
        const token = req.chooser.sample(dist, `draft ${d + 1}`);
        tokens.push(token);
        q.push(dist);
        info.push({ q: dist[token]!, top, u: req.chooser.lastU });
      } else {
        tokens.push(top[0]!.token);
        q.push(null);
        info.push({ q: top[0]!.prob, top, u: null });
      }
    }
    if (tokens.length === 1) return { skipped: 'confidence', runMs };
    const draft: Draft = { tree: chainTree(tokens.length - 1), nodeTokens: tokens, q, info, forwards: 1, runMs };
    if (stoppedBy) draft.stoppedBy = stoppedBy;
    return draft;
  }

  /** The heads read only the last kept row (DraftRequest.hidden): nothing to keep between steps. */
  commit(): void {}

  reset(): void {}
}
