/**
 * The interleaved bench's results summarised per run, one row type for every front end: the
 * CLI's tables (cli/bench-report.ts), the page's Compare table, charts and CSV, the
 * simulator's profiles, and the browser bench. Each figure is the median over prompts with
 * the min and max, so one prompt that hits EOS early or a GC pause does not move the
 * headline; accept-length histograms are pooled (summed over prompts). The headline figures
 * are also given over the natural and the collapsed outputs apart (text-quality.ts: a loop
 * is easy to draft). Speedups are named by phase: `speedup` is end to end (prefill
 * included), `speedup_decode` the decode phase only.
 */
import { baselineOf, configLabel, samplingLabel, shapeLabel, type DecodeConfig } from '../decoding/decode-config.ts';
import { spread, type Spread } from '../trace/metrics.ts';
import type { BenchCell } from './cell.ts';
import { headlineOf, type Headline, type HeadlineInput, type StepProfile } from './figures.ts';
import { decodeConfigOfEntry, type BenchResults } from './results-file.ts';
import { qualityFigures, splitCollapsed, type QualityFigures } from './text-quality.ts';

export { spread, type Spread };

/** One run of the bench (a baseline or a configuration) summarised over its prompts. */
export interface BenchRow {
  /** 'base-0', 'base-1', ... for baselines (in first-use order), 'c0', 'c1', ... for configurations. */
  key: string;
  label: string;
  /** The whole decoding configuration the row ran (drafter 'none' for a baseline). */
  config: DecodeConfig;
  drafter: DecodeConfig['drafter'];
  shape: string;
  sampling: string;
  /** Typical acceptance: the output is not the target's distribution. */
  lossy: boolean;
  prompts: number;
  draft_acceptance_rate: Spread | null;
  /** τ: 1 + accepted draft tokens / drafts. */
  mean_acceptance_length: Spread | null;
  acceptance_rate_per_position: (Spread | null)[];
  target_forwards_per_token: Spread | null;
  tokens_per_second: Spread | null;
  /** End-to-end speedup (prefill included) against the baseline on the same prompt; 1 for a baseline. */
  speedup: Spread | null;
  /** Decode speedup (decode phase only, prefill excluded). */
  speedup_decode: Spread | null;
  /** The decode speedup the runtime's bare forward times allow, and speedup_decode / that bound. */
  speedup_bound: Spread | null;
  efficiency: Spread | null;
  /** Leviathan et al.'s predicted speedup from alpha, gamma and the measured cost ratio c (chains only). */
  predicted_speedup: Spread | null;
  alpha: Spread | null;
  cost_coefficient: Spread | null;
  /** Summed over prompts: [a] = decode steps that accepted a draft tokens. */
  accept_length_histogram: number[];
  /** Per decode step, ms, each phase's median over prompts (figures.ts StepProfile). */
  profile: Record<keyof StepProfile, Spread | null>;
  /** Baselines: AR wall time per step / bare session.run per step. */
  ar_overhead: Spread | null;
  /** Greedy lossless configurations: prompts whose tokens differ from the baseline's (lossless: 0); null when not checked. */
  mismatches: number | null;
  /** The outputs' distinct-4 over every prompt, and how many collapsed (distinct-4 < 0.5). */
  distinct4: Spread | null;
  quality: QualityFigures;
  /** The headline figures over the natural (not collapsed) outputs, which the tables lead with, and over the collapsed ones. */
  natural: Headline;
  collapsed: Headline;
}

/** 'autoregressive, greedy', 'autoregressive, t=0.7 top-p=0.9'. */
export const baselineLabel = (c: Parameters<typeof samplingLabel>[0]) => `autoregressive, ${samplingLabel(c)}`;

const PROFILE_KEYS = ['draft_ms', 'draft_run_ms', 'verify_forward_ms', 'verify_forward_run_ms', 'verify_decisions_ms', 'accept_ms', 'kv_ms', 'other_ms', 'step_ms'] as const satisfies readonly (keyof StepProfile)[];

const ONE: Spread = { median: 1, min: 1, max: 1 };

/** A baseline's speedup against itself is 1 on every prompt it ran. */
const asBaseline = (h: Headline): Headline => ({ ...h, speedup: h.prompts ? ONE : null });

function rowOf(key: string, label: string, config: DecodeConfig, cells: readonly BenchCell[]): BenchRow {
  const pick = (f: (c: BenchCell) => number | null) => spread(cells.map(f));
  const isBaseline = config.drafter === 'none';
  const histogram: number[] = [];
  for (const c of cells) c.accept_length_histogram.forEach((n, a) => (histogram[a] = (histogram[a] ?? 0) + n));
  const headlineInput = (c: BenchCell): HeadlineInput => ({ ...c, speedup_decode: c.pair?.speedup_decode ?? null });
  const split = splitCollapsed(cells, (c) => c.distinct4);
  const [overall, natural, collapsed] = [cells, split.natural, split.collapsed].map((xs) => {
    const h = headlineOf(xs.map(headlineInput));
    return isBaseline ? asBaseline(h) : h;
  }) as [Headline, Headline, Headline];
  return {
    key,
    label,
    config,
    drafter: config.drafter,
    shape: shapeLabel(config),
    sampling: samplingLabel(config),
    lossy: config.acceptance === 'typical',
    ...overall,
    speedup_bound: pick((c) => c.pair?.speedup_bound ?? null),
    efficiency: pick((c) => c.pair?.efficiency ?? null),
    alpha: pick((c) => c.alpha),
    cost_coefficient: pick((c) => c.cost_coefficient),
    accept_length_histogram: Array.from(histogram, (n) => n ?? 0),
    profile: Object.fromEntries(PROFILE_KEYS.map((k) => [k, pick((c) => c.profile?.[k] ?? null)])) as BenchRow['profile'],
    ar_overhead: pick((c) => c.ar_overhead),
    mismatches: cells.some((c) => c.matches_baseline !== null) ? cells.filter((c) => c.matches_baseline === false).length : null,
    quality: qualityFigures(cells.map((c) => c.distinct4)),
    natural,
    collapsed,
  };
}

/** One row per baseline (first, in first-use order), then one per configuration. */
export function summariseBench(r: Pick<BenchResults, 'configs' | 'prompts' | 'max_tokens'>): BenchRow[] {
  const keys: string[] = [];
  const baselines: DecodeConfig[] = [];
  for (const { cell: _cell, ...sampling } of r.prompts.flatMap((p) => p.baselines)) {
    const key = samplingLabel(sampling);
    if (!keys.includes(key)) {
      keys.push(key);
      baselines.push(baselineOf(decodeConfigOfEntry({ ...sampling, drafter: 'none' }, r.max_tokens)));
    }
  }
  const baseRows = baselines.map((b, j) =>
    rowOf(`base-${j}`, baselineLabel(b), b, r.prompts.flatMap((p) => p.baselines.filter((x) => samplingLabel(x) === keys[j]).map((x) => x.cell))),
  );
  const configRows = r.configs.map((c, j) => {
    const config = decodeConfigOfEntry(c, r.max_tokens);
    return rowOf(`c${j}`, configLabel(config), config, r.prompts.map((p) => p.cells[j]!));
  });
  return [...baseRows, ...configRows];
}
