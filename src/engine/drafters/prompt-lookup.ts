/**
 * Prompt lookup decoding as a drafter: the chain is whatever followed the latest earlier
 * occurrence of the context's last n tokens (lookup.ts). No model, no probabilities: q is
 * one-hot (null), which speculative sampling accepts with probability p(x).
 */
import { chainTree } from '../decoding/tree.ts';
import { lookupDraft } from './lookup.ts';
import { EMPTY_INFO, type Draft, type DraftRequest, type DraftSkip, type Drafter } from './types.ts';

export class PromptLookupDrafter implements Drafter {
  readonly name = 'prompt-lookup' as const;
  readonly maxDepth: number;

  constructor(
    k: number,
    private readonly maxNgram = 3,
    private readonly minNgram = 1,
  ) {
    if (!(Number.isInteger(k) && k >= 1 && k <= 32)) throw new Error(`prompt-lookup: k must be an integer in [1, 32], got ${k}`);
    this.maxDepth = k;
  }

  async draft(req: DraftRequest): Promise<Draft | DraftSkip> {
    const found = lookupDraft(req.context, Math.min(this.maxDepth, req.maxDepth), this.maxNgram, this.minNgram);
    if (found.length === 0) return { skipped: 'no-match' };
    const nodeTokens = [req.context[req.context.length - 1]!, ...found];
    return {
      tree: chainTree(found.length),
      nodeTokens,
      q: nodeTokens.map(() => null),
      info: nodeTokens.map(() => EMPTY_INFO),
      forwards: 0,
    };
  }

  /** Model-free: each draft reads the context anew, so nothing to keep between steps. */
  commit(): void {}

  reset(): void {}
}
