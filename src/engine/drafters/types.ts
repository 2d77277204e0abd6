/**
 * The one interface every drafter implements, so the decode loop (speculative.ts) never
 * asks which drafter it holds. A drafter proposes candidates after the pending token (the
 * last emitted token, not yet fed to the target); the loop verifies them in one target
 * forward and then tells the drafter which tokens survived.
 */
import type { Chooser } from '../decoding/choice.ts';
import type { LogitsProcessors } from '../decoding/processors.ts';
import type { SamplingParams } from '../decoding/sampling.ts';
import type { Tree } from '../decoding/tree.ts';
import type { TopEntry } from '../verify/chain.ts';

export type DrafterName = 'none' | 'heads' | 'heads-tree' | 'draft-model' | 'prompt-lookup';
export const DRAFTER_NAMES: readonly DrafterName[] = ['none', 'heads', 'heads-tree', 'draft-model', 'prompt-lookup'];

export interface DraftRequest {
  /** BOS + prompt + every emitted token; the last one is the pending root of this step. */
  context: readonly number[];
  /** The base model's final hidden state [C] at the last fed position (what the heads read). */
  hidden: Float32Array;
  /** Most drafted tokens allowed this step (adaptive length and context room); >= 1. */
  maxDrafts: number;
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

/** Why a drafter proposed nothing this step: the loop then decodes one token plainly. */
export type DraftSkip = { skipped: 'no-match' | 'confidence'; runMs?: number };

export interface Drafter {
  readonly name: DrafterName;
  /** The longest chain (or deepest tree) this drafter can propose. */
  readonly maxDepth: number;
  /** Propose candidates, or say why there are none this step. */
  draft(req: DraftRequest): Promise<Draft | DraftSkip>;
  /** After verification: the context now ends with the accepted drafts and the new pending token. */
  commit(context: readonly number[]): void;
  /** Free per-sequence state (the draft model's KV cache); the drafter stays usable. */
  reset(): void;
}

export const EMPTY_INFO: DraftNodeInfo = { q: null, top: null, u: null };
