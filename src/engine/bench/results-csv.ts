/**
 * The bench's summary rows (summary.ts) as CSV, for a spreadsheet: a row per baseline and
 * configuration, medians with min and max over prompts; then the per-step profile (medians,
 * ms), the baseline's AR overhead, the decode speedup, its bound and the efficiency, the
 * greedy mismatch count; then the outputs' distinct-4 and how many collapsed, and the
 * headline medians over the natural and the collapsed outputs apart.
 */
import type { BenchRow, Spread } from './summary.ts';

/** One CSV field (RFC 4180): quoted when it holds a comma, a quote or a line break; quotes doubled. */
export function csvField(v: string | number | null): string {
  if (v === null) return '';
  const s = typeof v === 'number' ? String(Number(v.toPrecision(6))) : v;
  return /[",\r\n]/.test(s) ? `"${s.replace(/"/g, '""')}"` : s;
}

const triple = (s: Spread | null) => [s?.median ?? null, s?.min ?? null, s?.max ?? null];

const PROFILE_CSV = ['step_ms', 'draft_ms', 'draft_run_ms', 'verify_forward_ms', 'verify_forward_run_ms', 'verify_decisions_ms', 'accept_ms', 'kv_ms', 'other_ms'] as const;

export function rowsToCsv(rows: readonly BenchRow[]): string {
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
    ...triple(r.speedup),
    r.predicted_speedup?.median ?? null,
    ...PROFILE_CSV.map((k) => r.profile[k]?.median ?? null),
    ...triple(r.ar_overhead),
    ...triple(r.speedup_decode),
    ...triple(r.speedup_bound),
    ...triple(r.efficiency),
    r.mismatches,
    ...triple(r.distinct4),
    r.quality.outputs ? r.quality.collapsed : null,
    r.quality.collapsed_share,
    ...[r.natural, r.collapsed].flatMap((h) => [
      h.prompts, h.draft_acceptance_rate?.median ?? null, h.mean_acceptance_length?.median ?? null, h.speedup?.median ?? null, h.speedup_decode?.median ?? null,
    ]),
  ]);
  return [header, ...lines].map((l) => l.map(csvField).join(',')).join('\r\n') + '\r\n';
}
