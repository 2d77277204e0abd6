/**
 * The speculative decode loop, in the papers' steps, each one call: draft -> verify forward
 * (one target forward over the root and the candidates) -> verify -> accept (keep the accepted
 * path in every KV cache) -> emit, until a stop. The prefill is the same step with nothing
 * drafted and the whole prompt fed. Each step is recorded (StepRecord) so a trace can replay it.
 *
 * State between steps: the base KV cache holds every token but the last emitted one (the
 * pending root); `kept` is what the last step kept, with the target's hidden states at it
 * (the Medusa heads read its last row; commit() hands it to the drafter). A step with no
 * drafts is exactly one autoregressive step (a zero-length chain), so drafter 'none' is plain
 * decoding through the same code.
 * The logits processors (processors.ts) run on every verified row with that node's own prefix,
 * and in the drafters on each draft's, before any temperature/top-k/top-p.
 */
import { rngChooser, type Chooser } from './choice.ts';
import type { AcceptedPath, Draft, DraftSkip, Drafter } from '../drafters/types.ts';
import { yieldToEventLoop } from './event-loop.ts';
import { decodeSettings, type GenerateOptions, type StopReason } from './decode-settings.ts';
import { causalBias } from '../runtime/lm.ts';
import type { LoadedModel } from '../runtime/model.ts';
import { LogitsProcessors } from './processors.ts';
import { preparePrompt, type Prompt } from './prompt.ts';
import { Rng } from './rng.ts';
import { StepClock, stepRecord, type StepRecord } from './step-record.ts';
import { StreamDecoder } from '../runtime/tokenizer.ts';
import { treeAttentionBias, treePositionIds } from './tree.ts';
import { checkAcceptance, targetNodes, verifyDraft, type Acceptance } from '../verify/index.ts';
import { TYPICAL_DEFAULTS, type TypicalParams } from '../verify/typical.ts';

export type { Acceptance } from '../verify/index.ts';
export type { StepRecord, StepTimings } from './step-record.ts';

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

/**
 * The verify forward's inputs when P tokens are cached: the fresh tokens (the prompt at the
 * prefill, the pending root after it) causally, or the root and its draft tree. A draft hangs
 * from the pending root alone: the prefill drafts nothing.
 */
function forwardInputs(fresh: readonly number[], draft: Draft | null, P: number): { ids: readonly number[]; positions: number[]; bias: Float32Array } {
  if (!draft) return { ids: fresh, positions: fresh.map((_, i) => P + i), bias: causalBias(fresh.length, P) };
  if (fresh.length !== 1) throw new Error(`a draft follows one pending token, but ${fresh.length} tokens are not yet in the KV cache`);
  return { ids: draft.nodeTokens, positions: treePositionIds(draft.tree, P), bias: treeAttentionBias(draft.tree, P) };
}

/** rows[i] of a row-major [T, C] matrix, stacked: [rows.length, C]. */
function gatherRows(m: Float32Array, rows: readonly number[], C: number): Float32Array {
  if (rows.every((r, i) => r === i)) return m.slice(0, rows.length * C);
  const out = new Float32Array(rows.length * C); // [n, C]
  rows.forEach((r, i) => out.set(m.subarray(r * C, (r + 1) * C), i * C));
  return out;
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
  checkAcceptance(acceptance, s);
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
  let depthNow = drafter?.maxDepth ?? 0;
  let lossy = false;
  let decodeStart: number | null = null;
  /** What the last step kept; null before the prefill. */
  let kept: AcceptedPath | null = null;
  const cache = lm.newCache();
  drafter?.reset();

  try {
    if (opts.signal?.aborted) return done();
    let stop = await step('prefill');
    decodeStart = now();
    while (!stop) {
      await yieldToEventLoop(); // lets a Stop message (an abort) land between steps
      if (opts.signal?.aborted) break;
      if (cache.length >= nPos) stop = 'context_full';
      else stop = await step('decode');
    }
    if (stop) stopReason = stop;
    return done();
  } finally {
    cache.release();
    drafter?.reset();
  }

  /** One step: draft, verify forward, verify, accept, emit, record. Returns why decoding stops, or null. */
  async function step(kind: StepRecord['kind']): Promise<StopReason | null> {
    const clock = new StepClock();
    const L = cache.length;
    // 1. draft: at most as deep as the context has room for (node depth d sits at position L + d)
    const maxDepth = kind === 'prefill' ? 0 : Math.min(opts.adaptive ? depthNow : drafter?.maxDepth ?? 0, nPos - 1 - L);
    const { draft, skip } = await draftStep(maxDepth, clock);
    clock.end('draft');

    // 2. verify forward: the tokens the cache lacks, then the draft; rows root .. root + N - 1 are the tree's
    const fresh = context.slice(L); // [F]
    const root = fresh.length - 1;
    const { ids, positions, bias } = forwardInputs(fresh, draft, L);
    const run0 = lm.runMs;
    const fwd = await lm.forward(ids, positions, bias, cache); // logits [F - 1 + N, V], hidden [F - 1 + N, C]
    clock.run('forward', lm.runMs - run0);
    forwards.target++;
    clock.end('forward');

    // 3. verify, on the target's logits after the processors
    const rows = fwd.logits.subarray(root * V); // [N, V]
    processNodes(processors, rows, V, context, draft);
    const { result, dists } = verifyDraft({ logits: rows, V, candidates: draft, sampling: s, acceptance, typical, chooser });
    lossy ||= result.lossy;
    clock.end('verify');

    // 4. accept: a length change for a prefix, a gather for a tree branch; then the drafter's caches (commit)
    const nodes = result.acceptedNodes;
    const at = L + root; // the root's position
    if (nodes.every((n, i) => n === i)) cache.truncate(at + nodes.length);
    else cache.gather([...Array(at).keys(), ...nodes.map((n) => at + n)]);
    clock.end('kv');
    const keptRows = [...Array(root).keys(), ...nodes.map((n) => root + n)];
    kept = { context, start: L, tokens: keptRows.map((r) => ids[r]!), hidden: gatherRows(fwd.hidden, keptRows, C) };
    context.push(...result.emitted);
    drafter?.commit(kept);
    if (draft && opts.adaptive) {
      depthNow = result.acceptLength === draft.tree.size - 1 && draft.tree.isChain ? Math.min(depthNow + 2, drafter!.maxDepth) : Math.max(1, depthNow - 1);
    }

    // 5. emit
    const out = emit(result.emitted);
    clock.end('emit');

    const target = targetNodes(rows, V, draft, dists); // for the trace only: after the timed phases
    clock.end('record');
    const rec = stepRecord({
      index: steps.length, kind, kvBefore: L, kvAfter: cache.length, maxDepth, draft, skip,
      target, greedy: s.temperature === 0, verify: result, emitted: out.emitted, text: out.text, timings: clock.timings(),
    });
    steps.push(rec);
    opts.onStep?.(rec);
    return out.stop;
  }

  /** The drafter's proposal for this step, or why there is none. */
  async function draftStep(maxDepth: number, clock: StepClock): Promise<{ draft: Draft | null; skip: DraftSkip | null }> {
    if (!drafter || maxDepth < 1 || !kept) return { draft: null, skip: null };
    const n = kept.tokens.length;
    const hidden = kept.hidden.slice((n - 1) * C, n * C); // [C]
    const got = await drafter.draft({ context, hidden, maxDepth, sampling: s, processors, chooser, signal: opts.signal });
    clock.run('draft', got.runMs ?? 0);
    if ('skipped' in got) return { draft: null, skip: got };
    forwards.draft += got.forwards;
    return { draft: got, skip: null };
  }

  /** Append a step's verified tokens to the output, cut at a stop, which it returns. */
  function emit(verified: number[]): { emitted: number[]; text: string; stop: StopReason | null } {
    const emitted: number[] = [];
    let text = '';
    for (const t of verified) {
      emitted.push(t);
      tokens.push(t);
      if (s.stopAtEos && t === tokenizer.eosId) return { emitted, text, stop: 'eos' };
      const piece = stream.push(t);
      text += piece;
      opts.onToken?.(t, piece);
      if (tokens.length >= s.maxTokens) return { emitted, text, stop: 'max_tokens' };
    }
    return { emitted, text, stop: null };
  }

  function done(): SpecResult {
    const end = now();
    const output = stopReason === 'eos' ? tokens.slice(0, -1) : tokens;
    // an output that ends inside a UTF-8 character: its replacement text belongs to the last step
    const tail = stream.flush();
    if (tail && steps.length) steps[steps.length - 1]!.text += tail;
    return {
      promptIds, tokens, text: tokenizer.decode(output), stopReason, steps, forwards,
      elapsedMs: end - t0, decodeMs: decodeStart === null ? 0 : end - decodeStart, lossy,
    };
  }
}
