/**
 * Which verifier checks a step's draft, in one place: greedy or sampling, chain or tree,
 * lossless or Medusa's typical acceptance (lossy). verifyDraft makes the decision;
 * targetNodes, apart from it, gathers what the trace shows of the target at each node, so
 * the decision never depends on trace-only work.
 */
import type { Chooser } from '../decoding/choice.ts';
import { probOf, rowStats, topEntriesOfRow } from '../decoding/logit-stats.ts';
import { argmax, toProbs, type SamplingParams } from '../decoding/sampling.ts';
import type { Tree } from '../decoding/tree.ts';
import { topEntries, verifyChainGreedy, verifyChainSampling, type TopEntry, type VerifyMethod, type VerifyResult } from './chain.ts';
import { verifyTreeGreedy, verifyTreeSampling } from './tree.ts';
import { TYPICAL_DEFAULTS, verifyTypical, type TypicalParams } from './typical.ts';

export type Acceptance = 'lossless' | 'typical';

/** What a verifier checks: a draft's tree, its node tokens (node 0 the root) and the q each node was drawn from (null: fixed). */
export interface Candidates {
  tree: Tree;
  nodeTokens: readonly number[];
  q: readonly (Float64Array | null)[];
}

export interface VerifyOptions {
  /** [N, V] row-major: the target's logits after each node, the logits processors applied. */
  logits: Float32Array;
  V: number;
  /** The draft; null when the step drafted nothing (the root alone, N = 1). */
  candidates: Candidates | null;
  sampling: SamplingParams;
  acceptance: Acceptance;
  typical?: TypicalParams;
  /** Every random decision's source. */
  chooser: Chooser;
}

export interface Verified {
  result: VerifyResult;
  /** [N] the target distributions the decision used (warped); null when greedy, which needs only the argmax. */
  dists: Float64Array[] | null;
}

/** The target at one verified node, for the trace. */
export interface TargetNode {
  /** The target's top entries after the node. */
  top: TopEntry[];
  /** For a drafted node, the target's probability of its token at its parent; null for the root. */
  pToken: number | null;
}

/** Throws, saying what would work, unless `acceptance` is a known rule that fits the sampling settings. */
export function checkAcceptance(acceptance: unknown, sampling: SamplingParams): asserts acceptance is Acceptance {
  if (acceptance !== 'lossless' && acceptance !== 'typical') {
    throw new Error(`acceptance must be 'lossless' or 'typical', got ${String(acceptance)}`);
  }
  if (acceptance === 'typical' && sampling.temperature === 0) {
    throw new Error('typical acceptance is a sampling method: set a temperature > 0 (greedy verification is already exact)');
  }
}

const nodesOf = (c: Candidates | null) => (c ? c.tree.size : 1);

/**
 * The verifier for a step: greedy or sampling, lossless or typical, and whether the draft is
 * a chain (null: nothing drafted, the root alone, which every rule treats as a zero-length chain).
 */
export function verifyMethod(greedy: boolean, acceptance: Acceptance, chain: boolean | null): VerifyMethod {
  if (greedy && acceptance === 'lossless') return chain === false ? 'tree-greedy' : 'chain-greedy';
  if (chain === null) return 'chain-sampling';
  if (acceptance === 'typical') return 'typical';
  return chain ? 'chain-sampling' : 'tree-sampling';
}

/** The accept/reject decisions on `candidates` and the token the target adds after them. */
export function verifyDraft(o: VerifyOptions): Verified {
  const { logits, V, candidates: c, sampling, chooser } = o;
  const N = nodesOf(c);
  const method = verifyMethod(sampling.temperature === 0, o.acceptance, c ? c.tree.isChain : null);
  if (method === 'chain-greedy' || method === 'tree-greedy') {
    const am = Array.from({ length: N }, (_, n) => argmax(logits, n * V, V));
    if (!c) return { result: verifyChainGreedy([], am), dists: null };
    const result = method === 'chain-greedy' ? verifyChainGreedy(c.nodeTokens.slice(1), am) : verifyTreeGreedy(c.tree, c.nodeTokens, am);
    return { result, dists: null };
  }
  const p = Array.from({ length: N }, (_, n) => toProbs(logits, sampling, n * V, V));
  if (!c) return { result: verifyChainSampling([], [], p, chooser), dists: p };
  switch (method) {
    case 'typical':
      return { result: verifyTypical(c.tree, c.nodeTokens, p, chooser, o.typical ?? TYPICAL_DEFAULTS), dists: p };
    case 'chain-sampling':
      return { result: verifyChainSampling(c.nodeTokens.slice(1), c.q.slice(1), p, chooser), dists: p };
    case 'tree-sampling':
      return { result: verifyTreeSampling(c.tree, c.nodeTokens, c.q, p, chooser), dists: p };
  }
}

/**
 * The target's top entries after every node and its probability of each drafted token: from
 * the distributions the decision used, or, greedy, from row statistics of the logits (the
 * softmax at T = 1, which the argmax decision never needed).
 */
export function targetNodes(logits: Float32Array, V: number, candidates: Candidates | null, dists: Float64Array[] | null): TargetNode[] {
  const c = candidates;
  if (dists) {
    return dists.map((d, n) => ({ top: topEntries(d, 5), pToken: c && n > 0 ? dists[c.tree.parents[n]!]![c.nodeTokens[n]!]! : null }));
  }
  const stats = Array.from({ length: nodesOf(c) }, (_, n) => rowStats(logits, n * V, V));
  return stats.map((st, n) => ({
    top: topEntriesOfRow(logits, st, V, 5),
    pToken: c && n > 0 ? probOf(logits, stats[c.tree.parents[n]!]!, c.nodeTokens[n]!) : null,
  }));
}
