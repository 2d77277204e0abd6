/**
 * Verifying a tree of candidates (tree.ts) against the target in one walk from the root.
 * Greedy: descend to the child equal to the target's argmax. Sampling: SpecInfer's
 * multi-candidate speculative sampling (Miao et al. 2024, as used by EAGLE), lossless.
 * Inputs are per tree node: nodeTokens[n] (nodeTokens[0], the root, is not checked),
 * p[n] the target's distribution after node n, q[n] what node n's token was drawn from.
 */

import type { Chooser } from '../decoding/choice.ts';
import type { Tree } from '../decoding/tree.ts';
import {
  acceptProb,
  checkDist,
  checkToken,
  draftProb,
  finish,
  residual,
  topEntries,
  type DraftDecision,
  type DraftDist,
  type FinalToken,
  type RatioDecision,
  type VerifyResult,
} from './chain.ts';

function checkPerNode(tree: Tree, what: string, found: number, fn: string): void {
  if (found !== tree.size) {
    throw new Error(`${fn}: expected ${what} for each of the tree's ${tree.size} nodes (root included), found ${found}`);
  }
}

/**
 * Greedy tree verification: from the root, try the children in rank order and descend to
 * the first whose token is the target's argmax there; stop at a node with no match and
 * emit the target's argmax at it. targetArgmax[n] is the argmax after node n. No draws.
 */
export function verifyTreeGreedy(tree: Tree, nodeTokens: ArrayLike<number>, targetArgmax: ArrayLike<number>): VerifyResult {
  checkPerNode(tree, 'a token', nodeTokens.length, 'verifyTreeGreedy');
  checkPerNode(tree, 'a target argmax', targetArgmax.length, 'verifyTreeGreedy');
  const decisions: DraftDecision[] = [];
  const acceptedNodes = [0];
  const acceptedTokens: number[] = [];
  let node = 0;
  descend: for (;;) {
    const target = targetArgmax[node]!;
    for (const child of tree.children[node]!) {
      const token = nodeTokens[child]!;
      checkToken(token, `node ${child}`);
      const accepted = token === target;
      decisions.push({ kind: 'match', node: child, parent: node, depth: tree.depths[child]!, token, targetArgmax: target, accepted });
      if (accepted) {
        acceptedNodes.push(child);
        acceptedTokens.push(token);
        node = child;
        continue descend;
      }
    }
    break;
  }
  const final: FinalToken = {
    kind: tree.children[node]!.length > 0 ? 'correction' : 'bonus',
    token: targetArgmax[node]!,
    node,
    source: 'argmax',
    u: null,
  };
  return finish('tree-greedy', acceptedNodes, acceptedTokens, decisions, final);
}

/**
 * Multi-candidate speculative sampling. At the current node, with target distribution p,
 * try its children in rank order: child x is accepted with probability min(1, p(x)/q(x));
 * on rejection p <- norm(max(0, p - q)) and the next child is tried against that residual.
 * If every child is rejected, sample the final token from the residual and stop; at a
 * leaf, sample the bonus token from p. An accepted child's own p starts fresh.
 *
 * Lossless (the emitted tokens are distributed as the target's) when each child's q is
 * what its token was drawn from, independently of its earlier siblings:
 *  (a) deterministic candidates (top-n of the heads or of a draft model, prompt lookup):
 *      q[n] = null, i.e. one-hot at the candidate, so a rejection removes exactly that token
 *      from p. Distinctness is not required: a repeated token then has p = 0 and is rejected.
 *      null is lossless for any candidates fixed before verification, sampled ones included,
 *      but accepts less than (b) for those.
 *  (b) candidates drawn i.i.d. from a draft distribution (draft model sampling): q[n] is that
 *      distribution, the same for every sibling, and it stays unchanged across siblings
 *      while p turns into residuals. Passing a q the token was not drawn from (say, the
 *      draft's argmax with its full distribution) is NOT lossless, and neither is sampling
 *      siblings without replacement, which makes them dependent.
 */
export function verifyTreeSampling(
  tree: Tree,
  nodeTokens: ArrayLike<number>,
  q: readonly DraftDist[],
  p: readonly ArrayLike<number>[],
  chooser: Chooser,
): VerifyResult {
  checkPerNode(tree, 'a token', nodeTokens.length, 'verifyTreeSampling');
  checkPerNode(tree, 'a draft distribution (null for the root and deterministic candidates)', q.length, 'verifyTreeSampling');
  checkPerNode(tree, 'a target distribution', p.length, 'verifyTreeSampling');
  const V = checkDist(p[0], 'target distribution at node 0');
  const decisions: DraftDecision[] = [];
  const acceptedNodes = [0];
  const acceptedTokens: number[] = [];
  let node = 0;
  let cur: ArrayLike<number> = p[0]!; // [V] target at `node`, or the residual left by rejected siblings
  let rejected = false;
  descend: for (;;) {
    for (const child of tree.children[node]!) {
      const token = nodeTokens[child]!;
      const qc = q[child]!;
      checkToken(token, `node ${child}`, V);
      if (qc !== null) checkDist(qc, `draft distribution of node ${child}`, V);
      const px = cur[token]!;
      const qx = draftProb(qc, token, `node ${child}`);
      const threshold = acceptProb(px, qx);
      const accepted = chooser.accept(threshold, `node ${child}`);
      const decision: RatioDecision = {
        kind: 'ratio', node: child, parent: node, depth: tree.depths[child]!, token, p: px, q: qx, threshold, u: chooser.lastU, accepted,
      };
      decisions.push(decision);
      if (accepted) {
        acceptedNodes.push(child);
        acceptedTokens.push(token);
        node = child;
        cur = p[child]!;
        checkDist(cur, `target distribution at node ${child}`, V);
        rejected = false;
        continue descend;
      }
      const r = residual(cur, qc, token);
      decision.residual = { mass: r.mass, top: topEntries(r.dist) };
      cur = r.dist;
      rejected = true;
    }
    break;
  }
  const t = chooser.sample(cur, rejected ? 'residual' : 'bonus');
  const final: FinalToken = {
    kind: rejected ? 'correction' : 'bonus',
    token: t,
    node,
    source: rejected ? 'residual' : 'target',
    u: chooser.lastU,
    top: topEntries(cur),
  };
  return finish('tree-sampling', acceptedNodes, acceptedTokens, decisions, final);
}
