/**
 * What a decode trace file may contain (docs/trace-format.md), checked before any of it
 * reaches the page: a size limit before JSON.parse, a cheap walk bounding nesting, array
 * lengths and key counts (so a hostile file cannot make validation itself expensive),
 * then a zod schema built for the file's own vocabulary and context, so every token id
 * and length is checked against the model it claims. Objects are strict: an unknown key
 * (a typo, or "__proto__") is refused rather than dropped. A version 1 file is converted to
 * version 2 (its renamed keys, format.ts) before it is checked.
 *
 * The schema is the one source of the format's types: Trace and its parts are inferred from
 * it, and the loop's records (StepRecord) must be assignable to them.
 */
import { z } from 'zod';

import { DRAFTER_NAMES } from '../drafters/registry.ts';
import { DEFAULT_TREES, MAX_TREE_NODES, validateTreeSpec, type DefaultTreeName } from '../decoding/tree.ts';
import { READABLE_TRACE_VERSIONS, TRACE_FORMAT, TRACE_VERSION, V1_RENAMES } from './format.ts';

/** Checked on the text before JSON.parse; a 256-token run with 16-node trees is well under 5 MB. */
export const MAX_TRACE_CHARS = 50_000_000;
const MAX_POSITIONS = 65_536;
const MAX_VOCAB = 1 << 20;
/** Longest list of top entries (the loop records 5). */
const MAX_TOP = 64;
const MAX_NODES = MAX_TREE_NODES;
const MAX_STEP_TEXT = 65_536;
const MAX_TEXT = 10_000_000;
/** Deeper than any field of the format (steps[i].verify.decisions[j].residual.top[k].prob is 9). */
const MAX_DEPTH = 12;
const MAX_KEYS = 64;

const WHAT = `a decode trace (format '${TRACE_FORMAT}', version ${TRACE_VERSION}) as written by traceToJson`;

/** ['steps', 3, 'verify'] -> 'steps[3].verify' */
function showPath(path: readonly PropertyKey[]): string {
  let s = '';
  for (const p of path) s += typeof p === 'number' ? `[${p}]` : `${s ? '.' : ''}${String(p)}`;
  return s || '(top level)';
}

function preview(v: unknown): string {
  if (Array.isArray(v)) return `an array of ${v.length}`;
  if (v !== null && typeof v === 'object') return 'an object';
  const s = JSON.stringify(v) ?? String(v);
  return s.length > 60 ? `${s.slice(0, 57)}...` : s;
}

function refuse(where: string, problems: string[]): never {
  const shown = problems.slice(0, 10);
  const more = problems.length > shown.length ? `\n  (and ${problems.length - shown.length} more)` : '';
  throw new Error(`${where} is not ${WHAT}:\n  ${shown.join('\n  ')}${more}\nRe-record the run, or fix the fields named above.`);
}

export function checkTraceSize(text: string, where: string): void {
  if (typeof text !== 'string') throw new Error(`${where}: expected the trace's JSON text, found ${typeof text}`);
  if (text.length > MAX_TRACE_CHARS) {
    throw new Error(`${where} is ${text.length} characters, over the ${MAX_TRACE_CHARS} limit for a decode trace; record a shorter run (fewer tokens or a smaller tree)`);
  }
}

/** First place where the parsed JSON is deeper, longer or wider than any trace can be. */
function shapeProblem(value: unknown, path: PropertyKey[]): string | null {
  if (value === null || typeof value !== 'object') return null;
  if (path.length >= MAX_DEPTH) return `${showPath(path)}: nested deeper than any field of a trace (${MAX_DEPTH} levels)`;
  if (Array.isArray(value)) {
    if (value.length > MAX_POSITIONS + 1) return `${showPath(path)}: ${value.length} items, more than any list in a trace can hold (${MAX_POSITIONS + 1})`;
    for (let i = 0; i < value.length; i++) {
      path.push(i);
      const p = shapeProblem(value[i], path);
      path.pop();
      if (p) return p;
    }
    return null;
  }
  const keys = Object.keys(value);
  if (keys.length > MAX_KEYS) return `${showPath(path)}: ${keys.length} keys, more than any object in a trace has (${MAX_KEYS})`;
  for (const k of keys) {
    path.push(k);
    const p = shapeProblem((value as Record<string, unknown>)[k], path);
    path.pop();
    if (p) return p;
  }
  return null;
}

const int = (min: number, max: number) => z.int().min(min).max(max);
/** Probabilities and uniforms; the slack absorbs rounding in sums such as a residual's mass. */
const prob = z.number().min(0).max(1 + 1e-9);
const ms = z.number().min(0);
const nullableProb = prob.nullable();

const modelSchema = z.strictObject({
  id: z.string().min(1).max(256),
  vocab_size: int(1, MAX_VOCAB),
  n_positions: int(2, MAX_POSITIONS),
  bos_token_id: int(0, MAX_VOCAB),
  eos_token_id: int(0, MAX_VOCAB),
});

function treeSpecSchema(V: number) {
  return z
    .array(z.array(int(0, V - 1)).min(1).max(MAX_NODES - 1).readonly())
    .min(1)
    .max(MAX_NODES - 1)
    .readonly()
    .superRefine((spec, ctx) => {
      try {
        validateTreeSpec(spec);
      } catch (e) {
        ctx.addIssue({ code: 'custom', message: (e as Error).message });
      }
    });
}

const count = int(0, Number.MAX_SAFE_INTEGER);
const rate = z.number().min(0).nullable();

/** vLLM's and Leviathan et al.'s figures of a run (metrics.ts computes them; docs/trace-format.md defines each). */
export const metricsSchema = z.strictObject({
  num_drafts: count,
  num_draft_tokens: count,
  num_accepted_tokens: count,
  num_accepted_tokens_per_pos: z.array(count).max(MAX_NODES),
  draft_acceptance_rate: rate,
  acceptance_rate_per_position: z.array(z.number().min(0)).max(MAX_NODES),
  /** τ = 1 + num_accepted_tokens / num_drafts, as vLLM defines it. */
  mean_acceptance_length: rate,
  system_efficiency: rate,
  /** The deepest draft any decode step allowed (largest maxDepth); 0 without a drafter. */
  max_depth: int(0, MAX_NODES - 1),
  alpha: rate,
  gamma: rate,
  emitted_tokens: count,
  target_forwards: count,
  draft_forwards: count,
  target_forwards_per_token: rate,
  tokens_per_target_forward: rate,
  emitted_tokens_histogram: z.array(count).max(MAX_NODES + 1),
  elapsed_ms: ms.optional(),
  tokens_per_second: rate.optional(),
  cost_coefficient: rate.optional(),
  predicted_speedup: rate.optional(),
});

/** The whole trace, for a model of V tokens and P positions. */
export function traceSchema(V: number, P: number) {
  const outside = `expected a token id in the model's vocabulary [0, ${V})`;
  const token = z.int().min(0, outside).max(V - 1, outside);
  const tokens = (min: number, max: number) => z.array(token).min(min).max(max);
  const node = int(0, MAX_NODES - 1);
  const depth = int(1, MAX_NODES - 1);
  const top = z.array(z.strictObject({ token, prob })).max(MAX_TOP);
  const treeSpec = treeSpecSchema(V);
  const where = { node, parent: node, depth, token };

  const decision = z.discriminatedUnion('kind', [
    z.strictObject({ kind: z.literal('match'), ...where, targetArgmax: token, accepted: z.boolean() }),
    z.strictObject({
      kind: z.literal('ratio'), ...where, p: prob, q: prob, threshold: prob, u: nullableProb, accepted: z.boolean(),
      residual: z.strictObject({ mass: prob, top }).optional(),
    }),
    z.strictObject({
      kind: z.literal('typical'), ...where, p: prob, entropy: z.number().min(0), bound: z.number().min(0), accepted: z.boolean(),
    }),
  ]);
  const verify = z.strictObject({
    method: z.enum(['chain-greedy', 'chain-sampling', 'tree-greedy', 'tree-sampling', 'typical']),
    lossy: z.boolean(),
    acceptLength: int(0, MAX_NODES - 1),
    acceptedNodes: z.array(node).min(1).max(MAX_NODES),
    acceptedTokens: tokens(0, MAX_NODES - 1),
    emitted: tokens(1, MAX_NODES),
    decisions: z.array(decision).max(MAX_NODES - 1),
    final: z.strictObject({
      kind: z.enum(['bonus', 'correction']),
      token,
      node,
      source: z.enum(['argmax', 'target', 'residual']),
      u: nullableProb,
      top: top.optional(),
    }),
  });
  const draft = z.strictObject({
    tree: treeSpec,
    nodeTokens: tokens(2, MAX_NODES),
    nodes: z.array(z.strictObject({ q: nullableProb, top: top.nullable(), u: nullableProb })).min(2).max(MAX_NODES),
    forwards: int(0, MAX_NODES),
    stoppedBy: z.literal('confidence').optional(),
  });
  const step = z.strictObject({
    index: int(0, P),
    kind: z.enum(['prefill', 'decode']),
    kvBefore: int(0, P),
    kvAfter: int(0, P),
    maxDepth: int(0, MAX_NODES - 1),
    draft: draft.nullable(),
    skipped: z.enum(['no-match', 'confidence']).optional(),
    target: z.strictObject({
      dist: z.enum(['warped', 'softmax']),
      nodes: z.array(z.strictObject({ top, pToken: nullableProb })).min(1).max(MAX_NODES),
    }),
    verify,
    emitted: tokens(1, MAX_NODES),
    text: z.string().max(MAX_STEP_TEXT),
    forwards: z.strictObject({ target: int(0, 1), draft: int(0, MAX_NODES) }),
    timings: z
      .strictObject({
        draftMs: ms, draftRunMs: ms.optional(), verifyForwardMs: ms, verifyForwardRunMs: ms.optional(),
        verifyDecisionsMs: ms, acceptMs: ms, kvMs: ms.optional(), totalMs: ms,
      })
      .optional(),
  });
  return z.strictObject({
    format: z.literal(TRACE_FORMAT),
    version: z.literal(TRACE_VERSION),
    model: modelSchema.extend({ bos_token_id: token, eos_token_id: token }),
    config: z.strictObject({
      drafter: z.enum(DRAFTER_NAMES),
      k: int(1, MAX_NODES - 1).nullable(),
      tree: z.union([z.enum(Object.keys(DEFAULT_TREES) as DefaultTreeName[]), treeSpec]).nullable(),
      // absent from files written before dynamic trees and sampled head drafts: none had them
      branch: int(1, MAX_NODES - 1).nullable().default(null),
      draftTokens: int(1, MAX_NODES - 1).nullable().default(null),
      sampleDrafts: z.boolean().default(false),
      pMin: z.number().min(0).lt(1),
      adaptive: z.boolean(),
      acceptance: z.enum(['lossless', 'typical']),
      typical: z.strictObject({ epsilon: z.number().min(0), delta: z.number().min(0) }).nullable(),
      // absent from files written before the processors existed: those ran with them off
      repetitionPenalty: z.number().gt(0).default(1),
      noRepeatNgramSize: int(0, Number.MAX_SAFE_INTEGER).default(0),
      temperature: z.number().min(0),
      topK: int(0, MAX_VOCAB),
      topP: z.number().gt(0).max(1),
      seed: int(0, Number.MAX_SAFE_INTEGER),
      maxTokens: int(1, Number.MAX_SAFE_INTEGER),
      stopAtEos: z.boolean(),
    }),
    prompt: z.strictObject({ text: z.string().max(MAX_TEXT), ids: tokens(2, P) }),
    steps: z.array(step).max(P),
    result: z.strictObject({
      tokens: tokens(0, P),
      text: z.string().max(MAX_TEXT),
      stopReason: z.enum(['max_tokens', 'eos', 'context_full', 'aborted']),
      forwards: z.strictObject({ target: int(0, P), draft: int(0, P * MAX_NODES) }),
      elapsedMs: ms.optional(),
      lossy: z.boolean(),
    }),
    metrics: metricsSchema,
  });
}

/** A decode trace as parseTrace returns it and traceToJson writes it. */
export type Trace = z.infer<ReturnType<typeof traceSchema>>;
export type TraceModel = Trace['model'];
/**
 * The settings of the run, defaults filled in, enough to run it again: a DecodeConfig with
 * every field present, a knob its drafter does not take as null (trace.ts toTraceConfig).
 */
export type TraceConfig = Trace['config'];
/** A step as the loop records it (StepRecord); timings are absent in a trace written without them. */
export type TraceStep = Trace['steps'][number];
/** Timings as a trace file holds them: the bare-run and KV parts may be missing from older files. */
export type TraceTimings = NonNullable<TraceStep['timings']>;
export type TraceResult = Trace['result'];
export type Metrics = z.infer<typeof metricsSchema>;

const schemas = new Map<string, ReturnType<typeof traceSchema>>();

function issues(error: z.ZodError, under: PropertyKey[] = []): string[] {
  return error.issues.map((i) => {
    const found = 'input' in i && i.code !== 'invalid_type' && i.code !== 'unrecognized_keys' ? ` (found ${preview(i.input)})` : '';
    return `${showPath([...under, ...i.path])}: ${i.message}${found}`;
  });
}

const isObject = (v: unknown): v is Record<string, unknown> => v !== null && typeof v === 'object' && !Array.isArray(v);

/** `o` with its keys renamed old -> new in place order; a key whose new name is taken stays, for the schema to refuse. */
function renameKeys(o: unknown, names: Readonly<Record<string, string>>): unknown {
  if (!isObject(o)) return o;
  return Object.fromEntries(Object.entries(o).map(([k, v]) => [Object.hasOwn(names, k) && !Object.hasOwn(o, names[k]!) ? names[k]! : k, v]));
}

/** A version 1 trace as version 2: the same data, its renamed keys (format.ts V1_RENAMES) under their new names. */
function fromVersion1(raw: Record<string, unknown>): Record<string, unknown> {
  const step = (s: unknown) => {
    const r = renameKeys(s, V1_RENAMES.step);
    return isObject(r) && 'timings' in r ? { ...r, timings: renameKeys(r.timings, V1_RENAMES.timings) } : r;
  };
  return {
    ...raw,
    version: 2,
    config: renameKeys(raw.config, V1_RENAMES.config),
    steps: Array.isArray(raw.steps) ? raw.steps.map(step) : raw.steps,
    metrics: renameKeys(raw.metrics, V1_RENAMES.metrics),
  };
}

/** Parsed JSON -> a Trace, or an error listing each problem with its path. */
export function validateTrace(json: unknown, where: string): Trace {
  if (!isObject(json)) {
    throw new Error(`${where} is not ${WHAT}: expected a JSON object, found ${preview(json)}`);
  }
  if (json.format !== TRACE_FORMAT) {
    throw new Error(`${where} is not ${WHAT}: its format is ${preview(json.format)}`);
  }
  if (!(READABLE_TRACE_VERSIONS as readonly unknown[]).includes(json.version)) {
    throw new Error(
      `${where} is decode trace version ${preview(json.version)}, but this app reads versions ${READABLE_TRACE_VERSIONS.join(' and ')}; re-record the run with this app`,
    );
  }
  const raw = json.version === 1 ? fromVersion1(json) : json;
  if (json.version === 1) where = `${where} (a version 1 trace, read as version ${TRACE_VERSION})`;
  const shape = shapeProblem(raw, []);
  if (shape) refuse(where, [shape]);
  const model = modelSchema.safeParse(raw.model, { reportInput: true });
  if (!model.success) refuse(where, issues(model.error, ['model']));
  const { vocab_size: V, n_positions: P } = model.data;
  const key = `${V}/${P}`;
  let schema = schemas.get(key);
  if (!schema) {
    schema = traceSchema(V, P);
    if (schemas.size > 8) schemas.clear(); // one schema per model; a file cannot grow this without bound
    schemas.set(key, schema);
  }
  const parsed = schema.safeParse(raw, { reportInput: true });
  if (!parsed.success) refuse(where, issues(parsed.error));
  return parsed.data;
}
