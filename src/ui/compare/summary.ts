/**
 * A comparison's figures summarised per configuration, as the bench reports them
 * (src/cli/bench.ts, bench-report.ts): the median over prompts with the min and max, so
 * one prompt that hits EOS early does not move the headline; accept-length histograms are
 * pooled (summed over prompts). The headline figures are also given over the natural and
 * the collapsed outputs apart (engine/text-quality.ts: a loop is easy to draft). Pure, for
 * the table, the charts, the CSV and the simulator.
 */
import { headlineOf, type Headline, type HeadlineInput, type PairFigures, type StepProfile } from '../../engine/bench/figures.ts';
import { qualityFigures, splitCollapsed, type QualityFigures } from '../../engine/bench/text-quality.ts';
import { baselineLabel, configLabel, samplingLabel, shapeLabel } from '../../worker/compare-config.ts';
import type { CompareCell, CompareConfig } from '../../worker/protocol.ts';
import type { CompareResults } from './results-file.ts';
import { spread, type Spread } from '../../engine/trace/metrics.ts';

export { spread, type Spread };

export interface CompareRow {
  /** 'c0', 'c1', ... for configurations, 'base-<temperature>' for baselines. */
  key: string;
  label: string;
  drafter: string;
  shape: string;
  sampling: string;
  temperature: number;
  config: CompareConfig | null;
  prompts: number;
  draft_acceptance_rate: Spread | null;
  mean_acceptance_length: Spread | null;
  acceptance_rate_per_position: (Spread | null)[];
  target_forwards_per_token: Spread | null;
  tokens_per_second: Spread | null;
  speedup: Spread | null;
  predicted_speedup: Spread | null;
  alpha: Spread | null;
  cost_coefficient: Spread | null;
  /** Summed over prompts: [a] = decode steps that accepted a drafts. */
  accept_length_histogram: number[];
  /** Per decode step, ms, each phase's median over prompts (engine/bench-figures.ts StepProfile). */
  profile: Record<keyof StepProfile, Spread | null>;
  /** Baselines: AR wall time per step / bare session.run per step. */
  ar_overhead: Spread | null;
  /** Configurations: τ, bare forward times, decode-phase speedup, its bound and their ratio. */
  pair: Record<keyof PairFigures, Spread | null>;
  /** Greedy configurations: prompts whose tokens differ from the baseline's (lossless: 0); null when not checked. */
  mismatches: number | null;
  /** The outputs' distinct-4 over every prompt, and how many collapsed (distinct-4 < 0.5). */
  distinct4: Spread | null;
  quality: QualityFigures;
  /** The headline figures over the natural (not collapsed) outputs, which the table leads with, and over the collapsed ones. */
  natural: Headline;
  collapsed: Headline;
}

const headlineInput = (c: CompareCell): HeadlineInput => ({ ...c, speedup_decode: c.pair?.speedup_decode ?? null });

const PROFILE_KEYS = ['draft_ms', 'draft_run_ms', 'forward_ms', 'forward_run_ms', 'verify_ms', 'accept_ms', 'kv_ms', 'other_ms', 'step_ms'] as const satisfies readonly (keyof StepProfile)[];
const PAIR_KEYS = ['tau', 't1_ms', 't_draft_ms', 't_verify_ms', 'speedup_decode', 'speedup_bound', 'efficiency'] as const satisfies readonly (keyof PairFigures)[];

/** Each key's spread over the cells' objects (null objects skipped). */
function spreadEach<K extends string>(keys: readonly K[], objs: readonly (Record<K, number> | null)[]): Record<K, Spread | null> {
  return Object.fromEntries(keys.map((k) => [k, spread(objs.map((o) => o?.[k] ?? null))])) as Record<K, Spread | null>;
}

function rowOf(key: string, label: string, config: CompareConfig | null, temperature: number, cells: readonly CompareCell[]): CompareRow {
  const pick = (f: (c: CompareCell) => number | null) => spread(cells.map(f));
  const depth = Math.max(0, ...cells.map((c) => c.acceptance_rate_per_position.length));
  const histogram: number[] = [];
  for (const c of cells) c.accept_length_histogram.forEach((n, a) => (histogram[a] = (histogram[a] ?? 0) + n));
  const split = splitCollapsed(cells, (c) => c.distinct4);
  return {
    key,
    label,
    drafter: config?.drafter ?? 'none',
    shape: config ? shapeLabel(config) : '',
    sampling: samplingLabel({ temperature }),
    temperature,
    config,
    prompts: cells.length,
    draft_acceptance_rate: pick((c) => c.draft_acceptance_rate),
    mean_acceptance_length: pick((c) => c.mean_acceptance_length),
    acceptance_rate_per_position: Array.from({ length: depth }, (_, i) => pick((c) => c.acceptance_rate_per_position[i] ?? null)),
    target_forwards_per_token: pick((c) => c.target_forwards_per_token),
    tokens_per_second: pick((c) => c.tokens_per_second),
    speedup: pick((c) => c.speedup),
    predicted_speedup: pick((c) => c.predicted_speedup),
    alpha: pick((c) => c.alpha),
    cost_coefficient: pick((c) => c.cost_coefficient),
    accept_length_histogram: Array.from(histogram, (n) => n ?? 0),
    profile: spreadEach(PROFILE_KEYS, cells.map((c) => c.profile)),
    ar_overhead: pick((c) => c.ar_overhead),
    pair: spreadEach(PAIR_KEYS, cells.map((c) => c.pair)),
    mismatches: cells.some((c) => c.matches_baseline !== null) ? cells.filter((c) => c.matches_baseline === false).length : null,
    distinct4: pick((c) => c.distinct4),
    quality: qualityFigures(cells.map((c) => c.distinct4)),
    natural: headlineOf(split.natural.map(headlineInput)),
    collapsed: headlineOf(split.collapsed.map(headlineInput)),
  };
}

/** One row per baseline (first), then one per configuration. */
export function summariseCompare(r: CompareResults): CompareRow[] {
  const temps = [...new Set(r.prompts.flatMap((p) => p.baselines.map((b) => b.temperature)))];
  const baselines = temps.map((t) =>
    rowOf(`base-${t}`, baselineLabel(t), null, t, r.prompts.flatMap((p) => p.baselines.filter((b) => b.temperature === t).map((b) => b.cell))),
  );
  const configs = r.configs.map((c, j) => rowOf(`c${j}`, configLabel(c), c, c.temperature, r.prompts.map((p) => p.cells[j]!)));
  return [...baselines, ...configs];
}
