/**
 * Replaying a decode trace without the model: the output is rebuilt from the steps alone
 * and every piece of bookkeeping the loop wrote is checked against the rest, so a trace
 * that was edited, truncated or recorded by a buggy loop says where it stops adding up.
 * Per step: the KV cache grows by acceptLength + 1 (the prompt, for the prefill); the
 * accepted nodes form a root-to-node path of the draft tree with the drafted tokens;
 * every decision follows its own rule (match, u < threshold, p > bound) and the accepted
 * ones are exactly that path; a bonus follows a leaf and a correction anything else; the
 * step emits the accepted tokens and the final token, cut only at EOS or maxTokens.
 * Over the run: tokens, text, stop reason, forward counts and metrics match the result.
 */
import { computeMetrics } from './metrics.ts';
import type { Trace, TraceStep } from './schema.ts';
import { validateTreeSpec, type TreeSpec } from '../decoding/tree.ts';
import { acceptProb } from '../verify/chain.ts';
import { verifyMethod } from '../verify/index.ts';
import { DRAFTERS } from '../drafters/registry.ts';

export interface ReplayMismatch {
  /** The first step that disagrees, or null for a run-level disagreement (result, metrics). */
  step: number | null;
  message: string;
}

export interface Replay {
  /** Every step's emitted tokens, in order (a stopping EOS included). */
  tokens: number[];
  /** Every step's text, in order, plus the decoder's final flush as result.text ends it (see below). */
  text: string;
  /** null when the steps reproduce trace.result and every check holds. */
  mismatch: ReplayMismatch | null;
}

interface Shape {
  parents: number[];
  depths: number[];
  children: number[];
  chain: boolean;
  maxDepth: number;
}

const ROOT_ONLY: Shape = { parents: [-1], depths: [0], children: [0], chain: true, maxDepth: 0 };

/** Parents, depths and child counts of a canonical tree spec (node n is paths[n - 1]), or why it is not one. */
function treeShape(paths: TreeSpec): Shape | string {
  try {
    validateTreeSpec(paths);
  } catch (e) {
    return (e as Error).message;
  }
  const index = new Map<string, number>(paths.map((p, i) => [p.join(','), i + 1]));
  const shape: Shape = { parents: [-1], depths: [0], children: [0], chain: true, maxDepth: 0 };
  for (let i = 0; i < paths.length; i++) {
    const p = paths[i]!;
    const prev = paths[i - 1];
    if (prev && (prev.length > p.length || (prev.length === p.length && prev.join(',') >= p.join(',')))) {
      return `tree path #${i} [${p.join(',')}] is out of order; paths are listed by depth, then rank (tree.ts)`;
    }
    const parent = p.length === 1 ? 0 : index.get(p.slice(0, -1).join(','))!;
    shape.parents.push(parent);
    shape.depths.push(p.length);
    shape.children.push(0);
    shape.children[parent]!++;
    shape.chain &&= p.length === i + 1;
    shape.maxDepth = Math.max(shape.maxDepth, p.length);
  }
  return shape;
}

const DECISION_KIND = {
  'chain-greedy': 'match', 'tree-greedy': 'match', 'chain-sampling': 'ratio', 'tree-sampling': 'ratio', typical: 'typical',
} as const;

const same = (a: readonly number[], b: readonly number[]) => a.length === b.length && a.every((x, i) => x === b[i]);
const show = (xs: readonly number[]) => `[${xs.join(',')}]`;

/** The first thing wrong with step i, or null. `context` is BOS + prompt + everything emitted before it. */
function checkStep(t: Trace, s: TraceStep, i: number, context: readonly number[], kvPrev: number, emittedBefore: number): string | null {
  const prefill = i === 0;
  if (s.index !== i) return `index is ${s.index}, expected ${i} (steps are numbered in order from 0)`;
  if (s.kind !== (prefill ? 'prefill' : 'decode')) return `kind is '${s.kind}', but only step 0 is the prefill`;
  if (s.kvBefore !== kvPrev) return `kvBefore is ${s.kvBefore}, expected ${kvPrev} (the previous step's kvAfter; 0 before the prefill)`;
  const fed = prefill ? t.prompt.ids.length : s.verify.acceptLength + 1;
  if (s.kvAfter !== s.kvBefore + fed) {
    return `kvAfter is ${s.kvAfter}, expected kvBefore + ${prefill ? 'the prompt length' : 'acceptLength + 1'} = ${s.kvBefore + fed}`;
  }
  if (s.kvAfter > t.model.n_positions) return `kvAfter ${s.kvAfter} is past the model's ${t.model.n_positions} positions`;

  const d = s.draft;
  if (prefill && (d || s.maxDepth !== 0)) return 'the prefill drafts nothing: expected draft null and maxDepth 0';
  if (d && DRAFTERS[t.config.drafter].shape === 'none') return `has a draft, but the drafter is '${t.config.drafter}', which drafts nothing`;
  let shape = ROOT_ONLY;
  if (d) {
    const got = treeShape(d.tree);
    if (typeof got === 'string') return `draft.tree: ${got}`;
    shape = got;
    const N = d.tree.length + 1;
    if (d.nodeTokens.length !== N || d.nodes.length !== N) {
      return `draft has ${d.nodeTokens.length} node tokens and ${d.nodes.length} node records for a tree of ${N} nodes (root included)`;
    }
    if (d.nodeTokens[0] !== context[context.length - 1]) {
      return `the draft's root is token ${d.nodeTokens[0]}, expected the pending token ${context[context.length - 1]} (the last one emitted)`;
    }
    if (shape.maxDepth > s.maxDepth) return `the draft is ${shape.maxDepth} deep, more than the ${s.maxDepth} drafts this step allowed`;
  }
  const N = shape.parents.length;
  if (s.forwards.target !== 1) return `forwards.target is ${s.forwards.target}; every step is exactly one target forward`;
  if (s.forwards.draft !== (d?.forwards ?? 0)) return `forwards.draft is ${s.forwards.draft}, but the draft records ${d?.forwards ?? 0}`;
  if (s.target.nodes.length !== N) return `target has ${s.target.nodes.length} nodes, expected one per tree node (${N})`;
  const greedy = t.config.temperature === 0;
  if (s.target.dist !== (greedy ? 'softmax' : 'warped')) return `target.dist is '${s.target.dist}', expected '${greedy ? 'softmax' : 'warped'}' at temperature ${t.config.temperature}`;

  const v = s.verify;
  const method = verifyMethod(t.config.temperature === 0, t.config.acceptance, d ? shape.chain : null);
  if (v.method !== method) return `verify.method is '${v.method}', but these settings and this draft verify with '${method}'`;
  if (v.lossy !== (method === 'typical')) return `verify.lossy is ${v.lossy}; only typical acceptance is lossy`;
  const path = v.acceptedNodes;
  if (v.acceptedTokens.length !== v.acceptLength || path.length !== v.acceptLength + 1 || path[0] !== 0) {
    return `acceptLength ${v.acceptLength}, acceptedTokens ${show(v.acceptedTokens)} and acceptedNodes ${show(path)} disagree`;
  }
  for (let j = 1; j < path.length; j++) {
    const n = path[j]!;
    if (!(n < N) || shape.parents[n] !== path[j - 1]) return `acceptedNodes ${show(path)} is not a root-to-node path of the draft tree`;
    if (d!.nodeTokens[n] !== v.acceptedTokens[j - 1]) return `accepted token ${j} is ${v.acceptedTokens[j - 1]}, but node ${n} drafted ${d!.nodeTokens[n]}`;
  }
  const last = path[path.length - 1]!;
  if (v.final.node !== last) return `final.node is ${v.final.node}, expected the last accepted node ${last}`;
  const finalKind = shape.children[last] === 0 ? 'bonus' : 'correction';
  if (v.final.kind !== finalKind) return `the final token is a ${v.final.kind}, expected a ${finalKind}: a bonus follows a leaf, a correction replaces rejected candidates`;
  if (!same(v.emitted, [...v.acceptedTokens, v.final.token])) return `verify.emitted ${show(v.emitted)} is not acceptedTokens then the final token`;
  if (greedy && v.final.token !== s.target.nodes[last]!.top[0]?.token) {
    return `greedy final token ${v.final.token} is not the target's top token ${s.target.nodes[last]!.top[0]?.token} at node ${last}`;
  }

  const acceptedByDecision: number[] = [];
  for (const [j, dec] of v.decisions.entries()) {
    if (!d || !(dec.node >= 1 && dec.node < N)) return `decision ${j} is about node ${dec.node}, which the draft does not have`;
    if (dec.parent !== shape.parents[dec.node] || dec.depth !== shape.depths[dec.node] || dec.token !== d.nodeTokens[dec.node]) {
      return `decision ${j} (node ${dec.node}) has a parent, depth or token other than the draft tree's`;
    }
    if (dec.kind !== DECISION_KIND[method]) return `decision ${j} is a '${dec.kind}' decision, but ${method} makes '${DECISION_KIND[method]}' ones`;
    if (dec.kind === 'match') {
      if (dec.accepted !== (dec.token === dec.targetArgmax)) return `decision ${j}: accepted is ${dec.accepted}, but token ${dec.token} vs target argmax ${dec.targetArgmax} says otherwise`;
      if (dec.targetArgmax !== s.target.nodes[dec.parent]!.top[0]?.token) return `decision ${j}: targetArgmax ${dec.targetArgmax} is not the target's top token at node ${dec.parent}`;
    } else if (dec.kind === 'ratio') {
      if (dec.threshold !== acceptProb(dec.p, dec.q)) return `decision ${j}: threshold ${dec.threshold} is not min(1, p/q) = ${acceptProb(dec.p, dec.q)}`;
      if (dec.u !== null && dec.accepted !== dec.u < dec.threshold) return `decision ${j}: accepted is ${dec.accepted}, but u ${dec.u} vs threshold ${dec.threshold} says otherwise`;
    } else if (dec.accepted !== dec.p > dec.bound) {
      return `decision ${j}: accepted is ${dec.accepted}, but p ${dec.p} vs bound ${dec.bound} says otherwise`;
    }
    if (dec.accepted) acceptedByDecision.push(dec.node);
  }
  const pathOk = method === 'typical' ? path.slice(1).every((n) => acceptedByDecision.includes(n)) : same(acceptedByDecision, path.slice(1));
  if (!pathOk) return `the accepted decisions (nodes ${show(acceptedByDecision)}) do not give the accepted path ${show(path)}`;

  if (s.emitted.length === 0 || !same(s.emitted, v.emitted.slice(0, s.emitted.length))) {
    return `emitted ${show(s.emitted)} is not a non-empty prefix of verify.emitted ${show(v.emitted)}`;
  }
  const stops = (j: number) =>
    (t.config.stopAtEos && s.emitted[j] === t.model.eos_token_id) || emittedBefore + j + 1 >= t.config.maxTokens;
  for (let j = 0; j < s.emitted.length - 1; j++) {
    if (stops(j)) return `emitted token ${j} ends decoding (EOS or maxTokens), yet the step emits more after it`;
  }
  const stopped = stops(s.emitted.length - 1);
  if (s.emitted.length < v.emitted.length && !stopped) {
    return `emits ${s.emitted.length} of ${v.emitted.length} verified tokens with no EOS or maxTokens to cut at`;
  }
  if (stopped && i !== t.steps.length - 1) return 'decoding stopped at this step (EOS or maxTokens), yet more steps follow';
  return null;
}

/** The first run-level disagreement between the replayed steps and trace.result / trace.metrics. */
function checkRun(t: Trace, tokens: readonly number[], text: string): string | null {
  const r = t.result;
  if (!same(tokens, r.tokens)) {
    let j = 0;
    while (tokens[j] === r.tokens[j]) j++;
    return `result.tokens differs from the steps' emitted tokens at token ${j} (${r.tokens.length} recorded, ${tokens.length} emitted)`;
  }
  const tail = r.text.slice(text.length);
  if (!r.text.startsWith(text) || !/^\uFFFD*$/.test(tail)) return "result.text is not the steps' texts joined";
  const lastStep = t.steps[t.steps.length - 1];
  const eos = t.config.stopAtEos && tokens.length > 0 && tokens[tokens.length - 1] === t.model.eos_token_id;
  const stop = eos ? 'eos' : tokens.length >= t.config.maxTokens ? 'max_tokens' : null;
  if (stop ? r.stopReason !== stop : r.stopReason === 'eos' || r.stopReason === 'max_tokens') {
    return `result.stopReason is '${r.stopReason}', but the emitted tokens ${stop ? `end in '${stop}'` : 'reach neither EOS nor maxTokens'}`;
  }
  if (r.stopReason === 'context_full' && lastStep?.kvAfter !== t.model.n_positions) {
    return `result.stopReason is 'context_full', but the KV cache ends at ${lastStep?.kvAfter ?? 0} of ${t.model.n_positions} positions`;
  }
  const target = t.steps.reduce((n, s) => n + s.forwards.target, 0);
  const draft = t.steps.reduce((n, s) => n + s.forwards.draft, 0);
  if (r.forwards.target !== target || r.forwards.draft !== draft) {
    return `result.forwards is ${r.forwards.target} target / ${r.forwards.draft} draft, but the steps add up to ${target} / ${draft}`;
  }
  if (r.lossy !== t.steps.some((s) => s.verify.lossy)) return `result.lossy is ${r.lossy}, but ${r.lossy ? 'no' : 'some'} step is lossy`;
  const want = computeMetrics(t) as unknown as Record<string, unknown>;
  const have = t.metrics as unknown as Record<string, unknown>;
  for (const key of new Set([...Object.keys(want), ...Object.keys(have)])) {
    const [a, b] = [JSON.stringify(have[key]), JSON.stringify(want[key])];
    if (a !== b) return `metrics.${key} is ${a ?? 'absent'}, but the steps give ${b ?? 'nothing (no timings)'}`;
  }
  return null;
}

/**
 * The output rebuilt from the steps, and the first disagreement, if any. No step records
 * the decoder's final flush (an unfinished UTF-8 character at the end becomes U+FFFD in
 * result.text), so a trailing run of U+FFFD in result.text is taken as that flush.
 */
export function replayTrace(trace: Trace): Replay {
  const tokens: number[] = [];
  let text = '';
  let mismatch: ReplayMismatch | null = null;
  if (trace.prompt.ids[0] !== trace.model.bos_token_id) {
    mismatch = { step: null, message: `prompt.ids starts with ${trace.prompt.ids[0]}, expected BOS (id ${trace.model.bos_token_id})` };
  }
  const context = [...trace.prompt.ids];
  let kv = 0;
  for (const [i, s] of trace.steps.entries()) {
    const problem = mismatch ? null : checkStep(trace, s, i, context, kv, tokens.length);
    if (problem) mismatch = { step: i, message: `step ${i}: ${problem}` };
    tokens.push(...s.emitted);
    text += s.text;
    context.push(...s.verify.emitted);
    kv = s.kvAfter;
  }
  if (!mismatch) {
    const problem = checkRun(trace, tokens, text);
    if (problem) mismatch = { step: null, message: problem };
  }
  const tail = trace.result.text.slice(text.length);
  if (trace.result.text.startsWith(text) && /^\uFFFD+$/.test(tail)) text += tail;
  return { tokens, text, mismatch };
}
