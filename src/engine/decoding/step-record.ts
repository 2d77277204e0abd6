/**
 * What the decode loop records of each step (StepRecord, replayed by the trace), the one
 * place a record is built, and the small clock that times a step's phases.
 */
import type { Draft, DraftNodeInfo, DraftSkip } from '../drafters/types.ts';
import type { TreeSpec } from './tree.ts';
import type { VerifyResult } from '../verify/chain.ts';
import type { TargetNode } from '../verify/index.ts';

/** Where a step's time goes; totalMs minus the parts is bookkeeping (probabilities, records). */
export interface StepTimings {
  /** The drafter's work (heads forward, draft-model steps, lookup). */
  draftMs: number;
  /** Of draftMs, the time inside onnxruntime's session.run (the drafter's bare forwards). */
  draftRunMs: number;
  /** The target forward over the root and the candidates. */
  verifyForwardMs: number;
  /** Of verifyForwardMs, the bare session.run: what the runtime itself costs. */
  verifyForwardRunMs: number;
  /** The verifier's decisions (and the target distributions it needs). */
  verifyDecisionsMs: number;
  /** Keeping the accepted path in the KV caches and emitting. */
  acceptMs: number;
  /** Of acceptMs, the target KV cache's truncate or gather alone. */
  kvMs: number;
  totalMs: number;
}

export interface StepRecord {
  index: number;
  kind: 'prefill' | 'decode';
  /** Base KV length before and after the step. */
  kvBefore: number;
  kvAfter: number;
  /** Drafts this step allowed (adaptive schedule and context room); 0 for prefill. */
  maxDepth: number;
  draft: null | {
    tree: TreeSpec;
    nodeTokens: number[];
    nodes: DraftNodeInfo[];
    forwards: number;
    stoppedBy?: 'confidence';
  };
  /** Why a decode step that allowed drafts has none: lookup found no match, or the first draft was below pMin. */
  skipped?: 'no-match' | 'confidence';
  /** Per verified node: the target's top entries after it and, for candidates, the target's
   *  probability of the node's own token at its parent (the verification distribution; softmax at T=1 when greedy). */
  target: { nodes: TargetNode[]; dist: 'warped' | 'softmax' };
  verify: VerifyResult;
  /** Tokens this step adds to the output (cut at EOS or max tokens). */
  emitted: number[];
  /** Their text (a character split across steps appears when complete). */
  text: string;
  forwards: { target: number; draft: number };
  timings: StepTimings;
}

const now = () => performance.now();

/** A step's phases, in the order they run: 'kv' and 'emit' together are the accept phase;
 *  'record' (the trace's figures) is in totalMs only, as bookkeeping. */
type Phase = 'draft' | 'forward' | 'verify' | 'kv' | 'emit' | 'record';

/** One step's stopwatch: end(phase) closes a phase at now; run(phase, ms) notes its bare session.run time. */
export class StepClock {
  private readonly start = now();
  private last = this.start;
  private readonly ms: Record<Phase, number> = { draft: 0, forward: 0, verify: 0, kv: 0, emit: 0, record: 0 };
  private readonly runMs = { draft: 0, forward: 0 };

  end(phase: Phase): void {
    const t = now();
    this.ms[phase] += t - this.last;
    this.last = t;
  }

  run(phase: 'draft' | 'forward', ms: number): void {
    this.runMs[phase] += ms;
  }

  timings(): StepTimings {
    const { draft, forward, verify, kv, emit } = this.ms;
    return {
      draftMs: draft, draftRunMs: this.runMs.draft, verifyForwardMs: forward, verifyForwardRunMs: this.runMs.forward,
      verifyDecisionsMs: verify, acceptMs: kv + emit, kvMs: kv, totalMs: this.last - this.start,
    };
  }
}

export interface StepParts {
  index: number;
  kind: StepRecord['kind'];
  kvBefore: number;
  kvAfter: number;
  maxDepth: number;
  draft: Draft | null;
  skip: DraftSkip | null;
  target: TargetNode[];
  greedy: boolean;
  verify: VerifyResult;
  emitted: number[];
  text: string;
  timings: StepTimings;
}

/** A step's record. The draft is copied: its Tree is cached and shared, its arrays the drafter's. */
export function stepRecord(p: StepParts): StepRecord {
  const d = p.draft;
  return {
    index: p.index, kind: p.kind, kvBefore: p.kvBefore, kvAfter: p.kvAfter, maxDepth: p.maxDepth,
    draft: d
      ? {
          tree: d.tree.paths.map((path) => [...path]),
          nodeTokens: [...d.nodeTokens],
          nodes: d.info.map((n) => ({ ...n })),
          forwards: d.forwards,
          ...(d.stoppedBy ? { stoppedBy: d.stoppedBy } : {}),
        }
      : null,
    ...(p.skip ? { skipped: p.skip.skipped } : {}),
    target: { nodes: p.target, dist: p.greedy ? 'softmax' : 'warped' },
    verify: p.verify, emitted: p.emitted, text: p.text,
    forwards: { target: 1, draft: d?.forwards ?? 0 },
    timings: p.timings,
  };
}
