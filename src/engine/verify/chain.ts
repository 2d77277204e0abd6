/**
 * Verifying a chain of drafts against the target, and the decision record every verifier
 * returns (serialisable, for the decode trace). Trees are in verify-tree.ts, Medusa's lossy
 * typical acceptance in verify-typical.ts.
 *
 * Inputs are per node of the candidate tree; node 0 is the root (the last emitted token)
 * and, in a chain, node i is draft i. p[n] is the target's distribution of the token after
 * node n, already warped (temperature / top-k / top-p), so p has one entry more than the
 * drafts. q[i] is the distribution draft i was drawn from, or null for a deterministic
 * drafter (prompt lookup, top-1 heads), which is the same as a one-hot q at the draft.
 * null is lossless for any draft fixed before verification; a distribution is lossless
 * only if the draft really was drawn from it, and then accepts more often
 * (sum min(p, q) instead of sum q * p).
 * All randomness goes through a Chooser, so traces show each uniform and tests enumerate.
 */

import type { Chooser } from '../decoding/choice.ts';

export type VerifyMethod = 'chain-greedy' | 'chain-sampling' | 'tree-greedy' | 'tree-sampling' | 'typical';

export interface TopEntry {
  token: number;
  prob: number;
}

/** The distribution a draft was drawn from; null = deterministic (one-hot at the draft). */
export type DraftDist = ArrayLike<number> | null;

/** Greedy: accepted iff the draft equals the target's argmax at its parent. */
export interface MatchDecision {
  kind: 'match';
  node: number;
  parent: number;
  depth: number;
  token: number;
  targetArgmax: number;
  accepted: boolean;
}

/** Speculative sampling: accepted iff u < threshold = min(1, p(x) / q(x)), p taken at the
 *  parent (the residual left by earlier siblings, in a tree). On rejection the parent's p
 *  becomes the residual norm(max(0, p - q)): mass = sum max(0, p - q), and its top entries. */
export interface RatioDecision {
  kind: 'ratio';
  node: number;
  parent: number;
  depth: number;
  token: number;
  p: number;
  q: number;
  threshold: number;
  u: number | null;
  accepted: boolean;
  residual?: { mass: number; top: TopEntry[] };
}

/** Typical acceptance (lossy): accepted iff p(x) > bound = min(epsilon, delta * exp(-entropy)). */
export interface TypicalDecision {
  kind: 'typical';
  node: number;
  parent: number;
  depth: number;
  token: number;
  p: number;
  entropy: number;
  bound: number;
  accepted: boolean;
}

/** One decision on a drafted token, in the order taken. */
export type DraftDecision = MatchDecision | RatioDecision | TypicalDecision;

/** The token the target adds after the accepted drafts. */
export interface FinalToken {
  /** 'bonus': the last accepted node has no candidates left to check (all drafts on the
   *  path accepted); 'correction': it replaces the rejected candidates of that node. */
  kind: 'bonus' | 'correction';
  token: number;
  /** The last accepted node; the token is drawn from its target distribution (or residual). */
  node: number;
  source: 'argmax' | 'target' | 'residual';
  u: number | null;
  /** Top entries of the distribution it was sampled from (sampling verifiers). */
  top?: TopEntry[];
}

export interface VerifyResult {
  method: VerifyMethod;
  /** true when the output distribution is not exactly the target's (typical acceptance). */
  lossy: boolean;
  /** Drafted tokens accepted; the step emits acceptLength + 1 tokens. */
  acceptLength: number;
  /** Root-to-last-accepted node indices, [0, ...] (acceptLength + 1 entries): the KV rows to keep. */
  acceptedNodes: number[];
  /** The accepted drafts' tokens (acceptLength entries). */
  acceptedTokens: number[];
  /** acceptedTokens then final.token. */
  emitted: number[];
  decisions: DraftDecision[];
  final: FinalToken;
}

const SUM_TOLERANCE = 1e-6;

/** Throws unless `dist` is a probability vector of length V (when given). */
export function checkDist(dist: ArrayLike<number> | undefined, what: string, V?: number): number {
  if (!dist) throw new Error(`${what}: expected a probability vector, found none; pass one distribution per node`);
  if (V !== undefined && dist.length !== V) {
    throw new Error(`${what}: expected ${V} entries (the vocabulary), found ${dist.length}`);
  }
  let sum = 0;
  for (let i = 0; i < dist.length; i++) {
    const v = dist[i]!;
    if (!(v >= 0 && v <= 1)) throw new Error(`${what}: entry ${i} is ${v}; expected probabilities in [0, 1] (pass toProbs output, not logits)`);
    sum += v;
  }
  if (Math.abs(sum - 1) > SUM_TOLERANCE) throw new Error(`${what}: sums to ${sum}, expected 1; pass toProbs output, not logits`);
  return dist.length;
}

export function checkToken(token: number, what: string, V?: number): void {
  if (!(Number.isInteger(token) && token >= 0 && (V === undefined || token < V))) {
    throw new Error(`${what}: expected a token id in [0, ${V ?? 'V'}), found ${token}`);
  }
}

/** The n most probable tokens with non-zero probability, most probable first (ties: lower id). */
export function topEntries(dist: ArrayLike<number>, n = 5): TopEntry[] {
  const top: TopEntry[] = [];
  for (let t = 0; t < dist.length; t++) {
    const prob = dist[t]!;
    if (prob <= 0 || (top.length === n && prob <= top[n - 1]!.prob)) continue;
    let i = Math.min(top.length, n - 1);
    while (i > 0 && top[i - 1]!.prob < prob) i--;
    top.splice(i, 0, { token: t, prob });
    if (top.length > n) top.pop();
  }
  return top;
}

/** Draft probability of its own token: 1 for a deterministic drafter. */
export function draftProb(q: DraftDist, token: number, what: string): number {
  if (q === null) return 1;
  const qx = q[token]!;
  if (!(qx > 0)) {
    throw new Error(`${what}: token ${token} has draft probability ${qx}; q must be the distribution the draft was drawn from (null for deterministic drafts)`);
  }
  return qx;
}

/** Accept probability of speculative sampling, min(1, p(x) / q(x)). */
export function acceptProb(px: number, qx: number): number {
  return Math.min(1, px / qx);
}

/**
 * The residual norm(max(0, p - q)): the distribution of the target's token given that the
 * draft was rejected, which makes the accept/reject pair lossless. For a deterministic
 * draft (q one-hot at x) this is p with x removed. mass = sum max(0, p - q) is the
 * rejection probability. If mass is 0, p <= q everywhere, so p = q and rejection has
 * probability 0 in exact arithmetic; it can only follow float rounding of p/q just under 1,
 * and then p itself is the right answer.
 */
export function residual(p: ArrayLike<number>, q: DraftDist, token: number): { dist: Float64Array; mass: number } {
  const dist = new Float64Array(p.length); // [V]
  let mass = 0;
  for (let i = 0; i < p.length; i++) {
    const d = q === null ? (i === token ? 0 : p[i]!) : Math.max(0, p[i]! - q[i]!);
    dist[i] = d;
    mass += d;
  }
  if (!(mass > 0)) return { dist: Float64Array.from(p), mass: 0 };
  for (let i = 0; i < dist.length; i++) dist[i]! /= mass;
  return { dist, mass };
}

/** Build the result from the accepted path and the final token. */
export function finish(
  method: VerifyMethod,
  acceptedNodes: number[],
  acceptedTokens: number[],
  decisions: DraftDecision[],
  final: FinalToken,
): VerifyResult {
  return {
    method,
    lossy: method === 'typical',
    acceptLength: acceptedTokens.length,
    acceptedNodes,
    acceptedTokens,
    emitted: [...acceptedTokens, final.token],
    decisions,
    final,
  };
}

/**
 * Greedy chain verification: accept the longest prefix of drafts equal to the target's
 * argmax, then emit the target's argmax after it. targetArgmax[i] is the argmax after node
 * i (k + 1 entries). No random draws.
 */
export function verifyChainGreedy(draftTokens: ArrayLike<number>, targetArgmax: ArrayLike<number>): VerifyResult {
  const k = draftTokens.length;
  if (targetArgmax.length !== k + 1) {
    throw new Error(`verifyChainGreedy: expected ${k + 1} target argmaxes (one per draft plus the bonus), found ${targetArgmax.length}`);
  }
  const decisions: DraftDecision[] = [];
  const acceptedTokens: number[] = [];
  let i = 0;
  for (; i < k; i++) {
    const token = draftTokens[i]!;
    const target = targetArgmax[i]!;
    checkToken(token, `draft ${i + 1}`);
    const accepted = token === target;
    decisions.push({ kind: 'match', node: i + 1, parent: i, depth: i + 1, token, targetArgmax: target, accepted });
    if (!accepted) break;
    acceptedTokens.push(token);
  }
  const final: FinalToken = { kind: i < k ? 'correction' : 'bonus', token: targetArgmax[i]!, node: i, source: 'argmax', u: null };
  return finish('chain-greedy', Array.from({ length: i + 1 }, (_, n) => n), acceptedTokens, decisions, final);
}

/**
 * Speculative sampling on a chain (Leviathan et al. 2023; Chen et al. 2023): accept draft
 * x_i with probability min(1, p_i(x_i) / q_i(x_i)); on the first rejection emit a sample of
 * the residual norm(max(0, p_i - q_i)) and stop; if all k are accepted, emit a bonus token
 * sampled from p_k. The emitted tokens are distributed exactly as sampling from the target.
 * q[i] must be the distribution x_i was actually drawn from (null: deterministic).
 */
export function verifyChainSampling(
  draftTokens: ArrayLike<number>,
  q: readonly DraftDist[],
  p: readonly ArrayLike<number>[],
  chooser: Chooser,
): VerifyResult {
  const k = draftTokens.length;
  if (q.length !== k) throw new Error(`verifyChainSampling: expected ${k} draft distributions (one per draft; null if deterministic), found ${q.length}`);
  if (p.length !== k + 1) throw new Error(`verifyChainSampling: expected ${k + 1} target distributions (one per draft plus the bonus), found ${p.length}`);
  const V = checkDist(p[0], 'target distribution 0');
  const decisions: DraftDecision[] = [];
  const acceptedTokens: number[] = [];
  for (let i = 0; i < k; i++) {
    const token = draftTokens[i]!;
    const pi = p[i]!;
    const qi = q[i]!;
    checkToken(token, `draft ${i + 1}`, V);
    if (i > 0) checkDist(pi, `target distribution ${i}`, V);
    if (qi !== null) checkDist(qi, `draft distribution ${i + 1}`, V);
    const px = pi[token]!;
    const qx = draftProb(qi, token, `draft ${i + 1}`);
    const threshold = acceptProb(px, qx);
    const accepted = chooser.accept(threshold, `draft ${i + 1}`);
    const decision: RatioDecision = {
      kind: 'ratio', node: i + 1, parent: i, depth: i + 1, token, p: px, q: qx, threshold, u: chooser.lastU, accepted,
    };
    decisions.push(decision);
    if (!accepted) {
      const r = residual(pi, qi, token);
      const top = topEntries(r.dist);
      decision.residual = { mass: r.mass, top };
      const t = chooser.sample(r.dist, 'residual');
      const final: FinalToken = { kind: 'correction', token: t, node: i, source: 'residual', u: chooser.lastU, top };
      return finish('chain-sampling', Array.from({ length: i + 1 }, (_, n) => n), acceptedTokens, decisions, final);
    }
    acceptedTokens.push(token);
  }
  const pk = p[k]!;
  if (k > 0) checkDist(pk, `target distribution ${k}`, V);
  const t = chooser.sample(pk, 'bonus');
  const final: FinalToken = { kind: 'bonus', token: t, node: k, source: 'target', u: chooser.lastU, top: topEntries(pk) };
  return finish('chain-sampling', Array.from({ length: k + 1 }, (_, n) => n), acceptedTokens, decisions, final);
}
