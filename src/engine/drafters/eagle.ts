/**
 * EAGLE drafting (Li et al. 2024): a one-layer head reads the target's own features. At
 * position t it takes the target's hidden state f_t with the token at t+1 and guesses f_{t+1}
 * (its hidden output) and the token at t+2 (its logits); later depths feed its own output
 * back with the token it drafted. Its KV cache holds one row per position whose next token
 * is known: commit() queues the target's features at the kept positions with the token after
 * each, draft() feeds them (one run whose last row drafts depth 1), then the draft rows,
 * which the next step drops: rolling back is a length change, as the target's. A chain runs in
 * one session.run where the model has the loop graph (runtime/draft-loop.ts) and the run's
 * settings are greedy or temperature alone: the feed and the k - 1 steps after it, the tokens
 * k single runs draft, sampled ones from the same uniforms, with the q rows they came from.
 *   eagle       a chain of k (greedy: argmax, q one-hot; sampling: each draft drawn from the
 *               head's own q after the run's processors and temperature/top-k/top-p, and that q
 *               handed to the verifier)
 *   eagle-tree  EAGLE-2's dynamic tree: per depth, expand the `branch` best nodes by cumulative
 *               draft log-probability into their `branch` best children, then keep the best
 *               `draftTokens` of every node drafted. Its candidates are a deterministic function
 *               of the context, so q is one-hot (null) at every node and the tree verifiers'
 *               rule for fixed candidates keeps it lossless under sampling.
 */
import type { CausalLM } from '../runtime/lm.ts';
import type { DraftLoop } from '../runtime/draft-loop.ts';
import { causalBias } from '../runtime/attention-bias.ts';
import type { KVStore } from '../runtime/kv-cache.ts';
import { probOf, rowStats, topEntriesOfRow, topTokens } from '../decoding/logit-stats.ts';
import { argmax, toProbs } from '../decoding/sampling.ts';
import { chainTree, MAX_TREE_NODES, treeFromParents } from '../decoding/tree.ts';
import { topEntries, type TopEntry } from '../verify/chain.ts';
import { EMPTY_INFO, type AcceptedPath, type Draft, type DraftNodeInfo, type DraftRequest, type DraftSkip, type Drafter } from './types.ts';

export type EagleShape =
  | { kind: 'chain'; k: number }
  /** depth: the deepest node (maxDepth); branch: children per expanded node and nodes expanded
   *  per depth (EAGLE-2's top_k); draftTokens: nodes kept, root excluded (its total_token). */
  | { kind: 'dynamic-tree'; depth: number; branch: number; draftTokens: number };

/** One output row of the head: the logits of the token two past its feature, and its next feature. */
interface HeadRow {
  logits: Float32Array; // [V]
  hidden: Float32Array; // [C]
}

/** A node of a dynamic tree while it grows. */
interface Grown {
  parent: number; // index in the grown list; -1 for the root
  token: number;
  depth: number;
  /** Cumulative log-probability of the path, root excluded. */
  score: number;
  info: DraftNodeInfo;
  /** The head's row after feeding this node (set once the node is expanded). */
  row?: HeadRow;
  /** Its row's index in the head's KV cache (once expanded). */
  cacheRow?: number;
}

const checkInt = (what: string, v: number, lo: number, hi: number) => {
  if (!(Number.isInteger(v) && v >= lo && v <= hi)) throw new Error(`eagle: ${what} must be an integer in [${lo}, ${hi}], got ${v}`);
};

export class EagleDrafter implements Drafter {
  readonly name: 'eagle' | 'eagle-tree';
  readonly maxDepth: number;
  private cache: KVStore;
  /** Rows of the cache that hold the target's real features (positions 0 .. committed - 1). */
  private committed = 0;
  /** Queued by commit(), fed by the next draft(): the kept positions' features and the token after each. */
  private queued: { start: number; tokens: number[]; features: Float32Array[] } | null = null;
  /** The last committed row's output: depth 1's logits and the root's feature. */
  private rootRow: HeadRow | null = null;

  constructor(
    private readonly head: CausalLM,
    private readonly shape: EagleShape,
    private readonly pMin = 0,
    /** The head's k steps in one run, for greedy chains without processors or confidence stopping. */
    private readonly loop: DraftLoop | null = null,
  ) {
    if (shape.kind === 'chain') {
      checkInt('k', shape.k, 1, 32);
      this.name = 'eagle';
      this.maxDepth = shape.k;
    } else {
      checkInt('the tree depth', shape.depth, 1, 32);
      checkInt('branch', shape.branch, 1, 16);
      checkInt('draftTokens', shape.draftTokens, 1, MAX_TREE_NODES - 1);
      this.name = 'eagle-tree';
      this.maxDepth = shape.depth;
    }
    this.cache = head.newCache();
  }

  async draft(req: DraftRequest): Promise<Draft | DraftSkip> {
    const depth = Math.min(this.maxDepth, req.maxDepth);
    if (this.loop && this.shape.kind === 'chain' && this.takesLoop(req)) return this.chainInOneRun(req, this.loop, depth);
    const run0 = this.head.runMs;
    const root = await this.feedQueued();
    const got = this.shape.kind === 'chain' ? await this.chain(req, root, depth) : await this.tree(req, root, depth, this.shape);
    return { ...got, runMs: this.head.runMs - run0 };
  }

  commit({ context, start, tokens, hidden }: AcceptedPath): void {
    const C = this.head.nEmbd;
    const n = tokens.length;
    const fedUpTo = this.committed + (this.queued?.tokens.length ?? 0);
    if (start > fedUpTo) {
      throw new Error(`eagle: commit() at position ${start} but the head has features up to ${fedUpTo} only; commit every step, the prefill included`);
    }
    if (start < this.committed) {
      this.committed = start;
      this.queued = null;
      this.rootRow = null;
    } else if (this.queued && start < fedUpTo) {
      const keep = start - this.queued.start;
      this.queued.tokens.length = keep;
      this.queued.features.length = keep;
    }
    this.cache.truncate(Math.min(this.cache.length, this.committed));
    const q = (this.queued ??= { start: this.committed, tokens: [], features: [] });
    for (let i = 0; i < n; i++) {
      q.features.push(hidden.subarray(i * C, (i + 1) * C)); // [C]: f at position start + i
      q.tokens.push(i + 1 < n ? tokens[i + 1]! : context[start + n]!); // the token at start + i + 1
    }
  }

  reset(): void {
    this.cache.release();
    this.cache = this.head.newCache();
    this.committed = 0;
    this.queued = null;
    this.rootRow = null;
  }

  /** The loop graph draws greedily or by temperature alone (with the chooser's uniforms): no processors, top-k, top-p, or p-min. */
  private takesLoop(req: DraftRequest): boolean {
    const { temperature, topK, topP } = req.sampling;
    const draws = temperature === 0 || (topK === 0 && topP === 1 && req.chooser.uniform !== undefined);
    return draws && !req.processors?.on && this.pMin === 0 && (this.queued?.tokens.length ?? 0) > 0;
  }

  /** The feed and a chain of k in one run of the loop graph: the tokens k single runs draft. */
  private async chainInOneRun(req: DraftRequest, loop: DraftLoop, k: number): Promise<Draft> {
    this.cache.truncate(this.committed);
    const q = this.queued!;
    const T = q.tokens.length;
    const C = this.head.nEmbd;
    const V = this.head.vocabSize;
    const features = new Float32Array(T * C); // [T, C]
    q.features.forEach((f, i) => features.set(f, i * C));
    const P = this.cache.length;
    const { temperature } = req.sampling;
    // one uniform per draft, in draft order, as k single runs would consume them
    const uniforms = temperature > 0 ? Array.from({ length: k }, (_, i) => req.chooser.uniform!(`draft ${i + 1}`)) : new Array<number>(k).fill(0);
    const run0 = loop.runMs;
    const out = await loop.run({
      inputIds: q.tokens, positionIds: q.tokens.map((_, i) => q.start + i), attentionBias: causalBias(T, P), features, cache: this.cache,
      uniforms, temperature,
    }); // tokens [k], q [k, V]: softmax(logits / T), at T = 1 when greedy
    this.committed = P + T;
    this.queued = null;
    this.rootRow = null; // the loop returns no root row: the next draft needs a commit first, as every step gives
    const rows = out.tokens.map((_, i) => normalised(out.q.subarray(i * V, (i + 1) * V))); // [k][V] float64
    const info = out.tokens.map((token, i): DraftNodeInfo => ({ q: rows[i]![token]!, top: topEntries(rows[i]!, 5), u: temperature > 0 ? uniforms[i]! : null }));
    const rootToken = req.context[req.context.length - 1]!;
    return {
      tree: chainTree(k), nodeTokens: [rootToken, ...out.tokens], q: [null, ...rows.map((r) => (temperature > 0 ? r : null))], info: [EMPTY_INFO, ...info],
      forwards: 1, runMs: loop.runMs - run0,
    };
  }

  /** Drops last step's draft rows and feeds what commit() queued; returns the last committed row's output. */
  private async feedQueued(): Promise<HeadRow> {
    this.cache.truncate(this.committed);
    const q = this.queued;
    if (!q || q.tokens.length === 0) {
      if (!this.rootRow) throw new Error('eagle: draft() needs a commit() first (the decode loop commits after every step, the prefill included)');
      return this.rootRow;
    }
    const T = q.tokens.length;
    const C = this.head.nEmbd;
    const V = this.head.vocabSize;
    const features = new Float32Array(T * C); // [T, C]
    q.features.forEach((f, i) => features.set(f, i * C));
    const P = this.cache.length;
    const out = await this.head.forward(q.tokens, q.tokens.map((_, i) => q.start + i), causalBias(T, P), this.cache, features);
    this.committed = this.cache.length;
    this.queued = null;
    this.rootRow = { logits: out.logits.slice((T - 1) * V), hidden: out.hidden.slice((T - 1) * C) };
    return this.rootRow;
  }

  /**
   * The head's next rows for T nodes (each a token and the feature it follows) at `positions`,
   * each seeing the committed rows, the draft rows `sees(i)` (its ancestors') and itself.
   * The one place a draft step runs the graph.
   */
  private async step(tokens: number[], features: Float32Array[], positions: number[], sees: (i: number) => number[]): Promise<HeadRow[]> {
    const T = tokens.length;
    const C = this.head.nEmbd;
    const V = this.head.vocabSize;
    const P = this.cache.length;
    const W = P + T;
    const bias = new Float32Array(T * W).fill(-Infinity); // [T, P+T]
    for (let i = 0; i < T; i++) {
      bias.fill(0, i * W, i * W + this.committed);
      for (const r of sees(i)) bias[i * W + r] = 0;
      bias[i * W + P + i] = 0;
    }
    const feats = new Float32Array(T * C); // [T, C]
    features.forEach((f, i) => feats.set(f, i * C));
    const out = await this.head.forward(tokens, positions, bias, this.cache, feats);
    return tokens.map((_, i) => ({ logits: out.logits.slice(i * V, (i + 1) * V), hidden: out.hidden.slice(i * C, (i + 1) * C) }));
  }

  /**
   * k draft steps in a line: each drafted token goes back in with the head's last feature.
   * The seam for a graph that runs the k steps in one session.run (the choices need only the
   * processors and, sampling, a uniform per step).
   */
  private async draftSteps(req: DraftRequest, root: HeadRow, k: number): Promise<{ tokens: number[]; q: (Float64Array | null)[]; info: DraftNodeInfo[]; forwards: number; stoppedBy?: 'confidence' }> {
    const V = this.head.vocabSize;
    const greedy = req.sampling.temperature === 0;
    const tokens: number[] = [];
    const q: (Float64Array | null)[] = [];
    const info: DraftNodeInfo[] = [];
    let row: HeadRow = { logits: root.logits.slice(), hidden: root.hidden };
    let forwards = 0;
    for (let i = 0; i < k; i++) {
      req.processors?.apply(row.logits, 0, req.context, tokens);
      const stats = greedy ? rowStats(row.logits, 0, V) : null;
      const dist = greedy ? null : toProbs(row.logits, req.sampling, 0, V);
      const top = stats ? topEntriesOfRow(row.logits, stats, V, 5) : topEntries(dist!, 5);
      if (this.pMin > 0 && top[0]!.prob < this.pMin) return { tokens, q, info, forwards, stoppedBy: 'confidence' };
      let token: number;
      let u: number | null = null;
      if (stats) {
        token = argmax(row.logits, 0, V);
        q.push(null);
      } else {
        token = req.chooser.sample(dist!, `draft ${i + 1}`);
        u = req.chooser.lastU;
        q.push(dist);
      }
      tokens.push(token);
      info.push({ q: stats ? probOf(row.logits, stats, token) : dist![token]!, top, u });
      if (i === k - 1) break;
      // position committed + i, after the i draft rows before it, which it sees
      const P = this.cache.length;
      const before = Array.from({ length: P - this.committed }, (_, r) => this.committed + r);
      row = (await this.step([token], [row.hidden], [P], () => before))[0]!;
      forwards++;
    }
    return { tokens, q, info, forwards };
  }

  private async chain(req: DraftRequest, root: HeadRow, k: number): Promise<Draft | DraftSkip> {
    const r = await this.draftSteps(req, root, k);
    if (r.tokens.length === 0) return { skipped: 'confidence' };
    const rootToken = req.context[req.context.length - 1]!;
    const draft: Draft = {
      tree: chainTree(r.tokens.length),
      nodeTokens: [rootToken, ...r.tokens],
      q: [null, ...r.q],
      info: [EMPTY_INFO, ...r.info],
      forwards: 1 + r.forwards,
    };
    if (r.stoppedBy) draft.stoppedBy = r.stoppedBy;
    return draft;
  }

  /** EAGLE-2: grow by cumulative log-probability, one head run per depth, then keep the best draftTokens nodes. */
  private async tree(req: DraftRequest, root: HeadRow, depth: number, shape: { branch: number; draftTokens: number }): Promise<Draft> {
    const { branch, draftTokens } = shape;
    const rootToken = req.context[req.context.length - 1]!;
    const grown: Grown[] = [{ parent: -1, token: rootToken, depth: 0, score: 0, info: EMPTY_INFO, row: { logits: root.logits.slice(), hidden: root.hidden } }];
    const prefixOf = (n: number): number[] => {
      const out: number[] = [];
      for (let a = n; a > 0; a = grown[a]!.parent) out.push(grown[a]!.token);
      return out.reverse();
    };
    let forwards = 1;
    let expand = [0];
    for (let d = 1; d <= depth; d++) {
      if (d > 1) {
        // run the head on the nodes to expand: each with its parent's output feature, at position root + d - 2
        const P0 = this.committed;
        const rows = await this.step(
          expand.map((n) => grown[n]!.token),
          expand.map((n) => grown[grown[n]!.parent]!.row!.hidden),
          expand.map(() => P0 + d - 2),
          (i) => {
            const seen: number[] = [];
            for (let a = grown[expand[i]!]!.parent; a > 0; a = grown[a]!.parent) seen.push(grown[a]!.cacheRow!);
            return seen;
          },
        );
        const P = this.cache.length - rows.length;
        expand.forEach((n, i) => {
          grown[n]!.row = rows[i]!;
          grown[n]!.cacheRow = P + i;
        });
        forwards++;
      }
      const children: number[] = [];
      for (const n of expand) {
        const row = grown[n]!.row!;
        for (const c of this.bestChildren(req, row.logits, req.context, prefixOf(n), branch)) {
          children.push(grown.length);
          grown.push({ parent: n, token: c.token, depth: d, score: grown[n]!.score + Math.log(c.prob), info: c.info });
        }
      }
      // the next depth expands this depth's best `branch` nodes
      expand = children.sort((a, b) => grown[b]!.score - grown[a]!.score || a - b).slice(0, branch);
      if (expand.length === 0) break;
    }
    // rerank every drafted node; a child never outscores its parent and sorts after it on ties
    const kept = grown
      .map((_, n) => n)
      .slice(1)
      .sort((a, b) => grown[b]!.score - grown[a]!.score || grown[a]!.depth - grown[b]!.depth || a - b)
      .slice(0, draftTokens)
      .sort((a, b) => grown[a]!.depth - grown[b]!.depth || grown[b]!.score - grown[a]!.score || a - b);
    const indexOf = new Map<number, number>([[0, 0]]);
    kept.forEach((n, i) => indexOf.set(n, i + 1));
    const order = [0, ...kept];
    const { tree, nodeOf } = treeFromParents(order.map((n) => (n === 0 ? -1 : indexOf.get(grown[n]!.parent)!)));
    const nodeTokens = new Array<number>(tree.size);
    const info = new Array<DraftNodeInfo>(tree.size);
    order.forEach((n, i) => {
      nodeTokens[nodeOf[i]!] = grown[n]!.token;
      info[nodeOf[i]!] = grown[n]!.info;
    });
    return { tree, nodeTokens, q: nodeTokens.map(() => null), info, forwards };
  }

  /** A node's `n` most probable children under the head's distribution at the run's settings (after the processors). */
  private bestChildren(req: DraftRequest, logits: Float32Array, context: readonly number[], prefix: number[], n: number): Array<{ token: number; prob: number; info: DraftNodeInfo }> {
    const V = this.head.vocabSize;
    req.processors?.apply(logits, 0, context, prefix);
    const { sampling } = req;
    if (sampling.temperature === 0) {
      const stats = rowStats(logits, 0, V);
      const top = topEntriesOfRow(logits, stats, V, 5);
      return topTokens(logits, 0, V, n)
        .map((token) => ({ token, prob: probOf(logits, stats, token) }))
        .filter((c) => c.prob > 0)
        .map((c) => ({ ...c, info: { q: c.prob, top: copyTop(top), u: null } }));
    }
    const dist = toProbs(logits, sampling, 0, V);
    const top = topEntries(dist, Math.max(5, n));
    return top.slice(0, n).map((e) => ({ token: e.token, prob: e.prob, info: { q: e.prob, top: copyTop(top.slice(0, 5)), u: null } }));
  }
}

const copyTop = (top: TopEntry[]): TopEntry[] => top.map((e) => ({ ...e }));

/** A float32 row of probabilities as float64, summing to 1 (the verifier checks the sum to 1e-6). */
function normalised(row: Float32Array): Float64Array {
  const out = Float64Array.from(row);
  let sum = 0;
  for (let i = 0; i < out.length; i++) sum += out[i]!;
  for (let i = 0; i < out.length; i++) out[i]! /= sum;
  return out;
}
