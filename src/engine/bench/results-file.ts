/**
 * The interleaved bench's results as one file format, written by the page's Compare view
 * (its JSON export), by `npm run bench` and `npm run bench:browser` (the `results` of their
 * reports), and read back by the Compare view: every prompt's cells (cell.ts), so an import
 * redraws the same table and charts. Checked field by field with zod, then for consistency
 * (a cell per configuration, one baseline per sampling in use). An imported file is data
 * only: its text is shown as text.
 *
 * A file is held to what the bench writes: its size is checked before parsing, every list,
 * string and count has a limit (prompts, configurations, max tokens, k), rates lie in
 * [0, 1], speedups and times are positive (or zero, for a phase that took none) and finite.
 * A file past them was not written by this project, and drawing it could freeze the tab, so
 * it is refused with the field that is wrong.
 *
 * Version 2 added the per-step profile, ar_overhead, the pair figures and matches_baseline
 * to every cell; version 3 distinct4 (text-quality.ts); version 4 lets a configuration carry
 * any DecodeConfig knob (top-p, top-k, processors, p-min, adaptive, acceptance, a tree of
 * index paths), a baseline its sampling beside its temperature, and the suite be 'all', so
 * the CLI's runs fit; version 5 names the step profile's target forward and verifier
 * decisions verify_forward_ms and verify_decisions_ms, and the pair's tokens per decode step
 * tokens_per_step (versions 2 to 4: forward_ms, verify_ms, tau). Versions 1 to 4 still import,
 * the figures they lack unknown (null).
 *
 *   { "format": "space-compare-results", "version": 5, "created": "2026-11-22T14:00:00Z",
 *     "model": { "id": "toy", "threads": 2 }, "suite": "prose", "max_tokens": 48,
 *     "configs": [{ "drafter": "heads", "k": 4, "temperature": 0 }],
 *     "prompts": [{ "id": "prose-0", "suite": "prose", "baselines": [{ "temperature": 0, "cell": {...} }], "cells": [{...}] }] }
 */
import { z } from 'zod';

import { ACCEPTANCES, applicableConfig, configLabel, DECODE_DEFAULTS, decodeConfig, MAX_TEMPERATURE, samplingLabel, type DecodeConfig, type LabelInput } from '../decoding/decode-config.ts';
import { MAX_NO_REPEAT_NGRAM_SIZE, MAX_REPETITION_PENALTY, MIN_REPETITION_PENALTY } from '../decoding/processors.ts';
import { DEFAULT_TREES, MAX_TREE_NODES, type DefaultTreeName } from '../decoding/tree.ts';
import { DRAFTING_NAMES, MAX_DEPTH } from '../drafters/registry.ts';
import type { DrafterName } from '../drafters/types.ts';
import type { BenchCell } from './cell.ts';
import { SUITE_CHOICES, SUITE_NAMES, type SuiteChoice, type SuiteName } from './suites.ts';

export const RESULTS_FORMAT = 'space-compare-results';
export const RESULTS_VERSION = 5;
/** Versions this project reads (older ones are upgraded on import). */
export const READABLE_VERSIONS = [1, 2, 3, 4, 5] as const;
/**
 * The most configurations, prompts and new tokens a file holds: what `npm run bench` runs
 * (the Compare view's controls stop sooner, at 12, 24 and 256: ui/compare/configs.ts).
 */
export const MAX_FILE_CONFIGS = 32;
export const MAX_FILE_PROMPTS = 64;
export const MAX_FILE_TOKENS = 1024;
/**
 * Twice the largest file the page can write (12 configurations at k = 32, each at its own
 * temperature, 24 prompts, pretty-printed: about 1.3 MB; a usual comparison is 50-200 kB,
 * a 32-prompt CLI bench of 14 configurations about 0.7 MB). A larger CLI run is refused by size.
 */
export const MAX_RESULTS_BYTES = 3_000_000;
/** Model and prompt ids: far longer than any the page's model folders use. */
export const MAX_ID_CHARS = 200;
/** The most wasm threads the page runs with (src/worker/runtime-choice.ts). */
export const MAX_THREADS = 64;
/** The deepest draft a configuration can make: a chain of MAX_DEPTH, or the deepest default tree. */
export const MAX_DRAFT_DEPTH = Math.max(MAX_DEPTH, ...Object.values(DEFAULT_TREES).map((t) => Math.max(...t.spec.map((p) => p.length))));
/** The most draft tokens one step can verify: a chain of MAX_DEPTH, or the largest tree. */
export const MAX_DRAFT_TOKENS = Math.max(MAX_DEPTH, MAX_TREE_NODES, ...Object.values(DEFAULT_TREES).map((t) => t.spec.length));

/** A configuration as the file holds it: its drafter and temperature, and the knobs that differ from the defaults. */
export type BenchConfig = LabelInput & { drafter: Exclude<DrafterName, 'none'> };

/** The sampling an autoregressive baseline runs at (what a configuration's samplingLabel names). */
export type BaselineSampling = Pick<DecodeConfig, 'temperature'> & Partial<Pick<DecodeConfig, 'topK' | 'topP' | 'repetitionPenalty' | 'noRepeatNgramSize'>>;

/** One prompt: a cell per baseline (one per sampling in use) and per configuration (cells[j] is configs[j]'s). */
export interface BenchPrompt {
  id: string;
  suite: SuiteName;
  baselines: (BaselineSampling & { cell: BenchCell })[];
  cells: BenchCell[];
}

export interface BenchResults {
  format: typeof RESULTS_FORMAT;
  version: typeof RESULTS_VERSION;
  /** ISO 8601 time the comparison finished (or was stopped). */
  created: string;
  model: { id: string; threads: number | null };
  suite: SuiteChoice;
  max_tokens: number;
  configs: BenchConfig[];
  prompts: BenchPrompt[];
}

/** A baseline's sampling as the file holds it: the temperature, and the rest only where it is not the default. */
export function baselineEntryOf(c: DecodeConfig): BaselineSampling {
  return {
    temperature: c.temperature,
    ...(c.topK ? { topK: c.topK } : {}),
    ...(c.topP < 1 ? { topP: c.topP } : {}),
    ...(c.repetitionPenalty !== 1 ? { repetitionPenalty: c.repetitionPenalty } : {}),
    ...(c.noRepeatNgramSize ? { noRepeatNgramSize: c.noRepeatNgramSize } : {}),
  };
}

/** A configuration as the file holds it: the knobs its drafter takes, and the rest only where it is not the default. */
export function benchConfigOf(config: DecodeConfig): BenchConfig {
  // seed and max tokens are the bench's (prompt i decodes with seed i; the file has max_tokens)
  const { drafter, temperature, seed: _seed, maxTokens: _maxTokens, stopAtEos: _stop, typical: _typical, ...knobs } = applicableConfig(config);
  if (drafter === 'none') throw new Error("benchConfigOf: drafter 'none' is a baseline, not a configuration");
  const defaults = DECODE_DEFAULTS as Readonly<Record<string, unknown>>;
  const set = Object.entries(knobs).filter(([key, v]) => v !== undefined && v !== defaults[key]);
  return { drafter, ...Object.fromEntries(set), temperature };
}

/** The whole DecodeConfig a file's configuration stands for, at the file's max_tokens. */
export const decodeConfigOfEntry = (c: LabelInput, maxTokens: number): DecodeConfig => applicableConfig(decodeConfig({ ...c, maxTokens }));

/** A finite number in [lo, hi] (open at lo when `above`), whose error says what was expected and what was found. */
const range = (lo: number, hi: number, expected: string, above = false) =>
  z.number().refine((x) => (above ? x > lo : x >= lo) && x <= hi, { error: (iss) => `expected ${expected}, found ${String(iss.input)}` });
const rate = range(0, 1, 'a rate from 0 to 1');
const positive = range(0, Number.MAX_VALUE, 'a positive number', true);
const ms = range(0, Number.MAX_VALUE, 'a time in ms, 0 or more');
/** A whole number in [lo, hi]: `what` names it in the error. */
const whole = (lo: number, hi: number, what: string) =>
  z.number().int({ error: 'expected a whole number' }).refine((x) => x >= lo && x <= hi, { error: (iss) => `expected ${what} from ${lo} to ${hi}, found ${String(iss.input)}` });
const list = <T extends z.ZodType>(item: T, max: number, why: string) =>
  z.array(item).max(max, { error: (iss) => `at most ${max} entries (${why}), found ${(iss.input as unknown[]).length}` });
const text = (max: number) =>
  z.string().min(1, { error: 'expected a non-empty string' }).max(max, { error: (iss) => `at most ${max} characters, found ${(iss.input as string).length}` });
const tau = range(1, MAX_DRAFT_DEPTH + 1, `a mean acceptance length from 1 to ${MAX_DRAFT_DEPTH + 1} (k is at most ${MAX_DEPTH})`);
const temperature = range(0, MAX_TEMPERATURE, `a temperature from 0 to ${MAX_TEMPERATURE}`);

const cellV1 = z.object({
  tokens: whole(0, MAX_FILE_TOKENS, 'a token count'),
  stop_reason: z.enum(['max_tokens', 'eos', 'context_full', 'aborted']),
  elapsed_ms: positive,
  speedup: positive.nullable(),
  draft_acceptance_rate: rate.nullable(),
  mean_acceptance_length: tau.nullable(),
  acceptance_rate_per_position: list(rate, MAX_DRAFT_DEPTH, `one per draft position; drafts are at most ${MAX_DRAFT_DEPTH} deep`),
  target_forwards_per_token: range(0, 1, 'target forwards per token, above 0 and at most 1', true).nullable(),
  tokens_per_second: positive.nullable(),
  alpha: rate.nullable(),
  gamma: range(1, MAX_DRAFT_TOKENS, `draft tokens per drafted step, from 1 to ${MAX_DRAFT_TOKENS}`).nullable(),
  cost_coefficient: range(0, Number.MAX_VALUE, 'a cost ratio, 0 or more').nullable(),
  predicted_speedup: positive.nullable(),
  accept_length_histogram: list(whole(0, MAX_FILE_TOKENS, 'a step count'), MAX_DRAFT_DEPTH + 1, `one per accept length 0 to ${MAX_DRAFT_DEPTH}`),
});
const phases = { draft_ms: ms, draft_run_ms: ms, accept_ms: ms, kv_ms: ms, other_ms: ms, step_ms: ms };
const profile = z.object({ ...phases, verify_forward_ms: ms, verify_forward_run_ms: ms, verify_decisions_ms: ms });
/** Versions 2 to 4 named the verify forward forward_ms and the verify decisions verify_ms. */
const profileV2 = z.object({ ...phases, forward_ms: ms, forward_run_ms: ms, verify_ms: ms });
const bounds = { t1_ms: positive, t_draft_ms: ms, t_verify_ms: ms, speedup_decode: positive, speedup_bound: positive, efficiency: positive };
const tokensPerStep = range(1, MAX_DRAFT_DEPTH + 1, `tokens per decode step from 1 to ${MAX_DRAFT_DEPTH + 1}`);
const pair = z.object({ tokens_per_step: tokensPerStep, ...bounds });
/** Versions 2 to 4 named tokens per step tau. */
const pairV2 = z.object({ tau: tokensPerStep, ...bounds });
const cellV2 = cellV1.extend({
  profile: profileV2.nullable(),
  ar_overhead: positive.nullable(),
  pair: pairV2.nullable(),
  matches_baseline: z.boolean().nullable(),
});
const cellV3 = cellV2.extend({ distinct4: rate });
const cellV5 = cellV3.extend({ profile: profile.nullable(), pair: pair.nullable() });

const drafter = z.enum(DRAFTING_NAMES as [BenchConfig['drafter'], ...BenchConfig['drafter'][]]);
const treeName = z.enum(Object.keys(DEFAULT_TREES) as [DefaultTreeName, ...DefaultTreeName[]]);
const k = whole(1, MAX_DEPTH, 'k');
/** Up to version 3: the page's rows, drafter x k x tree x temperature. */
const configV1 = z.object({ drafter, k, tree: treeName, temperature });
const sampling = {
  temperature,
  topK: whole(0, 1_000_000, 'top-k').optional(),
  topP: range(0, 1, 'a top-p above 0 and at most 1', true).optional(),
  repetitionPenalty: range(MIN_REPETITION_PENALTY, MAX_REPETITION_PENALTY, `a repetition penalty from ${MIN_REPETITION_PENALTY} to ${MAX_REPETITION_PENALTY}`).optional(),
  noRepeatNgramSize: whole(0, MAX_NO_REPEAT_NGRAM_SIZE, 'a no-repeat n-gram size').optional(),
};
const indexPaths = list(list(whole(0, MAX_TREE_NODES, 'a child index'), MAX_DRAFT_DEPTH, 'one per depth'), MAX_TREE_NODES, `a tree has at most ${MAX_TREE_NODES} nodes`);
const configV4 = z.object({
  drafter,
  k: k.optional(),
  tree: z.union([treeName, indexPaths]).optional(),
  treeLabel: text(MAX_ID_CHARS).optional(),
  adaptive: z.boolean().optional(),
  pMin: range(0, 1, 'a p-min from 0 to below 1').refine((x) => x < 1, { error: 'expected a p-min below 1' }).optional(),
  acceptance: z.enum(ACCEPTANCES as [DecodeConfig['acceptance'], ...DecodeConfig['acceptance'][]]).optional(),
  branch: whole(1, MAX_TREE_NODES, 'children per expanded node').optional(),
  draftTokens: whole(1, MAX_TREE_NODES, 'draft tokens').optional(),
  sampleDrafts: z.boolean().optional(),
  ...sampling,
});

const schemaOf = <C extends z.ZodType, F extends z.ZodType, B extends z.ZodRawShape, S extends z.ZodType>(version: number, cell: C, config: F, baseline: B, suiteOf: S) => z.object({
  format: z.literal(RESULTS_FORMAT),
  version: z.literal(version),
  created: z.iso.datetime({ error: 'expected an ISO 8601 time such as 2026-11-22T14:05:09.000Z' }),
  model: z.object({
    id: text(MAX_ID_CHARS),
    threads: whole(1, MAX_THREADS, 'a thread count').nullable(),
  }),
  suite: suiteOf,
  max_tokens: whole(1, MAX_FILE_TOKENS, 'max tokens'),
  configs: list(config, MAX_FILE_CONFIGS, `a results file holds at most ${MAX_FILE_CONFIGS} configurations`).min(1, { error: 'expected at least one configuration' }),
  prompts: list(
    z.object({
      id: text(MAX_ID_CHARS),
      suite: z.enum(SUITE_NAMES as [SuiteName, ...SuiteName[]]),
      baselines: list(z.object({ ...baseline, cell }), MAX_FILE_CONFIGS, 'one per sampling in use')
        .min(1, { error: 'expected at least one autoregressive baseline' }),
      cells: list(cell, MAX_FILE_CONFIGS, 'one per configuration'),
    }),
    MAX_FILE_PROMPTS,
    `a results file holds at most ${MAX_FILE_PROMPTS} prompts`,
  ).min(1, { error: 'no finished prompts: the comparison was stopped before its first prompt' }),
});
const suiteV1 = z.enum(SUITE_NAMES as [SuiteName, ...SuiteName[]]);
const suiteV4 = z.enum(SUITE_CHOICES as [SuiteChoice, ...SuiteChoice[]]);
const baselineV1 = { temperature };
const baselineV4 = sampling;
const SCHEMAS = {
  1: schemaOf(1, cellV1, configV1, baselineV1, suiteV1),
  2: schemaOf(2, cellV2, configV1, baselineV1, suiteV1),
  3: schemaOf(3, cellV3, configV1, baselineV1, suiteV1),
  4: schemaOf(4, cellV3, configV4, baselineV4, suiteV4),
  5: schemaOf(5, cellV5, configV4, baselineV4, suiteV4),
} as const;

/** What versions 2 and 3 added to a cell, unknown for an older file. */
const UPGRADE: Record<1 | 2 | 3 | 4, object> = {
  1: { profile: null, ar_overhead: null, pair: null, matches_baseline: null, distinct4: null },
  2: { distinct4: null },
  3: {},
  4: {},
};

const SHAPE = `{ format: "space-compare-results", version: ${RESULTS_VERSION}, model, suite, max_tokens, configs: [...], prompts: [...] }`;
const FIX = 'Export it again from the Compare view, or run the comparison again.';
const mb = (n: number) => `${(n / 1e6).toFixed(1)} MB`;

/** A checked BenchResults from JSON text; throws an Error whose message names `where` and each problem. */
export function parseBenchResults(text: string, where: string): BenchResults {
  // A character is at least a byte in UTF-8, so this refuses every file over the cap before parsing it.
  if (text.length > MAX_RESULTS_BYTES) {
    throw new Error(`${where} is at least ${mb(text.length)}; comparison results the page writes are under ${mb(MAX_RESULTS_BYTES)}. Is it the right file?`);
  }
  let raw: unknown;
  try {
    raw = JSON.parse(text);
  } catch (e) {
    throw new Error(`${where} is not valid JSON (${(e as Error).message}). Expected a comparison results file exported from the Compare view.`);
  }
  if (typeof raw === 'object' && raw !== null && (raw as { format?: unknown }).format === 'space-decode-trace') {
    throw new Error(`${where} is a decode trace, not comparison results: open it in the Trace stepper instead.`);
  }
  const version = typeof raw === 'object' && raw !== null ? (raw as { version?: unknown }).version : undefined;
  if (typeof version === 'number' && version > RESULTS_VERSION) {
    throw new Error(
      `${where} is comparison results version ${version}, newer than this page reads (${READABLE_VERSIONS.join(', ')}). Open it with the page that exported it, or run the comparison again here.`,
    );
  }
  const v = version === 1 || version === 2 || version === 3 || version === 4 ? version : RESULTS_VERSION;
  const parsed = SCHEMAS[v].safeParse(raw);
  if (!parsed.success) {
    const issues = parsed.error.issues
      .slice(0, 8)
      .map((i) => `  ${i.path.length ? i.path.join('.') : '(root)'}: ${i.message}`)
      .join('\n');
    const more = parsed.error.issues.length > 8 ? `\n  … and ${parsed.error.issues.length - 8} more` : '';
    throw new Error(`${where} is not a comparison results file (expected ${SHAPE}):\n${issues}${more}\n${FIX}`);
  }
  const r = v === RESULTS_VERSION ? (parsed.data as BenchResults) : upgrade(parsed.data as BenchResults, UPGRADE[v]);
  checkConsistent(r, where);
  return r;
}

/** A baseline's sampling in words: 'temperature 0.7', or 'temperature 0.7 (t=0.7 top-p=0.9)' when more than the temperature is set. */
function samplingWords(s: BaselineSampling): string {
  const label = samplingLabel(s);
  return label === samplingLabel({ temperature: s.temperature }) ? `temperature ${s.temperature}` : `temperature ${s.temperature} (${label})`;
}

/** What the schema cannot see: each prompt as the bench writes it, against the file's own configurations and settings. */
function checkConsistent(r: BenchResults, where: string): void {
  const labels = new Set<string>();
  r.configs.forEach((c, j) => {
    const label = configLabel(c);
    if (labels.has(label)) throw new Error(`${where}: configs.${j} repeats "${label}"; the Compare view runs each configuration once. ${FIX}`);
    labels.add(label);
  });
  const used = new Set(r.configs.map((c) => samplingLabel(c)));
  const ids = new Set<string>();
  r.prompts.forEach((p, i) => {
    const at = `${where}: prompts.${i} (${p.id})`;
    if (ids.has(p.id)) throw new Error(`${at} appears twice; a comparison runs each prompt once. ${FIX}`);
    ids.add(p.id);
    if (r.suite !== 'all' && p.suite !== r.suite) throw new Error(`${at} is from suite ${p.suite}, but the comparison ran suite ${r.suite}. ${FIX}`);
    if (p.cells.length !== r.configs.length) {
      throw new Error(`${at} has ${p.cells.length} cells but the file lists ${r.configs.length} configurations; expected one cell per configuration. ${FIX}`);
    }
    const seen = new Set<string>();
    p.baselines.forEach((b, j) => {
      const key = samplingLabel(b);
      if (seen.has(key)) throw new Error(`${at} has two autoregressive baselines at ${samplingWords(b)} (baselines.${j}); expected one per sampling. ${FIX}`);
      if (!used.has(key)) throw new Error(`${at} has an autoregressive baseline at ${samplingWords(b)} (baselines.${j}) that no configuration uses. ${FIX}`);
      seen.add(key);
    });
    for (const c of r.configs) {
      if (!seen.has(samplingLabel(c))) {
        throw new Error(`${at} has no autoregressive baseline at ${samplingWords(c)}, which "${configLabel(c)}" is measured against. ${FIX}`);
      }
    }
    const cells = [...p.baselines.map((b, j) => ({ path: `baselines.${j}.cell`, cell: b.cell })), ...p.cells.map((cell, j) => ({ path: `cells.${j}`, cell }))];
    for (const { path, cell } of cells) {
      if (cell.tokens > r.max_tokens) {
        throw new Error(`${where}: prompts.${i}.${path}.tokens is ${cell.tokens}, more than the comparison's max_tokens ${r.max_tokens}. ${FIX}`);
      }
    }
  });
}

type ProfileV2 = z.infer<typeof profileV2>;
type PairV2 = z.infer<typeof pairV2>;

/** A version 2-4 profile and pair under version 5's names. */
function renamed(c: BenchCell): BenchCell {
  const old = c as unknown as { profile: ProfileV2 | null; pair: PairV2 | null };
  const { forward_ms, forward_run_ms, verify_ms, ...phases } = old.profile ?? ({} as ProfileV2);
  const { tau, ...bounds } = old.pair ?? ({} as PairV2);
  return {
    ...c,
    profile: old.profile ? { ...phases, verify_forward_ms: forward_ms, verify_forward_run_ms: forward_run_ms, verify_decisions_ms: verify_ms } : null,
    pair: old.pair ? { tokens_per_step: tau, ...bounds } : null,
  };
}

/** An older file as the current version: the figures it lacks are unknown, the others renamed; its rows already are version-4 configurations. */
function upgrade(r: BenchResults, missing: object): BenchResults {
  const up = (c: BenchCell) => renamed({ ...c, ...missing } as BenchCell);
  return {
    ...r,
    version: RESULTS_VERSION,
    prompts: r.prompts.map((p) => ({ ...p, baselines: p.baselines.map((b) => ({ ...b, cell: up(b.cell) })), cells: p.cells.map(up) })),
  };
}

/** A results file from a picked file (a browser File, or anything with its name, size and text). */
export async function readResultsFile(file: { name: string; size: number; text(): Promise<string> }): Promise<BenchResults> {
  const where = `The file "${file.name}"`;
  if (file.size > MAX_RESULTS_BYTES) {
    throw new Error(`${where} is ${mb(file.size)}; comparison results the page writes are under ${mb(MAX_RESULTS_BYTES)}. Is it the right file?`);
  }
  return parseBenchResults(await file.text(), where);
}

export const resultsToJson = (r: BenchResults) => `${JSON.stringify(r, null, 2)}\n`;

/** compare-<model>-<suite>-<YYYYMMDD-HHMM>.json|csv, with only safe characters. */
export function resultsFileName(r: BenchResults, ext: 'json' | 'csv'): string {
  const safe = (s: string) => s.replace(/[^A-Za-z0-9._-]+/g, '_');
  const stamp = r.created.replace(/[-:]/g, '').replace('T', '-').slice(0, 13);
  return `compare-${safe(r.model.id)}-${r.suite}-${safe(stamp)}.${ext}`;
}
