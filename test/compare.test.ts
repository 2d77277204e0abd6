/**
 * The Compare view's pure parts (src/ui/compare/): configuration checks, medians over
 * prompts, the results file (round trip, and clear errors for bad files), CSV export; and
 * the compare and cost messages folded into the store, routed by request id and phase.
 */
import { beforeEach, describe, expect, it } from 'vitest';

import { COMPARE_PRESETS, compareProblem, configProblem, DEFAULT_COMPARE, nextConfig } from '../src/ui/compare/configs.ts';
import { csvField, parseCompareResults, resultsFileName, resultsToJson, rowsToCsv, type CompareResults } from '../src/ui/compare/results-file.ts';
import { spread, summariseCompare } from '../src/ui/compare/summary.ts';
import { useStore } from '../src/ui/store/index.ts';
import { baselineTemperatures, configLabel } from '../src/worker/compare-config.ts';
import type { PairFigures, StepProfile } from '../src/engine/bench-figures.ts';
import type { CompareCell, CompareConfig } from '../src/worker/protocol.ts';

const cell = (p: Partial<CompareCell> = {}): CompareCell => ({
  tokens: 16,
  stop_reason: 'max_tokens',
  elapsed_ms: 100,
  speedup: null,
  draft_acceptance_rate: null,
  mean_acceptance_length: null,
  acceptance_rate_per_position: [],
  target_forwards_per_token: 1,
  tokens_per_second: 160,
  alpha: null,
  gamma: null,
  cost_coefficient: null,
  predicted_speedup: null,
  accept_length_histogram: [15],
  profile: null,
  ar_overhead: null,
  pair: null,
  matches_baseline: null,
  ...p,
});

/** A step of `step` ms: draft 1 (0.8 in session.run), forward 2 (1.5), verify 0.3, accept 0.2 (KV 0.1), other the rest. */
const profileOf = (step: number): StepProfile => ({
  draft_ms: 1, draft_run_ms: 0.8, forward_ms: 2, forward_run_ms: 1.5, verify_ms: 0.3, accept_ms: 0.2, kv_ms: 0.1, other_ms: step - 3.5, step_ms: step,
});
const pairOf = (speedup: number, bound: number): PairFigures => ({
  tau: 3, t1_ms: 1.5, t_draft_ms: 0.8, t_verify_ms: 1.5, speedup_decode: speedup, speedup_bound: bound, efficiency: speedup / bound,
});

const heads: CompareConfig = { drafter: 'heads', k: 2, tree: 'tree-8', temperature: 0 };
const lookup: CompareConfig = { drafter: 'prompt-lookup', k: 4, tree: 'tree-8', temperature: 0.7 };

/** Two prompts, two configs at two temperatures; heads accepts 1 then 2 of 2 drafts per step on average. */
function results(): CompareResults {
  const p = (id: string, s1: number, s2: number, pos: number[]) => ({
    id,
    suite: 'prose' as const,
    baselines: [
      { temperature: 0, cell: cell({ ar_overhead: s1 / 1.2 + 0.05, profile: profileOf(4) }) },
      { temperature: 0.7, cell: cell({ tokens_per_second: 150 }) },
    ],
    cells: [
      cell({
        speedup: s1, draft_acceptance_rate: 0.5, mean_acceptance_length: 2, acceptance_rate_per_position: pos, accept_length_histogram: [2, 3, 1],
        profile: profileOf(4 * s1), pair: pairOf(s1, 2), matches_baseline: s1 < 1.5,
      }),
      cell({ speedup: s2, accept_length_histogram: [4] }),
    ],
  });
  return {
    format: 'space-compare-results',
    version: 2,
    created: '2026-11-22T14:05:09.000Z',
    model: { id: 'toy', threads: 2 },
    suite: 'prose',
    max_tokens: 16,
    configs: [{ ...heads }, { ...lookup }],
    prompts: [p('prose-00', 1.2, 0.9, [0.6, 0.4]), p('prose-01', 1.8, 1.1, [0.8, 0.2])],
  };
}

describe('compare configurations', () => {
  it('labels configurations and needs one baseline per temperature', () => {
    expect(configLabel(heads)).toBe('heads k=2, greedy');
    expect(configLabel({ ...heads, drafter: 'heads-tree', tree: 'tree-12', temperature: 0.7 })).toBe('heads-tree tree-12, t=0.7');
    expect(baselineTemperatures([heads, lookup, { ...heads, k: 3 }])).toEqual([0, 0.7]);
  });

  it('says what is wrong with a row and what would work', () => {
    expect(configProblem({ ...heads, k: 5 }, 4)).toMatch(/k = 5: expected a whole number from 1 to 4 \(the model has 4 draft heads\)/);
    expect(configProblem({ ...heads, drafter: 'heads-tree', tree: 'tree-12' }, 3)).toMatch(/tree-12 is 4 deep, but the model has 3 draft heads/);
    expect(configProblem(heads, 4)).toBeNull();
    expect(compareProblem({ ...DEFAULT_COMPARE, configs: [] }, null)).toMatch(/add a row or choose a preset/);
    expect(compareProblem({ ...DEFAULT_COMPARE, configs: [heads, { ...heads }] }, null)).toMatch(/Row 2 repeats "heads k=2, greedy"/);
    expect(compareProblem(DEFAULT_COMPARE, { numHeads: 4, suiteSizes: null })).toMatch(/no prompt suites/);
  });

  it('has presets that pass their own checks, and adds rows one step longer', () => {
    for (const p of COMPARE_PRESETS) expect(compareProblem({ ...DEFAULT_COMPARE, configs: p.configs(4) }, null), p.id).toBeNull();
    expect(nextConfig([heads], 4)).toEqual({ ...heads, k: 3 });
    expect(nextConfig([{ ...heads, k: 4 }], 4)).toEqual({ ...heads, k: 1 });
  });
});

describe('summary over prompts', () => {
  it('takes the median, min and max of the finite values', () => {
    expect(spread([3, 1, 2])).toEqual({ median: 2, min: 1, max: 3 });
    expect(spread([1, 4, null, Number.NaN])).toEqual({ median: 2.5, min: 1, max: 4 });
    expect(spread([null])).toBeNull();
  });

  it('gives a row per baseline, then per configuration, with pooled histograms', () => {
    const rows = summariseCompare(results());
    expect(rows.map((r) => r.label)).toEqual(['autoregressive, greedy', 'autoregressive, t=0.7', 'heads k=2, greedy', 'prompt-lookup k=4, t=0.7']);
    const h = rows[2]!;
    expect(h.speedup).toEqual({ median: 1.5, min: 1.2, max: 1.8 });
    expect(h.acceptance_rate_per_position.map((s) => s!.median)).toEqual([0.7, 0.30000000000000004]);
    expect(h.accept_length_histogram).toEqual([4, 6, 2]);
    expect(rows[0]!.speedup).toBeNull();
  });

  it('summarises the step profile, the AR overhead, the pair figures and greedy mismatches', () => {
    const [base, , h, lookupRow] = summariseCompare(results());
    expect(base!.ar_overhead).toEqual({ median: 1.3, min: 1.05, max: 1.55 });
    expect(base!.profile.step_ms).toEqual({ median: 4, min: 4, max: 4 });
    expect(base!.pair.efficiency).toBeNull();
    expect(base!.mismatches).toBeNull();
    expect(h!.profile.step_ms).toEqual({ median: 6, min: 4.8, max: 7.2 });
    expect(h!.profile.other_ms!.median).toBeCloseTo(2.5, 12);
    expect(h!.pair.efficiency).toEqual({ median: 0.75, min: 0.6, max: 0.9 });
    expect(h!.pair.speedup_bound).toEqual({ median: 2, min: 2, max: 2 });
    expect(h!.ar_overhead).toBeNull();
    expect(h!.mismatches).toBe(1);
    expect(lookupRow!.profile.step_ms).toBeNull();
    expect(lookupRow!.mismatches).toBeNull();
  });
});

describe('results file', () => {
  it('round-trips through JSON', () => {
    const r = results();
    expect(parseCompareResults(resultsToJson(r), 'x')).toEqual(r);
    expect(resultsFileName(r, 'csv')).toBe('compare-toy-prose-20261122-1405.csv');
  });

  it('imports a version 1 file, with the figures version 2 added unknown', () => {
    const v1 = JSON.parse(resultsToJson(results())) as { version: number; prompts: { baselines: { cell: Record<string, unknown> }[]; cells: Record<string, unknown>[] }[] };
    v1.version = 1;
    const strip = (c: Record<string, unknown>) => ['profile', 'ar_overhead', 'pair', 'matches_baseline'].forEach((k) => delete c[k]);
    for (const p of v1.prompts) {
      p.baselines.forEach((b) => strip(b.cell));
      p.cells.forEach(strip);
    }
    const r = parseCompareResults(JSON.stringify(v1), 'old.json');
    expect(r.version).toBe(2);
    expect(r.prompts[0]!.cells[0]).toMatchObject({ speedup: 1.2, profile: null, ar_overhead: null, pair: null, matches_baseline: null });
    expect(summariseCompare(r)[2]!.pair.efficiency).toBeNull();
  });

  it('refuses a file from a newer page, and a version 2 cell without its figures', () => {
    expect(() => parseCompareResults(JSON.stringify({ ...results(), version: 3 }), 'The file "n.json"')).toThrow(
      /The file "n.json" is comparison results version 3, newer than this page reads \(1 and 2\)/,
    );
    const bad = JSON.parse(resultsToJson(results())) as { prompts: { cells: Record<string, unknown>[] }[] };
    delete bad.prompts[0]!.cells[0]!.pair;
    expect(() => parseCompareResults(JSON.stringify(bad), 'f')).toThrow(/prompts\.0\.cells\.0\.pair/);
  });

  it('names the file and the problem for text that is not JSON', () => {
    expect(() => parseCompareResults('{"format": ', 'The file "a.json"')).toThrow(/The file "a.json" is not valid JSON .*Expected a comparison results file/);
  });

  it('lists the fields that are wrong, with their paths', () => {
    const bad = results() as unknown as { configs: { k: unknown }[]; prompts: { cells: { tokens: unknown }[] }[] };
    bad.configs[0]!.k = 'four';
    bad.prompts[1]!.cells[0]!.tokens = -1;
    let message = '';
    try {
      parseCompareResults(JSON.stringify(bad), 'The file "b.json"');
    } catch (e) {
      message = (e as Error).message;
    }
    expect(message).toMatch(/^The file "b.json" is not a comparison results file \(expected \{ format: "space-compare-results"/);
    expect(message).toContain('configs.0.k');
    expect(message).toContain('prompts.1.cells.0.tokens');
    expect(message).toMatch(/Export it again from the Compare view/);
  });

  it('refuses a trace, an empty comparison, and figures that do not add up', () => {
    expect(() => parseCompareResults(JSON.stringify({ format: 'space-decode-trace' }), 'f')).toThrow(/decode trace, not comparison results: open it in the Trace stepper/);
    expect(() => parseCompareResults(JSON.stringify({ ...results(), prompts: [] }), 'f')).toThrow(/no finished prompts/);
    const short = results();
    short.prompts[0]!.cells.pop();
    expect(() => parseCompareResults(JSON.stringify(short), 'f')).toThrow(/prompts.0 \(prose-00\) has 1 cells but the file lists 2 configurations/);
    const noBase = results();
    noBase.prompts[1]!.baselines.pop();
    expect(() => parseCompareResults(JSON.stringify(noBase), 'f')).toThrow(/no autoregressive baseline at temperature 0.7, which "prompt-lookup k=4, t=0.7"/);
  });
});

describe('CSV export', () => {
  it('quotes fields with commas, quotes or line breaks (RFC 4180)', () => {
    expect(csvField('heads k=2, greedy')).toBe('"heads k=2, greedy"');
    expect(csvField('say "hi"')).toBe('"say ""hi"""');
    expect(csvField('plain')).toBe('plain');
    expect(csvField(null)).toBe('');
    expect(csvField(1 / 3)).toBe('0.333333');
  });

  it('writes a header and a row per baseline and configuration', () => {
    const csv = rowsToCsv(summariseCompare(results()));
    const lines = csv.trimEnd().split('\r\n');
    expect(lines).toHaveLength(5);
    expect(lines[0]).toBe(
      'label,drafter,shape,sampling,prompts,acceptance_rate_median,acceptance_rate_min,acceptance_rate_max,tau_median,tau_min,tau_max,' +
        'acceptance_pos1_median,acceptance_pos2_median,target_forwards_per_token_median,tokens_per_second_median,tokens_per_second_min,' +
        'tokens_per_second_max,speedup_median,speedup_min,speedup_max,predicted_speedup_median,' +
        'step_ms_median,draft_ms_median,draft_run_ms_median,forward_ms_median,forward_run_ms_median,verify_ms_median,accept_ms_median,' +
        'kv_ms_median,other_ms_median,ar_overhead_median,ar_overhead_min,ar_overhead_max,speedup_decode_median,speedup_decode_min,' +
        'speedup_decode_max,speedup_bound_median,speedup_bound_min,speedup_bound_max,efficiency_median,efficiency_min,efficiency_max,mismatches',
    );
    // the baseline: a 4 ms step (0.5 ms other), AR overhead 1.05 and 1.55 over the two prompts
    expect(lines[1]).toBe('"autoregressive, greedy",none,,greedy,2,,,,,,,,,1,160,160,160,1,1,1,,4,1,0.8,2,1.5,0.3,0.2,0.1,0.5,1.3,1.05,1.55,,,,,,,,,,');
    // heads: 4.8 and 7.2 ms steps, decode speedup 1.2 and 1.8 against a bound of 2, one prompt differing
    expect(lines[3]).toBe('"heads k=2, greedy",heads,k=2,greedy,2,0.5,0.5,0.5,2,2,2,0.7,0.3,1,160,160,160,1.5,1.2,1.8,,6,1,0.8,2,1.5,0.3,0.2,0.1,2.5,,,,1.5,1.2,1.8,2,2,2,0.75,0.6,0.9,1');
  });
});

describe('ui store: compare and cost messages', () => {
  const initial = useStore.getState();
  beforeEach(() => useStore.setState(initial, true));

  it('grows the results prompt by prompt and ignores other comparisons', () => {
    const s = useStore.getState();
    s.setCompareSettings({ prompts: 2, maxTokens: 16 });
    const { requestId } = s.startCompare();
    const r = results();
    s.receive({ status: 'compare-progress', requestId, prompt: 1, prompts: 2, run: 2, runs: 4, label: 'heads k=4, greedy' });
    expect(useStore.getState().compare.progress).toMatchObject({ prompt: 1, run: 2 });
    s.receive({ status: 'compare-prompt', requestId, prompt: r.prompts[0]! });
    s.receive({ status: 'compare-prompt', requestId: requestId + 7, prompt: r.prompts[1]! });
    s.receive({ status: 'compare-complete', requestId, stopped: true, stepsAfterStop: 1 });
    const c = useStore.getState().compare;
    expect(c.status).toBe('stopped');
    expect(c.stepsAfterStop).toBe(1);
    expect(c.results?.prompts.map((p) => p.id)).toEqual(['prose-00']);
    expect(c.results?.max_tokens).toBe(16);
  });

  it('routes errors by phase: a comparison\'s error does not fail the decode run', () => {
    const s = useStore.getState();
    const { requestId } = s.startCompare();
    s.receive({ status: 'error', phase: 'compare', requestId, message: 'heads k=9: too deep' });
    expect(useStore.getState().compare).toMatchObject({ status: 'error', error: 'heads k=9: too deep' });
    expect(useStore.getState().run.status).toBe('idle');
    const id = s.startMeasure();
    s.receive({ status: 'cost-progress', requestId: id, done: 3, total: 160 });
    expect(useStore.getState().simulator.cost).toMatchObject({ status: 'measuring', done: 3 });
    s.receive({ status: 'cost-curve', requestId: id, context: 128, reps: 7, points: [{ n: 1, ms: 2, minMs: 1.9, maxMs: 2.2 }], headsMs: 0.1, draftModelMs: 0.5 });
    expect(useStore.getState().simulator.cost.status).toBe('done');
    expect(useStore.getState().simulator.cost.curve?.points[0]?.ms).toBe(2);
  });

  it('ends a comparison in flight when the worker crashes', () => {
    const s = useStore.getState();
    s.startCompare();
    s.failModel({ kind: 'crash', message: 'worker died' });
    expect(useStore.getState().compare).toMatchObject({ status: 'error', error: 'worker died' });
  });
});
