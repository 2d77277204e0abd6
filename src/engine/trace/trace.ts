/**
 * The decode trace: one run as a versioned JSON document (docs/trace-format.md): the
 * model, the settings, the prompt, every step as the loop recorded it, the result and
 * its metrics. Written with timings off, the same seed gives a byte-identical file, so
 * traces diff and can serve as golden data. Parsing refuses anything malformed before it
 * reaches the page (trace-schema.ts); replaying re-derives the output from the steps
 * alone and checks the recorded bookkeeping (trace-replay.ts).
 *
 * Field names are the engine's, except model (config.json's) and metrics (vLLM's).
 */
import { defaultK, DRAFTERS, usesKnob } from '../drafters/registry.ts';
import { applicableConfig, specOptionsOf, type DecodeConfig } from '../decoding/decode-config.ts';
import { decodeSettings, type StopReason } from '../decoding/decode-settings.ts';
import { computeMetrics, TIMED_METRICS, type Metrics } from './metrics.ts';
import type { LoadedModel } from '../runtime/model.ts';
import type { SpecResult, StepRecord, StepTimings } from '../decoding/speculative.ts';
import type { DefaultTreeName, TreeSpec } from '../decoding/tree.ts';
import { TYPICAL_DEFAULTS, type TypicalParams } from '../verify/typical.ts';
import { checkTraceSize, validateTrace } from './schema.ts';

export const TRACE_FORMAT = 'space-decode-trace';
export const TRACE_VERSION = 1;

export interface TraceModel {
  id: string;
  vocab_size: number;
  n_positions: number;
  bos_token_id: number;
  eos_token_id: number;
}

/**
 * The settings of the run, defaults filled in, enough to run it again: a DecodeConfig with
 * every field present, a knob its drafter does not take as null, and max tokens under the
 * engine's name. repetitionPenalty and noRepeatNgramSize read as off (1, 0) from a file
 * written before they existed.
 */
export type TraceConfig = Omit<DecodeConfig, 'k' | 'tree' | 'treeLabel' | 'branch' | 'draftTokens' | 'sampleDrafts' | 'typical' | 'maxTokens' | 'stopAtEos'> & {
  /** Chain length (a dynamic tree's depth) for the drafters that take k; null for the others. */
  k: number | null;
  /** Dynamic trees only: children per expanded node, and draft tokens kept; null for the others. */
  branch: number | null;
  draftTokens: number | null;
  /** Heads chains under sampling: drafts drawn from the heads' softmax (false: one-hot, and for drafters without the choice). */
  sampleDrafts: boolean;
  /** Tree drafters only: a default tree's name or index paths. */
  tree: DefaultTreeName | TreeSpec | null;
  /** Typical acceptance's parameters; null when lossless. */
  typical: TypicalParams | null;
  maxNewTokens: number;
  stopAtEos: boolean;
};

/** A step as the loop records it; timings are absent in a trace written without them. */
/** Timings as a trace file holds them: the bare-run and KV parts may be missing from older files. */
export type TraceTimings = Omit<StepTimings, 'draftRunMs' | 'forwardRunMs' | 'kvMs'> &
  Partial<Pick<StepTimings, 'draftRunMs' | 'forwardRunMs' | 'kvMs'>>;

export type TraceStep = Omit<StepRecord, 'timings'> & { timings?: TraceTimings };

export interface TraceResult {
  /** New tokens, a stopping EOS included. */
  tokens: number[];
  /** Their text, without a stopping EOS. */
  text: string;
  stopReason: StopReason;
  forwards: { target: number; draft: number };
  elapsedMs?: number;
  lossy: boolean;
}

export interface Trace {
  format: typeof TRACE_FORMAT;
  version: typeof TRACE_VERSION;
  model: TraceModel;
  config: TraceConfig;
  /** ids: BOS + prompt tokens as fed; text: those tokens decoded (BOS excluded). */
  prompt: { text: string; ids: number[] };
  steps: TraceStep[];
  result: TraceResult;
  metrics: Metrics;
}

/** The trace's config of a run made with `config` on `model`: defaults filled in, knobs its drafter does not take null or off. */
export function toTraceConfig(config: DecodeConfig, model: Pick<LoadedModel, 'config'>): TraceConfig {
  const c = applicableConfig(config);
  const s = decodeSettings(specOptionsOf(c));
  const knobs = DRAFTERS[c.drafter].knobs;
  return {
    drafter: c.drafter,
    k: knobs.k ? c.k ?? defaultK(model, c.drafter) : null,
    tree: knobs.tree ? c.tree ?? knobs.tree.default : null,
    branch: knobs.branch ? c.branch ?? knobs.branch.default : null,
    draftTokens: knobs.draftTokens ? c.draftTokens ?? knobs.draftTokens.default : null,
    sampleDrafts: c.sampleDrafts ?? false,
    pMin: c.pMin,
    adaptive: c.adaptive,
    acceptance: c.acceptance,
    typical: c.acceptance === 'typical' ? c.typical ?? TYPICAL_DEFAULTS : null,
    repetitionPenalty: s.repetitionPenalty,
    noRepeatNgramSize: s.noRepeatNgramSize,
    temperature: s.temperature,
    topK: s.topK,
    topP: s.topP,
    seed: s.seed,
    maxNewTokens: s.maxNewTokens,
    stopAtEos: s.stopAtEos,
  };
}

/** The config a trace records, to run it again (toTraceConfig of it gives the trace's config back). */
export function fromTraceConfig(t: TraceConfig): DecodeConfig {
  return {
    drafter: t.drafter,
    ...(t.k !== null && usesKnob(t.drafter, 'k') ? { k: t.k } : {}),
    ...(t.tree !== null && usesKnob(t.drafter, 'tree') ? { tree: t.tree } : {}),
    ...(t.branch !== null && usesKnob(t.drafter, 'branch') ? { branch: t.branch } : {}),
    ...(t.draftTokens !== null && usesKnob(t.drafter, 'draftTokens') ? { draftTokens: t.draftTokens } : {}),
    ...(t.sampleDrafts && usesKnob(t.drafter, 'sampleDrafts') ? { sampleDrafts: true } : {}),
    pMin: t.pMin,
    adaptive: t.adaptive,
    acceptance: t.acceptance,
    ...(t.typical !== null ? { typical: t.typical } : {}),
    repetitionPenalty: t.repetitionPenalty,
    noRepeatNgramSize: t.noRepeatNgramSize,
    temperature: t.temperature,
    topK: t.topK,
    topP: t.topP,
    seed: t.seed,
    maxTokens: t.maxNewTokens,
    stopAtEos: t.stopAtEos,
  };
}

/** `result` of a run made with `config` on `model`, as a trace (a deep copy: it shares nothing with result). */
export function buildTrace(
  result: SpecResult,
  config: DecodeConfig,
  model: Pick<LoadedModel, 'id' | 'config' | 'tokenizer'>,
): Trace {
  const trace: Trace = {
    format: TRACE_FORMAT,
    version: TRACE_VERSION,
    model: {
      id: model.id,
      vocab_size: model.config.vocab_size,
      n_positions: model.config.n_positions,
      bos_token_id: model.config.bos_token_id,
      eos_token_id: model.config.eos_token_id,
    },
    config: toTraceConfig(config, model),
    prompt: { text: model.tokenizer.decode(result.promptIds.slice(1)), ids: result.promptIds },
    steps: result.steps,
    result: {
      tokens: result.tokens,
      text: result.text,
      stopReason: result.stopReason,
      forwards: result.forwards,
      elapsedMs: result.elapsedMs,
      lossy: result.lossy,
    },
    metrics: computeMetrics(result),
  };
  return plain(trace, 'trace') as Trace;
}

/** `trace` without anything measured: step timings, elapsed time and the timed metrics. */
export function stripTimings(trace: Trace): Trace {
  const { elapsedMs: _e, ...result } = trace.result;
  const metrics: Partial<Metrics> = { ...trace.metrics };
  for (const k of TIMED_METRICS) delete metrics[k];
  return {
    ...trace,
    steps: trace.steps.map(({ timings: _t, ...step }) => step),
    result,
    metrics: metrics as Metrics,
  };
}

/**
 * The trace as JSON text: keys in a fixed order, one step per line (so two traces diff
 * step by step). With timings false every measured time is left out, and the same run
 * (same seed) gives the same bytes.
 */
export function traceToJson(trace: Trace, opts: { timings: boolean }): string {
  const t = plain(opts.timings ? trace : stripTimings(trace), 'trace') as Record<string, unknown>;
  const lines = Object.entries(t).map(([key, value]) => {
    if (key !== 'steps' || !Array.isArray(value) || value.length === 0) return `  ${JSON.stringify(key)}: ${JSON.stringify(value)}`;
    return `  "steps": [\n${value.map((step) => `    ${JSON.stringify(step)}`).join(',\n')}\n  ]`;
  });
  return `{\n${lines.join(',\n')}\n}\n`;
}

/**
 * A trace from JSON text, or an error naming each problem and where it is (size, JSON
 * syntax, format and version, then every field's type and range). The result holds only
 * the format's fields. Whether the steps add up is replayTrace's question.
 */
export function parseTrace(text: string, where = 'trace'): Trace {
  checkTraceSize(text, where);
  let raw: unknown;
  try {
    raw = JSON.parse(text);
  } catch (e) {
    throw new Error(`${where} is not valid JSON (${(e as Error).message}); expected a decode trace as written by traceToJson`);
  }
  return validateTrace(raw, where);
}

export { replayTrace, type Replay, type ReplayMismatch } from './replay.ts';
export { MAX_TRACE_CHARS } from './schema.ts';

/**
 * The key order of each kind of object in a trace. An object takes the smallest order
 * that holds all its keys; keys no order knows go alphabetically after, so every object
 * has exactly one order whatever order its keys were built in.
 */
const ORDERS = [
  ['format', 'version', 'model', 'config', 'prompt', 'steps', 'result', 'metrics'],
  ['id', 'vocab_size', 'n_positions', 'bos_token_id', 'eos_token_id'],
  ['drafter', 'k', 'tree', 'branch', 'draftTokens', 'sampleDrafts', 'pMin', 'adaptive', 'acceptance', 'typical', 'repetitionPenalty', 'noRepeatNgramSize', 'temperature', 'topK', 'topP', 'seed', 'maxNewTokens', 'stopAtEos'],
  ['epsilon', 'delta'],
  ['text', 'ids'],
  ['index', 'kind', 'kvBefore', 'kvAfter', 'maxDrafts', 'draft', 'skipped', 'target', 'verify', 'emitted', 'text', 'forwards', 'timings'],
  ['tree', 'nodeTokens', 'nodes', 'forwards', 'stoppedBy'],
  ['q', 'top', 'u'],
  ['token', 'prob'],
  ['dist', 'nodes'],
  ['top', 'pToken'],
  ['method', 'lossy', 'acceptLength', 'acceptedNodes', 'acceptedTokens', 'emitted', 'decisions', 'final'],
  ['kind', 'node', 'parent', 'depth', 'token', 'targetArgmax', 'p', 'q', 'entropy', 'bound', 'threshold', 'u', 'accepted', 'residual'],
  ['mass', 'top'],
  ['kind', 'token', 'node', 'source', 'u', 'top'],
  ['target', 'draft'],
  ['draftMs', 'draftRunMs', 'forwardMs', 'forwardRunMs', 'verifyMs', 'acceptMs', 'kvMs', 'totalMs'],
  ['tokens', 'text', 'stopReason', 'forwards', 'elapsedMs', 'lossy'],
  [
    'num_drafts', 'num_draft_tokens', 'num_accepted_tokens', 'num_accepted_tokens_per_pos', 'draft_acceptance_rate',
    'acceptance_rate_per_position', 'mean_acceptance_length', 'system_efficiency', 'k_max', 'alpha', 'gamma',
    'emitted_tokens', 'target_forwards', 'draft_forwards', 'target_forwards_per_token', 'tokens_per_target_forward',
    'emitted_tokens_histogram', 'elapsed_ms', 'tokens_per_second', 'cost_coefficient', 'predicted_speedup',
  ],
].sort((a, b) => a.length - b.length);

const orderCache = new Map<string, string[]>();

function orderedKeys(obj: object): string[] {
  const keys = Object.keys(obj).sort();
  const sig = keys.join('\n');
  let out = orderCache.get(sig);
  if (!out) {
    const order = ORDERS.find((o) => keys.every((k) => o.includes(k))) ?? [];
    const rank = (k: string) => (order.includes(k) ? order.indexOf(k) : order.length);
    out = [...keys].sort((a, b) => rank(a) - rank(b) || (a < b ? -1 : a > b ? 1 : 0));
    if (orderCache.size < 256) orderCache.set(sig, out);
  }
  return out;
}

/**
 * A deep copy as plain JSON data with keys in KEY_ORDER; undefined-valued keys dropped.
 * Throws, naming the path, on what JSON would silently change (NaN, Infinity, typed
 * arrays, functions), so a written trace always parses back to the same object.
 */
function plain(value: unknown, path: string): unknown {
  if (value === null || typeof value === 'string' || typeof value === 'boolean') return value;
  if (typeof value === 'number') {
    if (!Number.isFinite(value)) throw new Error(`${path} is ${value}; a trace holds finite numbers only (a bug in the recorder)`);
    return Object.is(value, -0) ? 0 : value;
  }
  if (Array.isArray(value)) return value.map((v, i) => plain(v, `${path}[${i}]`));
  if (typeof value === 'object' && Object.getPrototypeOf(value) === Object.prototype) {
    const out: Record<string, unknown> = {};
    for (const key of orderedKeys(value)) {
      if (key === '__proto__') throw new Error(`${path} has a "__proto__" key; a trace has no such field`);
      const v = (value as Record<string, unknown>)[key];
      if (v !== undefined) out[key] = plain(v, `${path}.${key}`);
    }
    return out;
  }
  const what = ArrayBuffer.isView(value) ? 'a typed array' : typeof value;
  throw new Error(`${path} is ${what}; a trace holds plain JSON data (convert it with Array.from or drop it)`);
}
