/**
 * A comparison's results as files: the JSON the Compare view exports and imports (every
 * prompt's figures, so an import redraws the same table and charts), checked field by field
 * with zod and then for consistency (a cell per configuration, a baseline per temperature),
 * and the summary table as CSV. An imported file is data only: its text is shown as text.
 *
 * Version 2 added the per-step profile, ar_overhead, the pair figures (speedup bound,
 * efficiency) and matches_baseline to every cell; a version 1 file still imports, with
 * those figures unknown (null).
 *
 *   { "format": "space-compare-results", "version": 2, "created": "2026-11-22T14:00:00Z",
 *     "model": { "id": "toy", "threads": 2 }, "suite": "prose", "max_tokens": 48,
 *     "configs": [{ "drafter": "heads", "k": 4, "tree": "tree-8", "temperature": 0 }],
 *     "prompts": [{ "id": "prose-0", "suite": "prose", "baselines": [{ "temperature": 0, "cell": {...} }], "cells": [{...}] }] }
 */
import { z } from 'zod';
import { DRAFTER_NAMES } from '../../engine/drafters/types.ts';
import { SUITE_NAMES, type SuiteName } from '../../engine/suites.ts';
import { DEFAULT_TREES, type DefaultTreeName } from '../../engine/tree.ts';
import { configLabel } from '../../worker/compare-config.ts';
import type { CompareConfig, ComparePrompt } from '../../worker/protocol.ts';
import type { CompareRow, Spread } from './summary.ts';

export const RESULTS_FORMAT = 'space-compare-results';
export const RESULTS_VERSION = 2;
/** Versions this page reads (older ones are upgraded on import). */
export const READABLE_VERSIONS = [1, 2] as const;
/** Far above any comparison the page can run (12 configs x 24 prompts is ~200 kB). */
export const MAX_RESULTS_BYTES = 20_000_000;

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

const num = z.number();
const nullableNum = num.nullable();
const ms = num.min(0);
const cellV1 = z.object({
  tokens: z.number().int().min(0),
  stop_reason: z.enum(['max_tokens', 'eos', 'context_full', 'aborted']),
  elapsed_ms: num.min(0),
  speedup: nullableNum,
  draft_acceptance_rate: nullableNum,
  mean_acceptance_length: nullableNum,
  acceptance_rate_per_position: z.array(num.min(0).max(1)),
  target_forwards_per_token: nullableNum,
  tokens_per_second: nullableNum,
  alpha: nullableNum,
  gamma: nullableNum,
  cost_coefficient: nullableNum,
  predicted_speedup: nullableNum,
  accept_length_histogram: z.array(z.number().int().min(0)),
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
  tau: num.min(0),
  t1_ms: ms,
  t_draft_ms: ms,
  t_verify_ms: ms,
  speedup_decode: num.min(0),
  speedup_bound: num.min(0),
  efficiency: num.min(0),
});
const cellV2 = cellV1.extend({
  profile: profile.nullable(),
  ar_overhead: num.min(0).nullable(),
  pair: pair.nullable(),
  matches_baseline: z.boolean().nullable(),
});
const config = z.object({
  drafter: z.enum(DRAFTER_NAMES.filter((d) => d !== 'none') as [CompareConfig['drafter'], ...CompareConfig['drafter'][]]),
  k: z.number().int().min(1),
  tree: z.enum(Object.keys(DEFAULT_TREES) as [DefaultTreeName, ...DefaultTreeName[]]),
  temperature: num.min(0),
});
const suite = z.enum(SUITE_NAMES as [SuiteName, ...SuiteName[]]);
const schemaOf = <C extends z.ZodType>(version: number, cell: C) => z.object({
  format: z.literal(RESULTS_FORMAT),
  version: z.literal(version),
  created: z.string(),
  model: z.object({ id: z.string().min(1), threads: z.number().int().min(1).nullable() }),
  suite,
  max_tokens: z.number().int().min(1),
  configs: z.array(config).min(1),
  prompts: z
    .array(
      z.object({
        id: z.string().min(1),
        suite,
        baselines: z.array(z.object({ temperature: num.min(0), cell })).min(1),
        cells: z.array(cell),
      }),
    )
    .min(1, 'no finished prompts: the comparison was stopped before its first prompt'),
});
const schemaV1 = schemaOf(1, cellV1);
const schemaV2 = schemaOf(2, cellV2);

/** What version 2 added to a cell, unknown for a version 1 file. */
const V1_UPGRADE = { profile: null, ar_overhead: null, pair: null, matches_baseline: null } as const;

const SHAPE = `{ format: "space-compare-results", version: ${RESULTS_VERSION}, model, suite, max_tokens, configs: [...], prompts: [...] }`;
const FIX = 'Export it again from the Compare view, or run the comparison again.';

/** A checked CompareResults from JSON text; throws an Error whose message names `where` and each problem. */
export function parseCompareResults(text: string, where: string): CompareResults {
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
      `${where} is comparison results version ${version}, newer than this page reads (${READABLE_VERSIONS.join(' and ')}). Open it with the page that exported it, or run the comparison again here.`,
    );
  }
  const parsed = version === 1 ? schemaV1.safeParse(raw) : schemaV2.safeParse(raw);
  if (!parsed.success) {
    const issues = parsed.error.issues
      .slice(0, 8)
      .map((i) => `  ${i.path.length ? i.path.join('.') : '(root)'}: ${i.message}`)
      .join('\n');
    const more = parsed.error.issues.length > 8 ? `\n  … and ${parsed.error.issues.length - 8} more` : '';
    throw new Error(`${where} is not a comparison results file (expected ${SHAPE}):\n${issues}${more}\n${FIX}`);
  }
  const r = (version === 1 ? upgradeV1(parsed.data as z.infer<typeof schemaV1>) : parsed.data) as CompareResults;
  r.prompts.forEach((p, i) => {
    if (p.cells.length !== r.configs.length) {
      throw new Error(`${where}: prompts.${i} (${p.id}) has ${p.cells.length} cells but the file lists ${r.configs.length} configurations; expected one cell per configuration. ${FIX}`);
    }
    for (const c of r.configs) {
      if (!p.baselines.some((b) => b.temperature === c.temperature)) {
        throw new Error(`${where}: prompts.${i} (${p.id}) has no autoregressive baseline at temperature ${c.temperature}, which "${configLabel(c)}" is measured against. ${FIX}`);
      }
    }
  });
  return r;
}

/** A version 1 file as version 2: the figures it lacks are unknown. */
function upgradeV1(r: z.infer<typeof schemaV1>): CompareResults {
  const up = (c: z.infer<typeof cellV1>) => ({ ...c, ...V1_UPGRADE });
  return {
    ...r,
    version: RESULTS_VERSION,
    prompts: r.prompts.map((p) => ({ ...p, baselines: p.baselines.map((b) => ({ ...b, cell: up(b.cell) })), cells: p.cells.map(up) })),
  } as CompareResults;
}

export async function readResultsFile(file: File): Promise<CompareResults> {
  const where = `The file "${file.name}"`;
  if (file.size > MAX_RESULTS_BYTES) {
    throw new Error(`${where} is ${(file.size / 1e6).toFixed(0)} MB; comparison results are far smaller (at most ${MAX_RESULTS_BYTES / 1e6} MB). Is it the right file?`);
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
 * decode-phase speedup, its bound and the efficiency, and the greedy mismatch count.
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
  ]);
  return [header, ...lines].map((l) => l.map(csvField).join(',')).join('\r\n') + '\r\n';
}
