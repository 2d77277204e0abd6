/**
 * A comparison's results as files: the JSON the Compare view exports and imports (every
 * prompt's figures, so an import redraws the same table and charts), checked field by field
 * with zod and then for consistency (a cell per configuration, a baseline per temperature),
 * and the summary table as CSV. An imported file is data only: its text is shown as text.
 *
 * A file is held to what the page can write: its size is checked before parsing, every list,
 * string and count has the Compare controls' limits (prompts per comparison, configurations,
 * max new tokens, k), rates lie in [0, 1], speedups and times are positive (or zero, for a
 * phase that took none) and finite. A file past them was not written by this page, and
 * drawing it could freeze the tab, so it is refused with the field that is wrong.
 *
 * Version 2 added the per-step profile, ar_overhead, the pair figures (speedup bound,
 * efficiency) and matches_baseline to every cell; version 3 added distinct4, the output's
 * unique / all token 4-grams (engine/text-quality.ts). Versions 1 and 2 still import, with
 * the figures they lack unknown (null).
 *
 *   { "format": "space-compare-results", "version": 3, "created": "2026-11-22T14:00:00Z",
 *     "model": { "id": "toy", "threads": 2 }, "suite": "prose", "max_tokens": 48,
 *     "configs": [{ "drafter": "heads", "k": 4, "tree": "tree-8", "temperature": 0 }],
 *     "prompts": [{ "id": "prose-0", "suite": "prose", "baselines": [{ "temperature": 0, "cell": {...} }], "cells": [{...}] }] }
 */
import { z } from 'zod';
import { SUITE_NAMES, type SuiteName } from '../../engine/bench/suites.ts';
import { DEFAULT_TREES, type DefaultTreeName } from '../../engine/decoding/tree.ts';
import { configLabel } from '../../worker/compare-config.ts';
import type { CompareConfig, ComparePrompt } from '../../worker/protocol.ts';
import { MAX_TEMPERATURE } from '../store/settings.ts';
import { DRAFTING_NAMES, MAX_DEPTH } from '../../engine/drafters/registry.ts';
import { MAX_COMPARE_PROMPTS, MAX_COMPARE_TOKENS, MAX_CONFIGS } from './configs.ts';
import type { CompareRow, Spread } from './summary.ts';

export const RESULTS_FORMAT = 'space-compare-results';
export const RESULTS_VERSION = 3;
/** Versions this page reads (older ones are upgraded on import). */
export const READABLE_VERSIONS = [1, 2, 3] as const;
/**
 * Twice the largest file the page can write (12 configurations at k = 32, each at its own
 * temperature, 24 prompts, pretty-printed: about 1.3 MB; a usual comparison is 50-200 kB).
 */
export const MAX_RESULTS_BYTES = 3_000_000;
/** Model and prompt ids: far longer than any the page's model folders use. */
export const MAX_ID_CHARS = 200;
/** The most wasm threads the page runs with (src/worker/runtime-choice.ts). */
export const MAX_THREADS = 64;
/** The deepest draft a configuration can make: a chain of MAX_DEPTH, or the deepest default tree. */
export const MAX_DRAFT_DEPTH = Math.max(MAX_DEPTH, ...Object.values(DEFAULT_TREES).map((t) => Math.max(...t.spec.map((p) => p.length))));
/** The most draft tokens one step can verify: a chain of MAX_DEPTH, or the largest default tree. */
export const MAX_DRAFT_TOKENS = Math.max(MAX_DEPTH, ...Object.values(DEFAULT_TREES).map((t) => t.spec.length));

export interface CompareResults {
  format: typeof RESULTS_FORMAT;
  version: typeof RESULTS_VERSION;
  /** ISO 8601 time the comparison finished (or was stopped). */
  created: string;
  model: { id: string; threads: number | null };
  suite: SuiteName;
  max_tokens: number;
  configs: CompareConfig[];
  prompts: ComparePrompt[];
}

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
  tokens: whole(0, MAX_COMPARE_TOKENS, 'a token count'),
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
  accept_length_histogram: list(whole(0, MAX_COMPARE_TOKENS, 'a step count'), MAX_DRAFT_DEPTH + 1, `one per accept length 0 to ${MAX_DRAFT_DEPTH}`),
});
const profile = z.object({
  draft_ms: ms,
  draft_run_ms: ms,
  forward_ms: ms,
  forward_run_ms: ms,
  verify_ms: ms,
  accept_ms: ms,
  kv_ms: ms,
  other_ms: ms,
  step_ms: ms,
});
const pair = z.object({
  tau,
  t1_ms: positive,
  t_draft_ms: ms,
  t_verify_ms: ms,
  speedup_decode: positive,
  speedup_bound: positive,
  efficiency: positive,
});
const cellV2 = cellV1.extend({
  profile: profile.nullable(),
  ar_overhead: positive.nullable(),
  pair: pair.nullable(),
  matches_baseline: z.boolean().nullable(),
});
const cellV3 = cellV2.extend({ distinct4: rate });
const config = z.object({
  drafter: z.enum(DRAFTING_NAMES as [CompareConfig['drafter'], ...CompareConfig['drafter'][]]),
  k: whole(1, MAX_DEPTH, 'k'),
  tree: z.enum(Object.keys(DEFAULT_TREES) as [DefaultTreeName, ...DefaultTreeName[]]),
  temperature,
});
const suite = z.enum(SUITE_NAMES as [SuiteName, ...SuiteName[]]);
const schemaOf = <C extends z.ZodType>(version: number, cell: C) => z.object({
  format: z.literal(RESULTS_FORMAT),
  version: z.literal(version),
  created: z.iso.datetime({ error: 'expected an ISO 8601 time such as 2026-11-22T14:05:09.000Z' }),
  model: z.object({
    id: text(MAX_ID_CHARS),
    threads: whole(1, MAX_THREADS, 'a thread count').nullable(),
  }),
  suite,
  max_tokens: whole(1, MAX_COMPARE_TOKENS, "max new tokens (the Compare view's limit)"),
  configs: list(config, MAX_CONFIGS, `a comparison runs at most ${MAX_CONFIGS} configurations`).min(1, { error: 'expected at least one configuration' }),
  prompts: list(
    z.object({
      id: text(MAX_ID_CHARS),
      suite,
      baselines: list(z.object({ temperature, cell }), MAX_CONFIGS, 'one per temperature in use')
        .min(1, { error: 'expected at least one autoregressive baseline' }),
      cells: list(cell, MAX_CONFIGS, 'one per configuration'),
    }),
    MAX_COMPARE_PROMPTS,
    `a comparison runs at most ${MAX_COMPARE_PROMPTS} prompts`,
  ).min(1, { error: 'no finished prompts: the comparison was stopped before its first prompt' }),
});
const schemaV1 = schemaOf(1, cellV1);
const schemaV2 = schemaOf(2, cellV2);
const schemaV3 = schemaOf(3, cellV3);

/** What versions 2 and 3 added to a cell, unknown for an older file. */
const V1_UPGRADE = { profile: null, ar_overhead: null, pair: null, matches_baseline: null } as const;
const V2_UPGRADE = { distinct4: null } as const;

const SHAPE = `{ format: "space-compare-results", version: ${RESULTS_VERSION}, model, suite, max_tokens, configs: [...], prompts: [...] }`;
const FIX = 'Export it again from the Compare view, or run the comparison again.';
const mb = (n: number) => `${(n / 1e6).toFixed(1)} MB`;

/** A checked CompareResults from JSON text; throws an Error whose message names `where` and each problem. */
export function parseCompareResults(text: string, where: string): CompareResults {
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
  const parsed = version === 1 ? schemaV1.safeParse(raw) : version === 2 ? schemaV2.safeParse(raw) : schemaV3.safeParse(raw);
  if (!parsed.success) {
    const issues = parsed.error.issues
      .slice(0, 8)
      .map((i) => `  ${i.path.length ? i.path.join('.') : '(root)'}: ${i.message}`)
      .join('\n');
    const more = parsed.error.issues.length > 8 ? `\n  … and ${parsed.error.issues.length - 8} more` : '';
    throw new Error(`${where} is not a comparison results file (expected ${SHAPE}):\n${issues}${more}\n${FIX}`);
  }
  const r = (
    version === 1 ? upgrade(parsed.data as z.infer<typeof schemaV1>, { ...V1_UPGRADE, ...V2_UPGRADE })
    : version === 2 ? upgrade(parsed.data as z.infer<typeof schemaV2>, V2_UPGRADE)
    : parsed.data
  ) as CompareResults;
  checkConsistent(r, where);
  return r;
}

/** What the schema cannot see: each prompt as the page writes it, against the file's own configurations and settings. */
function checkConsistent(r: CompareResults, where: string): void {
  const labels = new Set<string>();
  r.configs.forEach((c, j) => {
    const label = configLabel(c);
    if (labels.has(label)) throw new Error(`${where}: configs.${j} repeats "${label}"; the Compare view runs each configuration once. ${FIX}`);
    labels.add(label);
  });
  const temperatures = new Set(r.configs.map((c) => c.temperature));
  const ids = new Set<string>();
  r.prompts.forEach((p, i) => {
    const at = `${where}: prompts.${i} (${p.id})`;
    if (ids.has(p.id)) throw new Error(`${at} appears twice; a comparison runs each prompt once. ${FIX}`);
    ids.add(p.id);
    if (p.suite !== r.suite) throw new Error(`${at} is from suite ${p.suite}, but the comparison ran suite ${r.suite}. ${FIX}`);
    if (p.cells.length !== r.configs.length) {
      throw new Error(`${at} has ${p.cells.length} cells but the file lists ${r.configs.length} configurations; expected one cell per configuration. ${FIX}`);
    }
    const seen = new Set<number>();
    p.baselines.forEach((b, j) => {
      if (seen.has(b.temperature)) throw new Error(`${at} has two autoregressive baselines at temperature ${b.temperature} (baselines.${j}); expected one per temperature. ${FIX}`);
      if (!temperatures.has(b.temperature)) throw new Error(`${at} has an autoregressive baseline at temperature ${b.temperature} (baselines.${j}) that no configuration uses. ${FIX}`);
      seen.add(b.temperature);
    });
    for (const c of r.configs) {
      if (!seen.has(c.temperature)) {
        throw new Error(`${at} has no autoregressive baseline at temperature ${c.temperature}, which "${configLabel(c)}" is measured against. ${FIX}`);
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

/** An older file as the current version: the figures it lacks are unknown. */
function upgrade<R extends { prompts: { baselines: { cell: object }[]; cells: object[] }[] }>(r: R, missing: object): CompareResults {
  const up = (c: object) => ({ ...c, ...missing });
  return {
    ...r,
    version: RESULTS_VERSION,
    prompts: r.prompts.map((p) => ({ ...p, baselines: p.baselines.map((b) => ({ ...b, cell: up(b.cell) })), cells: p.cells.map(up) })),
  } as unknown as CompareResults;
}

export async function readResultsFile(file: File): Promise<CompareResults> {
  const where = `The file "${file.name}"`;
  if (file.size > MAX_RESULTS_BYTES) {
    throw new Error(`${where} is ${mb(file.size)}; comparison results the page writes are under ${mb(MAX_RESULTS_BYTES)}. Is it the right file?`);
  }
  return parseCompareResults(await file.text(), where);
}

export const resultsToJson = (r: CompareResults) => `${JSON.stringify(r, null, 2)}\n`;

/** compare-<model>-<suite>-<YYYYMMDD-HHMM>.json|csv, with only safe characters. */
export function resultsFileName(r: CompareResults, ext: 'json' | 'csv'): string {
  const safe = (s: string) => s.replace(/[^A-Za-z0-9._-]+/g, '_');
  const stamp = r.created.replace(/[-:]/g, '').replace('T', '-').slice(0, 13);
  return `compare-${safe(r.model.id)}-${r.suite}-${safe(stamp)}.${ext}`;
}

/** One CSV field (RFC 4180): quoted when it holds a comma, a quote or a line break; quotes doubled. */
export function csvField(v: string | number | null): string {
  if (v === null) return '';
  const s = typeof v === 'number' ? String(Number(v.toPrecision(6))) : v;
  return /[",\r\n]/.test(s) ? `"${s.replace(/"/g, '""')}"` : s;
}

const triple = (s: Spread | null) => [s?.median ?? null, s?.min ?? null, s?.max ?? null];

const PROFILE_CSV = ['step_ms', 'draft_ms', 'draft_run_ms', 'forward_ms', 'forward_run_ms', 'verify_ms', 'accept_ms', 'kv_ms', 'other_ms'] as const;

/**
 * The summary table as CSV: a row per baseline and configuration, medians with min and max
 * over prompts; then the per-step profile (medians, ms), the baseline's AR overhead, the
 * decode-phase speedup, its bound and the efficiency, and the greedy mismatch count; then
 * the outputs' distinct-4 and how many collapsed, and the headline medians over the natural
 * and the collapsed outputs apart.
 */
export function rowsToCsv(rows: readonly CompareRow[]): string {
  const depth = Math.max(0, ...rows.map((r) => r.acceptance_rate_per_position.length));
  const header = [
    'label', 'drafter', 'shape', 'sampling', 'prompts',
    'acceptance_rate_median', 'acceptance_rate_min', 'acceptance_rate_max',
    'tau_median', 'tau_min', 'tau_max',
    ...Array.from({ length: depth }, (_, i) => `acceptance_pos${i + 1}_median`),
    'target_forwards_per_token_median',
    'tokens_per_second_median', 'tokens_per_second_min', 'tokens_per_second_max',
    'speedup_median', 'speedup_min', 'speedup_max',
    'predicted_speedup_median',
    ...PROFILE_CSV.map((k) => `${k}_median`),
    'ar_overhead_median', 'ar_overhead_min', 'ar_overhead_max',
    'speedup_decode_median', 'speedup_decode_min', 'speedup_decode_max',
    'speedup_bound_median', 'speedup_bound_min', 'speedup_bound_max',
    'efficiency_median', 'efficiency_min', 'efficiency_max',
    'mismatches',
    'distinct4_median', 'distinct4_min', 'distinct4_max', 'collapsed_outputs', 'collapsed_share',
    ...(['natural', 'collapsed'] as const).flatMap((h) => [
      `${h}_prompts`, `${h}_acceptance_rate_median`, `${h}_tau_median`, `${h}_speedup_median`, `${h}_speedup_decode_median`,
    ]),
  ];
  const lines = rows.map((r) => [
    r.label, r.drafter, r.shape, r.sampling, r.prompts,
    ...triple(r.draft_acceptance_rate),
    ...triple(r.mean_acceptance_length),
    ...Array.from({ length: depth }, (_, i) => r.acceptance_rate_per_position[i]?.median ?? null),
    r.target_forwards_per_token?.median ?? null,
    ...triple(r.tokens_per_second),
    ...(r.config ? triple(r.speedup) : [1, 1, 1]),
    r.predicted_speedup?.median ?? null,
    ...PROFILE_CSV.map((k) => r.profile[k]?.median ?? null),
    ...triple(r.ar_overhead),
    ...triple(r.pair.speedup_decode),
    ...triple(r.pair.speedup_bound),
    ...triple(r.pair.efficiency),
    r.mismatches,
    ...triple(r.distinct4),
    r.quality.outputs ? r.quality.collapsed : null,
    r.quality.collapsed_share,
    ...[r.natural, r.collapsed].flatMap((h) => [
      h.prompts, h.draft_acceptance_rate?.median ?? null, h.mean_acceptance_length?.median ?? null,
      r.config ? h.speedup?.median ?? null : h.prompts ? 1 : null, h.speedup_decode?.median ?? null,
    ]),
  ]);
  return [header, ...lines].map((l) => l.map(csvField).join(',')).join('\r\n') + '\r\n';
}
