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
  ...p,
});

const heads: CompareConfig = { drafter: 'heads', k: 2, tree: 'tree-8', temperature: 0 };
const lookup: CompareConfig = { drafter: 'prompt-lookup', k: 4, tree: 'tree-8', temperature: 0.7 };

/** Two prompts, two configs at two temperatures; heads accepts 1 then 2 of 2 drafts per step on average. */
function results(): CompareResults {
  const p = (id: string, s1: number, s2: number, pos: number[]) => ({
    id,
    suite: 'prose' as const,
    baselines: [
      { temperature: 0, cell: cell() },
      { temperature: 0.7, cell: cell({ tokens_per_second: 150 }) },
    ],
    cells: [
      cell({ speedup: s1, draft_acceptance_rate: 0.5, mean_acceptance_length: 2, acceptance_rate_per_position: pos, accept_length_histogram: [2, 3, 1] }),
      cell({ speedup: s2, accept_length_histogram: [4] }),
    ],
  });
  return {
    format: 'space-compare-results',
    version: 1,
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
});

describe('results file', () => {
  it('round-trips through JSON', () => {
    const r = results();
    expect(parseCompareResults(resultsToJson(r), 'x')).toEqual(r);
    expect(resultsFileName(r, 'csv')).toBe('compare-toy-prose-20261122-1405.csv');
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
        'tokens_per_second_max,speedup_median,speedup_min,speedup_max,predicted_speedup_median',
    );
    expect(lines[1]).toBe('"autoregressive, greedy",none,,greedy,2,,,,,,,,,1,160,160,160,1,1,1,');
    expect(lines[3]).toBe('"heads k=2, greedy",heads,k=2,greedy,2,0.5,0.5,0.5,2,2,2,0.7,0.3,1,160,160,160,1.5,1.2,1.8,');
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
