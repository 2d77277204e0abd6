/**
 * The one interface every drafter implements, so the decode loop (speculative.ts) never
 * asks which drafter it holds. A drafter proposes candidates after the pending token (the
 * last emitted token, not yet fed to the target); the loop verifies them in one target
 * forward and then tells the drafter which tokens survived.
 *
 * The seam, for drafters to come: draft() may return a different tree every step (a dynamic
 * tree: buildTree or treeFromParents in decoding/tree.ts cache each shape's buffers, boundedly);
 * commit() receives the accepted path with the target's hidden states at it, the features an
 * EAGLE-style head drafts from, after every step, the prefill included.
 */
import type { Chooser } from '../decoding/choice.ts';
import type { LogitsProcessors } from '../decoding/processors.ts';
import type { SamplingParams } from '../decoding/sampling.ts';
import type { Tree } from '../decoding/tree.ts';
import type { TopEntry } from '../verify/chain.ts';

export type DrafterName = 'none' | 'heads' | 'heads-tree' | 'eagle' | 'eagle-tree' | 'draft-model' | 'prompt-lookup';
export const DRAFTER_NAMES: readonly DrafterName[] = ['none', 'heads', 'heads-tree', 'eagle', 'eagle-tree', 'draft-model', 'prompt-lookup'];

export interface DraftRequest {
  /** BOS + prompt + every emitted token; the last one is the pending root of this step. */
  context: readonly number[];
  /** The base model's final hidden state [C] at the last fed position (what the heads read):
   *  the last row of the previous commit's AcceptedPath.hidden. */
  hidden: Float32Array;
  /** Most drafted tokens allowed this step (adaptive length and context room); >= 1. */
  maxDepth: number;
  sampling: SamplingParams;
  /** The decode's logits processors (absent: none). A model drafter applies them to its own
   *  logits with each draft's prefix (context + the drafts before it) before it chooses, so
   *  q is the distribution the draft was really drawn from. */
  processors?: LogitsProcessors;
  /** For drafters that sample their drafts (draft model at temperature > 0). */
  chooser: Chooser;
  signal?: AbortSignal;
}

/** What a drafter saw when it chose one node's token: for the trace and the page. */
export interface DraftNodeInfo {
  /** The drafter's own probability of its token, when it has one: the draft model's q (after
   *  the same processors and temperature/top-k/top-p as the target; softmax at T=1 when greedy),
   *  a head's softmax. */
  q: number | null;
  /** The draft distribution's top entries (null for model-free drafters). */
  top: TopEntry[] | null;
  /** The uniform behind a sampled draft token. */
  u: number | null;
}

export interface Draft {
  /** Candidate tree; a chain of k drafts is chainTree(k). */
  tree: Tree;
  /** [N] node tokens; node 0 is the pending root. */
  nodeTokens: number[];
  /** [N] distribution each node was drawn from, or null when fixed (deterministic drafters, and the root). */
  q: (Float64Array | null)[];
  /** [N] per-node draft-side detail; entry 0 (the root) is empty. */
  info: DraftNodeInfo[];
  /** Forward passes the drafter ran (draft model steps, or 1 for a heads run). */
  forwards: number;
  /** Of the drafting time, the part spent inside onnxruntime's session.run (absent: none). */
  runMs?: number;
  /** Set when drafting stopped before the allowed length because the top probability fell below pMin. */
  stoppedBy?: 'confidence';
}

/**
 * What one step kept, for commit(). The tokens are those the step fed to the target and kept
 * in its KV cache; the hidden rows are the verify forward's hidden_states at them, gathered
 * along the accepted path. After the prefill, tokens is the prompt; after a decode step, the
 * root then the accepted drafts (verify.acceptedTokens), and context ends with those tokens
 * and the new pending token (the bonus or correction, not yet fed).
 */
export interface AcceptedPath {
  /** BOS + prompt + every emitted token, the new pending token last. The loop's own array:
   *  it grows after commit() returns, so copy what must outlive the call. */
  context: readonly number[];
  /** The position of tokens[0] (the target's KV length before the step). */
  start: number;
  /** [n] the kept tokens at positions start .. start + n - 1. */
  tokens: readonly number[];
  /** [n, C] row-major: the target's final hidden state at each kept token. */
  hidden: Float32Array;
}

/** Why a drafter proposed nothing this step: the loop then decodes one token plainly. */
export type DraftSkip = { skipped: 'no-match' | 'confidence'; runMs?: number };

export interface Drafter {
  readonly name: DrafterName;
  /** The longest chain (or deepest tree) this drafter can propose. */
  readonly maxDepth: number;
  /** Propose candidates, or say why there are none this step. */
  draft(req: DraftRequest): Promise<Draft | DraftSkip>;
  /** After every step (the prefill included): what the target kept, with its hidden states. */
  commit(accepted: AcceptedPath): void;
  /** Free per-sequence state (the draft model's KV cache); the drafter stays usable. */
  reset(): void;
}

export const EMPTY_INFO: DraftNodeInfo = { q: null, top: null, u: null };
