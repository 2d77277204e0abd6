/**
 * The speculative decode loop, in the papers' steps: prefill -> (draft -> one target
 * forward over the candidates -> verify -> keep the accepted path in every KV cache ->
 * emit) until a stop. Each step is recorded (StepRecord) so a trace can replay it.
 *
 * State between steps: the base KV cache holds every token but the last emitted one (the
 * pending root); `hidden` is the base model's hidden state at the last fed position, which
 * the Medusa heads read. A step with no drafts is exactly one autoregressive step (a
 * zero-length chain), so drafter 'none' is plain decoding through the same code.
 * The logits processors (processors.ts) run on every verified row with that node's own prefix,
 * and in the drafters on each draft's, before any temperature/top-k/top-p.
 */
import { rngChooser, type Chooser } from './choice.ts';
import type { Draft, DraftNodeInfo, DraftSkip, Drafter } from '../drafters/types.ts';
import { yieldToEventLoop } from './event-loop.ts';
import { decodeSettings, type GenerateOptions, type StopReason } from './decode-settings.ts';
import { causalBias } from '../runtime/lm.ts';
import type { LoadedModel } from '../runtime/model.ts';
import { LogitsProcessors } from './processors.ts';
import { preparePrompt, type Prompt } from './prompt.ts';
import { Rng } from './rng.ts';
import { argmax, toProbs, type SamplingParams } from './sampling.ts';
import { StreamDecoder } from '../runtime/tokenizer.ts';
import { treeAttentionBias, treePositionIds, type TreeSpec } from './tree.ts';
import { topEntries, verifyChainGreedy, verifyChainSampling, type TopEntry, type VerifyResult } from '../verify/chain.ts';
import { verifyTreeGreedy, verifyTreeSampling } from '../verify/tree.ts';
import { TYPICAL_DEFAULTS, verifyTypical, type TypicalParams } from '../verify/typical.ts';
import { probOf, rowStats, topEntriesOfRow } from './logit-stats.ts';

export type Acceptance = 'lossless' | 'typical';

export interface SpecOptions extends GenerateOptions {
  /** Hugging Face's schedule: +2 drafts after a fully accepted step, -1 otherwise (1 .. drafter max). */
  adaptive?: boolean;
  /** 'typical' is Medusa's typical acceptance: LOSSY, for contrast only. Default 'lossless'. */
  acceptance?: Acceptance;
  typical?: TypicalParams;
  /** Called after every step with its record. */
  onStep?: (step: StepRecord) => void;
  /** The source of every random decision; default: the seeded Rng's. A scripted one (choice.ts's
   *  enumerate pattern) lets a test walk every outcome of a decode and get its exact law. */
  chooser?: Chooser;
}

/** Where a step's time goes; totalMs minus the parts is bookkeeping (probabilities, records). */
export interface StepTimings {
  /** The drafter's work (heads forward, draft-model steps, lookup). */
  draftMs: number;
  /** Of draftMs, the time inside onnxruntime's session.run (the drafter's bare forwards). */
  draftRunMs: number;
  /** The target forward over the root and the candidates. */
  forwardMs: number;
  /** Of forwardMs, the bare session.run: what the runtime itself costs. */
  forwardRunMs: number;
  /** The verifier's decisions (and the target distributions it needs). */
  verifyMs: number;
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
  maxDrafts: number;
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
  target: { nodes: { top: TopEntry[]; pToken: number | null }[]; dist: 'warped' | 'softmax' };
  verify: VerifyResult;
  /** Tokens this step adds to the output (cut at EOS or max tokens). */
  emitted: number[];
  /** Their text (a character split across steps appears when complete). */
  text: string;
  forwards: { target: number; draft: number };
  timings: StepTimings;
}

export interface SpecResult {
  promptIds: number[];
  tokens: number[];
  text: string;
  stopReason: StopReason;
  steps: StepRecord[];
  /** Target forwards (prefill included) and drafter forwards. */
  forwards: { target: number; draft: number };
  elapsedMs: number;
  /** Of elapsedMs, the decode phase: from the end of the prefill step to the end (0 without one). */
  decodeMs: number;
  lossy: boolean;
}

const now = () => performance.now();

/**
 * The processors on every verified row, each with its own prefix: the context (which ends with
 * the root) plus the drafted tokens on the node's root path, so a node's distribution is the one
 * autoregressive decoding would have after that path. Parents come before children in node order.
 */
function processNodes(processors: LogitsProcessors, logits: Float32Array, V: number, context: readonly number[], draft: Draft | null): void {
  if (!processors.on) return;
  if (!draft) {
    processors.apply(logits, 0, context);
    return;
  }
  const { tree, nodeTokens } = draft;
  const tails: number[][] = [[]];
  for (let n = 0; n < tree.size; n++) {
    if (n > 0) tails[n] = [...tails[tree.parents[n]!]!, nodeTokens[n]!];
    processors.apply(logits, n * V, context, tails[n]);
  }
}

/** The target's distribution for every node, as the verifier wants it. */
function targetDists(logits: Float32Array, N: number, V: number, s: SamplingParams): Float64Array[] {
  return Array.from({ length: N }, (_, n) => toProbs(logits, s, n * V, V));
}

function verifyStep(
  draft: Draft | null,
  logits: Float32Array,
  V: number,
  s: SamplingParams,
  chooser: Chooser,
  acceptance: Acceptance,
  typical: TypicalParams,
): { result: VerifyResult; top: { top: TopEntry[]; pToken: number | null }[] } {
  const tree = draft?.tree ?? null;
  const N = tree ? tree.size : 1;
  const greedy = s.temperature === 0;
  const tops = (dists: ArrayLike<number>[]) =>
    dists.map((d, n) => ({
      top: topEntries(d, 5),
      pToken: draft && n > 0 ? dists[draft.tree.parents[n]!]![draft.nodeTokens[n]!]! : null,
    }));
  if (greedy && acceptance === 'lossless') {
    const am = Array.from({ length: N }, (_, n) => argmax(logits, n * V, V));
    // the decision needs only the argmax; the trace's softmax figures come from row statistics
    const stats = Array.from({ length: N }, (_, n) => rowStats(logits, n * V, V));
    const top = stats.map((st, n) => ({
      top: topEntriesOfRow(logits, st, V, 5),
      pToken: draft && n > 0 ? probOf(logits, stats[draft.tree.parents[n]!]!, draft.nodeTokens[n]!) : null,
    }));
    if (!draft) return { result: verifyChainGreedy([], am), top };
    const chain = draft.tree.parents.every((p, n) => p === n - 1);
    const result = chain
      ? verifyChainGreedy(draft.nodeTokens.slice(1), am)
      : verifyTreeGreedy(draft.tree, draft.nodeTokens, am);
    return { result, top };
  }
  const p = targetDists(logits, N, V, s);
  const top = tops(p);
  if (!draft) return { result: verifyChainSampling([], [], p, chooser), top };
  if (acceptance === 'typical') return { result: verifyTypical(draft.tree, draft.nodeTokens, p, chooser, typical), top };
  const chain = draft.tree.parents.every((par, n) => par === n - 1);
  const result = chain
    ? verifyChainSampling(draft.nodeTokens.slice(1), draft.q.slice(1), p, chooser)
    : verifyTreeSampling(draft.tree, draft.nodeTokens, draft.q, p, chooser);
  return { result, top };
}

/**
 * Speculative decoding of `prompt` with `drafter` (null: plain autoregressive decoding).
 * Greedy output equals generate()'s token for token; sampled output has its distribution.
 */
export async function speculativeGenerate(
  model: Pick<LoadedModel, 'base' | 'tokenizer' | 'config'>,
  drafter: Drafter | null,
  prompt: Prompt,
  opts: SpecOptions,
): Promise<SpecResult> {
  const t0 = now();
  const s = decodeSettings(opts);
  const acceptance = opts.acceptance ?? 'lossless';
  if (acceptance !== 'lossless' && acceptance !== 'typical') {
    throw new Error(`acceptance must be 'lossless' or 'typical', got ${String(acceptance)}`);
  }
  if (acceptance === 'typical' && s.temperature === 0) {
    throw new Error('typical acceptance is a sampling method: set a temperature > 0 (greedy verification is already exact)');
  }
  const typical = opts.typical ?? TYPICAL_DEFAULTS;
  const { base: lm, tokenizer, config } = model;
  const V = config.vocab_size;
  const C = lm.nEmbd;
  const nPos = config.n_positions;
  const context = preparePrompt(tokenizer, nPos, prompt);
  const promptIds = [...context];
  const chooser = opts.chooser ?? rngChooser(new Rng(s.seed));
  const processors = new LogitsProcessors(s, V);
  const stream = new StreamDecoder(tokenizer.tokenBytes);
  const tokens: number[] = [];
  const steps: StepRecord[] = [];
  const forwards = { target: 0, draft: 0 };
  let stopReason: StopReason = 'aborted';
  let kNow = drafter?.maxDepth ?? 0;
  let lossy = false;
  let decodeStart: number | null = null;
  const cache = lm.newCache();
  drafter?.reset();

  /** Append a step's verified tokens to the output; true when decoding must stop. */
  const emit = (verified: number[]): { emitted: number[]; text: string; stop: StopReason | null } => {
    const emitted: number[] = [];
    let text = '';
    for (const t of verified) {
      emitted.push(t);
      tokens.push(t);
      if (s.stopAtEos && t === tokenizer.eosId) return { emitted, text, stop: 'eos' };
      const piece = stream.push(t);
      text += piece;
      opts.onToken?.(t, piece);
      if (tokens.length >= s.maxNewTokens) return { emitted, text, stop: 'max_tokens' };
    }
    return { emitted, text, stop: null };
  };

  try {
    if (opts.signal?.aborted) return done();
    // 1. prefill: the prompt in one causal forward; its last row gives the first token
    const tp = now();
    const L0 = context.length;
    const run0 = lm.runMs;
    const pre = await lm.forward(context, [...Array(L0).keys()], causalBias(L0, 0), cache); // logits [L0, V], hidden [L0, C]
    const preRunMs = lm.runMs - run0;
    forwards.target++;
    const tf = now();
    const last = pre.logits.subarray((L0 - 1) * V, L0 * V);
    processNodes(processors, last, V, context, null);
    const first = verifyStep(null, last, V, s, chooser, acceptance, typical);
    const tv = now();
    let hidden = pre.hidden.slice((L0 - 1) * C, L0 * C); // [C]
    context.push(first.result.final.token);
    let out = emit(first.result.emitted);
    const te0 = now();
    steps.push({
      index: 0, kind: 'prefill', kvBefore: 0, kvAfter: cache.length, maxDrafts: 0, draft: null,
      target: { nodes: first.top, dist: s.temperature === 0 ? 'softmax' : 'warped' },
      verify: first.result, emitted: out.emitted, text: out.text, forwards: { target: 1, draft: 0 },
      timings: { draftMs: 0, draftRunMs: 0, forwardMs: tf - tp, forwardRunMs: preRunMs, verifyMs: tv - tf, acceptMs: te0 - tv, kvMs: 0, totalMs: te0 - tp },
    });
    opts.onStep?.(steps[0]!);
    decodeStart = now();

    for (let stop = out.stop; ; ) {
      if (stop) {
        stopReason = stop;
        break;
      }
      await yieldToEventLoop(); // lets a Stop message (an abort) land between steps
      if (opts.signal?.aborted) break;
      const L = cache.length;
      if (L >= nPos) {
        stopReason = 'context_full';
        break;
      }
      const ts = now();
      // 2. draft: at most as deep as the context has room for (node depth d sits at position L + d)
      const room = nPos - 1 - L;
      const maxDrafts = Math.min(opts.adaptive ? kNow : drafter?.maxDepth ?? 0, room);
      let draft: Draft | null = null;
      let skip: DraftSkip | null = null;
      let draftRunMs = 0;
      if (drafter && maxDrafts >= 1) {
        const got = await drafter.draft({ context, hidden, maxDrafts, sampling: s, processors, chooser, signal: opts.signal });
        if ('skipped' in got) skip = got;
        else draft = got;
        draftRunMs = got.runMs ?? 0;
        if (draft) forwards.draft += draft.forwards;
      }
      const td = now();
      // 3. one target forward over the root and every candidate
      const N = draft ? draft.tree.size : 1;
      const inputIds = draft ? draft.nodeTokens : [context[context.length - 1]!];
      const positions = draft ? treePositionIds(draft.tree, L) : [L];
      const bias = draft ? treeAttentionBias(draft.tree, L) : causalBias(1, L);
      const run1 = lm.runMs;
      const fwd = await lm.forward(inputIds, positions, bias, cache); // logits [N, V], hidden [N, C]
      const forwardRunMs = lm.runMs - run1;
      forwards.target++;
      const tf2 = now();
      // 4. verify, on the target's logits after the processors
      processNodes(processors, fwd.logits, V, context, draft);
      const { result, top } = verifyStep(draft, fwd.logits, V, s, chooser, acceptance, typical);
      lossy ||= result.lossy;
      const tv2 = now();
      // 5. keep the accepted path: a length change for a prefix, a gather for a tree branch
      const nodes = result.acceptedNodes;
      if (nodes.every((n, i) => n === i)) cache.truncate(L + nodes.length);
      else cache.gather([...Array(L).keys(), ...nodes.map((n) => L + n)]);
      const tk = now();
      const lastNode = nodes[nodes.length - 1]!;
      hidden = fwd.hidden.slice(lastNode * C, (lastNode + 1) * C);
      context.push(...result.emitted);
      drafter?.commit(context);
      if (draft && opts.adaptive) {
        kNow = result.acceptLength === N - 1 && draft.tree.parents.every((p, n) => p === n - 1)
          ? Math.min(kNow + 2, drafter!.maxDepth)
          : Math.max(1, kNow - 1);
      }
      // 6. emit
      out = emit(result.emitted);
      const te = now();
      const rec: StepRecord = {
        index: steps.length, kind: 'decode', kvBefore: L, kvAfter: cache.length, maxDrafts,
        draft: draft
          ? {
              tree: draft.tree.paths.map((p) => [...p]), // copies: the Tree is cached and shared
              nodeTokens: [...draft.nodeTokens],
              nodes: draft.info.map((n) => ({ ...n })),
              forwards: draft.forwards,
              ...(draft.stoppedBy ? { stoppedBy: draft.stoppedBy } : {}),
            }
          : null,
        ...(skip ? { skipped: skip.skipped } : {}),
        target: { nodes: top, dist: s.temperature === 0 ? 'softmax' : 'warped' },
        verify: result, emitted: out.emitted, text: out.text,
        forwards: { target: 1, draft: draft?.forwards ?? 0 },
        timings: {
          draftMs: td - ts, draftRunMs, forwardMs: tf2 - td, forwardRunMs, verifyMs: tv2 - tf2,
          acceptMs: te - tv2, kvMs: tk - tv2, totalMs: te - ts,
        },
      };
      steps.push(rec);
      opts.onStep?.(rec);
      stop = out.stop;
    }
    return done();
  } finally {
    cache.release();
    drafter?.reset();
  }

  function done(): SpecResult {
    const end = now();
    const kept = stopReason === 'eos' ? tokens.slice(0, -1) : tokens;
    // an output that ends inside a UTF-8 character: its replacement text belongs to the last step
    const tail = stream.flush();
    if (tail && steps.length) steps[steps.length - 1]!.text += tail;
    return {
      promptIds, tokens, text: tokenizer.decode(kept), stopReason, steps, forwards,
      elapsedMs: end - t0, decodeMs: decodeStart === null ? 0 : end - decodeStart, lossy,
    };
  }
}
