/**
 * The decode trace: one run as a versioned JSON document (docs/trace-format.md): the
 * model, the settings, the prompt, every step as the loop recorded it, the result and
 * its metrics. Written with timings off, the same seed gives a byte-identical file, so
 * traces diff and can serve as golden data. Parsing refuses anything malformed before it
 * reaches the page (schema.ts, which the format's types come from); replaying re-derives
 * the output from the steps alone and checks the recorded bookkeeping (replay.ts).
 *
 * Field names are the engine's, except model (config.json's) and metrics (vLLM's).
 */
import { defaultK, DRAFTERS, usesKnob } from '../drafters/registry.ts';
import { applicableConfig, specOptionsOf, type DecodeConfig } from '../decoding/decode-config.ts';
import { decodeSettings } from '../decoding/decode-settings.ts';
import { computeMetrics, TIMED_METRICS } from './metrics.ts';
import type { LoadedModel } from '../runtime/model.ts';
import type { SpecResult } from '../decoding/speculative.ts';
import { TYPICAL_DEFAULTS } from '../verify/typical.ts';
import { KEY_ORDERS, TRACE_FORMAT, TRACE_VERSION } from './format.ts';
import { checkTraceSize, validateTrace, type Metrics, type Trace, type TraceConfig } from './schema.ts';

export { TRACE_FORMAT, TRACE_VERSION } from './format.ts';
export type { Metrics, Trace, TraceConfig, TraceModel, TraceResult, TraceStep, TraceTimings } from './schema.ts';

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
    maxTokens: s.maxTokens,
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
    maxTokens: t.maxTokens,
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

const orderCache = new Map<string, string[]>();

function orderedKeys(obj: object): string[] {
  const keys = Object.keys(obj).sort();
  const sig = keys.join('\n');
  let out = orderCache.get(sig);
  if (!out) {
    const order = KEY_ORDERS.find((o) => keys.every((k) => o.includes(k))) ?? [];
    const rank = (k: string) => (order.includes(k) ? order.indexOf(k) : order.length);
    out = [...keys].sort((a, b) => rank(a) - rank(b) || (a < b ? -1 : a > b ? 1 : 0));
    if (orderCache.size < 256) orderCache.set(sig, out);
  }
  return out;
}

/**
 * A deep copy as plain JSON data with keys in format.ts's KEY_ORDERS; undefined-valued keys dropped.
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
