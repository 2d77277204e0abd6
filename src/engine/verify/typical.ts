/**
 * Medusa's typical acceptance (Cai et al. 2024): a LOSSY verifier. A draft x is accepted
 * where the target finds it plausible enough, p(x) > min(epsilon, delta * exp(-H(p))),
 * rather than by rejection sampling, so the output is no longer distributed as the target's:
 * results carry lossy: true, and choice.ts's enumerate can measure the divergence exactly.
 * It accepts more drafts than speculative sampling at high temperature, which is its point.
 * For a chain, pass chainTree(k) (tree.ts) with nodeTokens = [root, ...drafts].
 */

import type { Chooser } from '../decoding/choice.ts';
import type { Tree } from '../decoding/tree.ts';
import { checkDist, checkToken, finish, topEntries, type DraftDecision, type FinalToken, type VerifyResult } from './chain.ts';

export interface TypicalParams {
  /** Hard ceiling on the bound: a draft with p(x) > epsilon is always accepted. */
  epsilon: number;
  /** Scale of the entropy-adaptive bound delta * exp(-H). */
  delta: number;
}

/** Medusa's defaults (posterior_threshold 0.09, posterior_alpha 0.3). */
export const TYPICAL_DEFAULTS: TypicalParams = { epsilon: 0.09, delta: 0.3 };

/** Shannon entropy in nats, with 0 log 0 = 0 (Medusa adds 1e-5 inside the log instead). */
export function entropy(p: ArrayLike<number>): number {
  let h = 0;
  for (let i = 0; i < p.length; i++) {
    const v = p[i]!;
    if (v > 0) h -= v * Math.log(v);
  }
  return h;
}

/**
 * Accept each node whose parent is accepted and whose token passes the typical test at the
 * parent; keep the deepest accepted node (ties: the smaller node index, i.e. the higher-ranked
 * path), then sample the final token from p at that node. One uniform per step.
 * With a one-hot p (greedy) and distinct siblings this is verifyTreeGreedy: only argmax
 * matches pass. (With repeated siblings it may find a deeper path than greedy's first match.)
 */
export function verifyTypical(
  tree: Tree,
  nodeTokens: ArrayLike<number>,
  p: readonly ArrayLike<number>[],
  chooser: Chooser,
  params: TypicalParams = TYPICAL_DEFAULTS,
): VerifyResult {
  const { epsilon, delta } = params;
  if (!(epsilon >= 0 && delta >= 0)) throw new Error(`typical acceptance needs epsilon >= 0 and delta >= 0, got ${epsilon} and ${delta}`);
  if (nodeTokens.length !== tree.size || p.length !== tree.size) {
    throw new Error(`verifyTypical: expected a token and a target distribution for each of the tree's ${tree.size} nodes, found ${nodeTokens.length} and ${p.length}`);
  }
  const V = checkDist(p[0], 'target distribution at node 0');
  const decisions: DraftDecision[] = [];
  const accepted = new Uint8Array(tree.size); // [N]
  accepted[0] = 1;
  let best = 0;
  // Parents precede children in node order, so one pass sees each parent's verdict first.
  for (let n = 0; n < tree.size; n++) {
    if (!accepted[n] || tree.children[n]!.length === 0) continue;
    const pn = p[n]!;
    if (n > 0) checkDist(pn, `target distribution at node ${n}`, V);
    const h = entropy(pn);
    const bound = Math.min(epsilon, delta * Math.exp(-h));
    for (const child of tree.children[n]!) {
      const token = nodeTokens[child]!;
      checkToken(token, `node ${child}`, V);
      const px = pn[token]!;
      const ok = px > bound;
      decisions.push({ kind: 'typical', node: child, parent: n, depth: tree.depths[child]!, token, p: px, entropy: h, bound, accepted: ok });
      if (ok) {
        accepted[child] = 1;
        if (tree.depths[child]! > tree.depths[best]!) best = child;
      }
    }
  }
  const acceptedNodes: number[] = [];
  for (let a = best; a >= 0; a = tree.parents[a]!) acceptedNodes.push(a);
  acceptedNodes.reverse();
  const acceptedTokens = acceptedNodes.slice(1).map((n) => nodeTokens[n]!);
  const pb = p[best]!;
  checkDist(pb, `target distribution at node ${best}`, V);
  const t = chooser.sample(pb, 'bonus');
  const final: FinalToken = {
    kind: tree.children[best]!.length > 0 ? 'correction' : 'bonus',
    token: t,
    node: best,
    source: 'target',
    u: chooser.lastU,
    top: topEntries(pb),
  };
  return finish('typical', acceptedNodes, acceptedTokens, decisions, final);
}
