/**
 * Classic draft-model speculation (Leviathan et al. 2023): a small model of the same
 * tokenizer runs k autoregressive steps with its own KV cache. Greedy, it drafts its argmax
 * (q one-hot); sampling, it draws each draft from its own warped distribution q (the same
 * logits processors and temperature/top-k/top-p as the target, each draft with its own
 * prefix), and that q goes to the verifier.
 * After verification commit() rolls its cache back to the longest prefix still in the
 * context: a length change, as the target's.
 */
import type { CausalLM } from '../runtime/lm.ts';
import { causalBias } from '../runtime/attention-bias.ts';
import type { KVStore } from '../runtime/kv-cache.ts';
import { argmax, toProbs } from '../decoding/sampling.ts';
import { chainTree } from '../decoding/tree.ts';
import { topEntries } from '../verify/chain.ts';
import { probOf, rowStats, topEntriesOfRow } from '../decoding/logit-stats.ts';
import { EMPTY_INFO, type AcceptedPath, type Draft, type DraftNodeInfo, type DraftRequest, type DraftSkip, type Drafter } from './types.ts';

export class DraftModelDrafter implements Drafter {
  readonly name = 'draft-model' as const;
  readonly maxDepth: number;
  private cache: KVStore;
  /** Tokens whose keys/values are in the cache, in order. */
  private fed: number[] = [];

  constructor(
    private readonly lm: CausalLM,
    k: number,
    private readonly pMin = 0,
  ) {
    if (!(Number.isInteger(k) && k >= 1 && k <= 32)) throw new Error(`draft-model: k must be an integer in [1, 32], got ${k}`);
    this.maxDepth = k;
    this.cache = lm.newCache();
  }

  async draft(req: DraftRequest): Promise<Draft | DraftSkip> {
    const V = this.lm.vocabSize;
    const k = Math.min(this.maxDepth, req.maxDepth);
    const greedy = req.sampling.temperature === 0;
    const run0 = this.lm.runMs;
    // 1. catch up on the context the cache has not seen (the prompt, or the last accepted tokens + pending)
    const fresh = req.context.slice(this.fed.length);
    const P = this.fed.length;
    let { logits } = await this.lm.forward(fresh, fresh.map((_, i) => P + i), causalBias(fresh.length, P), this.cache);
    this.fed.push(...fresh);
    let row = fresh.length - 1;
    let forwards = 1;
    const nodeTokens = [req.context[req.context.length - 1]!];
    const q: (Float64Array | null)[] = [null];
    const info: DraftNodeInfo[] = [EMPTY_INFO];
    let stoppedBy: Draft['stoppedBy'];
    // 2. k autoregressive draft steps
    for (let i = 0; i < k; i++) {
      // the processors first, with this draft's prefix: the context and the drafts before it
      req.processors?.apply(logits, row * V, req.context, nodeTokens.slice(1));
      // greedy: the argmax decides, and the softmax figures for the trace come from row statistics
      const stats = greedy ? rowStats(logits, row * V, V) : null;
      const dist = greedy ? null : toProbs(logits, req.sampling, row * V, V);
      const top = stats ? topEntriesOfRow(logits, stats, V, 5) : topEntries(dist!, 5);
      if (this.pMin > 0 && top[0]!.prob < this.pMin) {
        stoppedBy = 'confidence';
        break;
      }
      let token: number;
      let u: number | null = null;
      if (stats) {
        token = argmax(logits, row * V, V);
        q.push(null);
      } else {
        token = req.chooser.sample(dist!, `draft ${i + 1}`);
        u = req.chooser.lastU;
        q.push(dist);
      }
      nodeTokens.push(token);
      info.push({ q: stats ? probOf(logits, stats, token) : dist![token]!, top, u });
      if (i === k - 1) break;
      const Pn = this.fed.length;
      ({ logits } = await this.lm.forward([token], [Pn], causalBias(1, Pn), this.cache));
      this.fed.push(token);
      forwards++;
      row = 0;
    }
    const runMs = this.lm.runMs - run0;
    if (nodeTokens.length === 1) return { skipped: 'confidence', runMs };
    const draft: Draft = { tree: chainTree(nodeTokens.length - 1), nodeTokens, q, info, forwards, runMs };
    if (stoppedBy) draft.stoppedBy = stoppedBy;
    return draft;
  }

  commit({ context }: AcceptedPath): void {
    let n = 0;
    while (n < this.fed.length && n < context.length && this.fed[n] === context[n]) n++;
    if (n < this.fed.length) {
      this.cache.truncate(n);
      this.fed.length = n;
    }
  }

  reset(): void {
    this.cache.release();
    this.cache = this.lm.newCache();
    this.fed = [];
  }
}
