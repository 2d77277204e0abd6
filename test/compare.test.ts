/**
 * The Compare view's pure parts (src/ui/compare/): configuration checks, medians over
 * prompts, the results file (round trip, and clear errors for bad files), CSV export; and
 * the compare and cost messages folded into the store, routed by request id and phase.
 */
import { beforeEach, describe, expect, it } from 'vitest';

import { COMPARE_PRESETS, compareProblem, configProblem, DEFAULT_COMPARE, MAX_COMPARE_PROMPTS, MAX_COMPARE_TOKENS, MAX_CONFIGS, nextConfig } from '../src/ui/compare/configs.ts';
import type { BenchCell } from '../src/engine/bench/cell.ts';
import { baselinesFor } from '../src/engine/bench/interleave.ts';
import { csvField, rowsToCsv } from '../src/engine/bench/results-csv.ts';
import {
  benchConfigOf, MAX_RESULTS_BYTES, parseBenchResults, readResultsFile, resultsFileName, resultsToJson, type BenchResults,
} from '../src/engine/bench/results-file.ts';
import { decodeConfig } from '../src/engine/decoding/decode-config.ts';
import { MAX_DEPTH } from '../src/engine/drafters/registry.ts';
import { spread, summariseBench } from '../src/engine/bench/summary.ts';
import { useStore } from '../src/ui/store/index.ts';
import { configLabel, decodeConfigOf } from '../src/worker/compare-config.ts';
import type { PairFigures, StepProfile } from '../src/engine/bench/figures.ts';
import type { CompareConfig } from '../src/worker/protocol.ts';

const cell = (p: Partial<BenchCell> = {}): BenchCell => ({
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
  distinct4: 0.9,
  ...p,
});

/** A step of `step` ms: draft 1 (0.8 in session.run), forward 2 (1.5), verify 0.3, accept 0.2 (KV 0.1), other the rest. */
const profileOf = (step: number): StepProfile => ({
  draft_ms: 1, draft_run_ms: 0.8, verify_forward_ms: 2, verify_forward_run_ms: 1.5, verify_decisions_ms: 0.3, accept_ms: 0.2, kv_ms: 0.1, other_ms: step - 3.5, step_ms: step,
});
const pairOf = (speedup: number, bound: number): PairFigures => ({
  tokens_per_step: 3, t1_ms: 1.5, t_draft_ms: 0.8, t_verify_ms: 1.5, speedup_decode: speedup, speedup_bound: bound, efficiency: speedup / bound,
});

const heads: CompareConfig = { drafter: 'heads', k: 2, tree: 'tree-8', temperature: 0 };
const lookup: CompareConfig = { drafter: 'prompt-lookup', k: 4, tree: 'tree-8', temperature: 0.7 };

/**
 * Two prompts, two configs at two temperatures; heads accepts 1 then 2 of 2 drafts per step on
 * average, and its output on the second prompt repeats itself (distinct-4 0.3).
 */
function results(): BenchResults {
  const p = (id: string, s1: number, s2: number, pos: number[], d4: number) => ({
    id,
    suite: 'prose' as const,
    baselines: [
      { temperature: 0, cell: cell({ ar_overhead: s1 / 1.2 + 0.05, profile: profileOf(4) }) },
      { temperature: 0.7, cell: cell({ tokens_per_second: 150 }) },
    ],
    cells: [
      cell({
        speedup: s1, draft_acceptance_rate: 0.5, mean_acceptance_length: 2, acceptance_rate_per_position: pos, accept_length_histogram: [2, 3, 1],
        profile: profileOf(4 * s1), pair: pairOf(s1, 2), matches_baseline: s1 < 1.5, distinct4: d4,
      }),
      cell({ speedup: s2, accept_length_histogram: [4] }),
    ],
  });
  return {
    format: 'space-compare-results',
    version: 5,
    created: '2026-11-22T14:05:09.000Z',
    model: { id: 'toy', threads: 2 },
    suite: 'prose',
    max_tokens: 16,
    configs: [{ ...heads }, { ...lookup }],
    prompts: [p('prose-00', 1.2, 0.9, [0.6, 0.4], 0.8), p('prose-01', 1.8, 1.1, [0.8, 0.2], 0.3)],
  };
}

describe('compare configurations', () => {
  it('labels configurations and needs one baseline per temperature', () => {
    expect(configLabel(heads)).toBe('heads k=2, greedy');
    expect(configLabel({ ...heads, drafter: 'heads-tree', tree: 'tree-12', temperature: 0.7 })).toBe('heads-tree tree-12, t=0.7');
    const { baselines, baselineIndex } = baselinesFor([heads, lookup, { ...heads, k: 3 }].map((c) => decodeConfigOf(c)));
    expect(baselines.map((b) => [b.drafter, b.temperature])).toEqual([['none', 0], ['none', 0.7]]);
    expect(baselineIndex).toEqual([0, 1, 0]);
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
    const rows = summariseBench(results());
    expect(rows.map((r) => r.label)).toEqual(['autoregressive, greedy', 'autoregressive, t=0.7', 'heads k=2, greedy', 'prompt-lookup k=4, t=0.7']);
    const h = rows[2]!;
    expect(h.speedup).toEqual({ median: 1.5, min: 1.2, max: 1.8 });
    expect(h.acceptance_rate_per_position.map((s) => s!.median)).toEqual([0.7, 0.30000000000000004]);
    expect(h.accept_length_histogram).toEqual([4, 6, 2]);
    // a baseline against itself
    expect(rows[0]!.speedup).toEqual({ median: 1, min: 1, max: 1 });
  });

  it('summarises the step profile, the AR overhead, the pair figures and greedy mismatches', () => {
    const [base, , h, lookupRow] = summariseBench(results());
    expect(base!.ar_overhead).toEqual({ median: 1.3, min: 1.05, max: 1.55 });
    expect(base!.profile.step_ms).toEqual({ median: 4, min: 4, max: 4 });
    expect(base!.efficiency).toBeNull();
    expect(base!.mismatches).toBeNull();
    expect(h!.profile.step_ms).toEqual({ median: 6, min: 4.8, max: 7.2 });
    expect(h!.profile.other_ms!.median).toBeCloseTo(2.5, 12);
    expect(h!.efficiency).toEqual({ median: 0.75, min: 0.6, max: 0.9 });
    expect(h!.speedup_bound).toEqual({ median: 2, min: 2, max: 2 });
    expect(h!.ar_overhead).toBeNull();
    expect(h!.mismatches).toBe(1);
    expect(lookupRow!.profile.step_ms).toBeNull();
    expect(lookupRow!.mismatches).toBeNull();
  });

  it('states the headline figures for natural outputs, and the collapsed ones apart', () => {
    const [base, , h] = summariseBench(results());
    expect(h!.distinct4).toEqual({ median: 0.55, min: 0.3, max: 0.8 });
    expect(h!.quality).toEqual({ outputs: 2, collapsed: 1, collapsed_share: 0.5 });
    // prose-00 reads naturally (speedup 1.2), prose-01 loops (speedup 1.8)
    expect(h!.natural).toMatchObject({ prompts: 1, speedup: { median: 1.2, min: 1.2, max: 1.2 }, speedup_decode: { median: 1.2 }, distinct4: { median: 0.8 } });
    expect(h!.collapsed).toMatchObject({ prompts: 1, speedup: { median: 1.8, min: 1.8, max: 1.8 }, speedup_decode: { median: 1.8 }, distinct4: { median: 0.3 } });
    // the figures over every prompt stay as they were
    expect(h!.speedup).toEqual({ median: 1.5, min: 1.2, max: 1.8 });
    expect(base!.quality).toEqual({ outputs: 2, collapsed: 0, collapsed_share: 0 });
    expect(base!.collapsed.prompts).toBe(0);
  });
});

describe('results file', () => {
  it('round-trips through JSON', () => {
    const r = results();
    expect(parseBenchResults(resultsToJson(r), 'x')).toEqual(r);
    expect(resultsFileName(r, 'csv')).toBe('compare-toy-prose-20261122-1405.csv');
  });

  /** A version 5 step profile or pair under the names versions 2 to 4 gave its keys. */
  const OLD_NAMES: Record<string, string> = { verify_forward_ms: 'forward_ms', verify_forward_run_ms: 'forward_run_ms', verify_decisions_ms: 'verify_ms', tokens_per_step: 'tau' };
  const oldNames = (o: unknown) => (o && typeof o === 'object' ? Object.fromEntries(Object.entries(o).map(([k, v]) => [OLD_NAMES[k] ?? k, v])) : o);

  /** results() as an older version's file: its version number, its key names, and the cell fields it did not have yet. */
  const older = (version: number, fields: string[]) => {
    const f = JSON.parse(resultsToJson(results())) as { version: number; prompts: { baselines: { cell: Record<string, unknown> }[]; cells: Record<string, unknown>[] }[] };
    f.version = version;
    const strip = (c: Record<string, unknown>) => {
      fields.forEach((k) => delete c[k]);
      if (version < 5) for (const k of ['profile', 'pair']) if (k in c) c[k] = oldNames(c[k]);
    };
    for (const p of f.prompts) {
      p.baselines.forEach((b) => strip(b.cell));
      p.cells.forEach(strip);
    }
    return JSON.stringify(f);
  };

  it('imports a version 1 file, with the figures versions 2 and 3 added unknown', () => {
    const r = parseBenchResults(older(1, ['profile', 'ar_overhead', 'pair', 'matches_baseline', 'distinct4']), 'old.json');
    expect(r.version).toBe(5);
    expect(r.prompts[0]!.cells[0]).toMatchObject({ speedup: 1.2, profile: null, ar_overhead: null, pair: null, matches_baseline: null, distinct4: null });
    expect(summariseBench(r)[2]!.efficiency).toBeNull();
  });

  it('imports a version 2 file, with distinct-4 unknown: every output counted natural, the quality figures empty', () => {
    const r = parseBenchResults(older(2, ['distinct4']), 'v2.json');
    expect(r.version).toBe(5);
    expect(r.prompts[1]!.cells[0]).toMatchObject({ speedup: 1.8, pair: { speedup_decode: 1.8 }, distinct4: null });
    const h = summariseBench(r)[2]!;
    expect(h.distinct4).toBeNull();
    expect(h.quality).toEqual({ outputs: 0, collapsed: 0, collapsed_share: null });
    expect(h.natural.prompts).toBe(2);
    expect(h.natural.speedup).toEqual({ median: 1.5, min: 1.2, max: 1.8 });
    expect(h.collapsed.prompts).toBe(0);
  });

  it('imports a version 4 file, its profile and pair keys under their new names and nothing else changed', () => {
    const v4 = older(4, []);
    expect(v4).toContain('"forward_ms"');
    expect(v4).toContain('"tau"');
    expect(parseBenchResults(v4, 'v4.json')).toEqual(results());
    expect(() => parseBenchResults(JSON.stringify({ ...JSON.parse(resultsToJson(results())), version: 4 }), 'f')).toThrow(/profile/);
  });

  it('refuses a file from a newer page, and a cell without its figures', () => {
    expect(() => parseBenchResults(JSON.stringify({ ...results(), version: 6 }), 'The file "n.json"')).toThrow(
      /The file "n.json" is comparison results version 6, newer than this page reads \(1, 2, 3, 4, 5\)/,
    );
    const bad = JSON.parse(resultsToJson(results())) as { prompts: { cells: Record<string, unknown>[] }[] };
    delete bad.prompts[0]!.cells[0]!.pair;
    expect(() => parseBenchResults(JSON.stringify(bad), 'f')).toThrow(/prompts\.0\.cells\.0\.pair/);
    expect(() => parseBenchResults(older(3, ['distinct4']), 'f')).toThrow(/prompts\.0\.baselines\.0\.cell\.distinct4/);
  });

  it('names the file and the problem for text that is not JSON', () => {
    expect(() => parseBenchResults('{"format": ', 'The file "a.json"')).toThrow(/The file "a.json" is not valid JSON .*Expected a comparison results file/);
  });

  it('lists the fields that are wrong, with their paths', () => {
    const bad = results() as unknown as { configs: { k: unknown }[]; prompts: { cells: { tokens: unknown }[] }[] };
    bad.configs[0]!.k = 'four';
    bad.prompts[1]!.cells[0]!.tokens = -1;
    let message = '';
    try {
      parseBenchResults(JSON.stringify(bad), 'The file "b.json"');
    } catch (e) {
      message = (e as Error).message;
    }
    expect(message).toMatch(/^The file "b.json" is not a comparison results file \(expected \{ format: "space-compare-results"/);
    expect(message).toContain('configs.0.k');
    expect(message).toContain('prompts.1.cells.0.tokens');
    expect(message).toMatch(/Export it again from the Compare view/);
  });

  it('refuses a trace, an empty comparison, and figures that do not add up', () => {
    expect(() => parseBenchResults(JSON.stringify({ format: 'space-decode-trace' }), 'f')).toThrow(/decode trace, not comparison results: open it in the Trace stepper/);
    expect(() => parseBenchResults(JSON.stringify({ ...results(), prompts: [] }), 'f')).toThrow(/no finished prompts/);
    const short = results();
    short.prompts[0]!.cells.pop();
    expect(() => parseBenchResults(JSON.stringify(short), 'f')).toThrow(/prompts.0 \(prose-00\) has 1 cells but the file lists 2 configurations/);
    const noBase = results();
    noBase.prompts[1]!.baselines.pop();
    expect(() => parseBenchResults(JSON.stringify(noBase), 'f')).toThrow(/no autoregressive baseline at temperature 0.7, which "prompt-lookup k=4, t=0.7"/);
  });
});

describe('results file version 4: what the CLI runs fits too', () => {
  const topP = { drafter: 'heads', k: 3, temperature: 0.7, topP: 0.9 } as const;
  /** results() with the CLI's knobs: top-p on one configuration, a repetition penalty on the other, the suites dealt out. */
  const cliResults = (): BenchResults => {
    const penalised = benchConfigOf(decodeConfig({ drafter: 'prompt-lookup', k: 4, repetitionPenalty: 1.2, seed: 3, maxTokens: 16 }));
    const r = results();
    return {
      ...r, suite: 'all', configs: [topP, penalised],
      prompts: r.prompts.map((p) => ({
        ...p, baselines: [{ temperature: 0.7, topP: 0.9, cell: p.baselines[0]!.cell }, { temperature: 0, repetitionPenalty: 1.2, cell: p.baselines[1]!.cell }],
      })),
    };
  };

  it('keeps only the knobs that differ from the defaults, not the seed or max tokens', () => {
    expect(cliResults().configs[1]).toEqual({ drafter: 'prompt-lookup', k: 4, repetitionPenalty: 1.2, temperature: 0 });
    expect(() => benchConfigOf(decodeConfig({ drafter: 'none' }))).toThrow(/'none' is a baseline/);
  });

  it('round-trips, with a baseline per sampling and the rows carrying the whole DecodeConfig', () => {
    const r = cliResults();
    const back = parseBenchResults(resultsToJson(r), 'f');
    expect(back).toEqual(r);
    const rows = summariseBench(back);
    expect(rows.map((x) => x.label)).toEqual([
      'autoregressive, t=0.7 top-p=0.9', 'autoregressive, repetition-penalty=1.2 greedy', 'heads k=3, t=0.7 top-p=0.9', 'prompt-lookup k=4, repetition-penalty=1.2 greedy',
    ]);
    expect(rows[0]!.config).toMatchObject({ drafter: 'none', temperature: 0.7, topP: 0.9, maxTokens: 16 });
    expect(rows[3]!.config).toMatchObject({ drafter: 'prompt-lookup', k: 4, repetitionPenalty: 1.2, temperature: 0, maxTokens: 16 });
    expect(rows[2]!.speedup).toEqual({ median: 1.5, min: 1.2, max: 1.8 });
  });

  it('measures top-p against its own baseline, not the one at the bare temperature', () => {
    const r = cliResults();
    for (const p of r.prompts) p.baselines[0] = { temperature: 0.7, cell: p.baselines[0]!.cell };
    expect(() => parseBenchResults(JSON.stringify(r), 'f')).toThrow(/prompts\.0 \(prose-00\) has an autoregressive baseline at temperature 0\.7 \(baselines\.0\) that no configuration uses/);
    for (const p of r.prompts) p.baselines.splice(0, 1);
    expect(() => parseBenchResults(JSON.stringify(r), 'f')).toThrow(/no autoregressive baseline at temperature 0\.7 \(t=0\.7 top-p=0\.9\), which "heads k=3, t=0\.7 top-p=0\.9"/);
  });

  it('refuses the CLI\'s knobs past their limits, and a version 3 file with suite all', () => {
    const r = cliResults() as BenchResults & { configs: Record<string, unknown>[] };
    r.configs[0]!.topP = 0;
    r.configs[1]!.repetitionPenalty = 50;
    const m = (() => { try { parseBenchResults(JSON.stringify(r), 'f'); return ''; } catch (e) { return (e as Error).message; } })();
    expect(m).toMatch(/configs\.0\.topP: expected a top-p above 0 and at most 1, found 0/);
    expect(m).toMatch(/configs\.1\.repetitionPenalty: expected a repetition penalty from 0\.05 to 10, found 50/);
    expect(() => parseBenchResults(JSON.stringify({ ...results(), version: 3, suite: 'all' }), 'f')).toThrow(/suite/);
  });
});

/** The message parseBenchResults throws for `r` changed by `change`, or '' if it accepts it. */
function refusal(change: (r: BenchResults & Record<string, unknown>) => void): string {
  const r = results() as BenchResults & Record<string, unknown>;
  change(r);
  try {
    parseBenchResults(JSON.stringify(r), 'The file "f.json"');
    return '';
  } catch (e) {
    return (e as Error).message;
  }
}

/** A cell the test writes into by name (the figures as an untyped file would hold them). */
const loose = (r: BenchResults, prompt: number, cell: number) => r.prompts[prompt]!.cells[cell] as unknown as Record<string, unknown>;

/** The largest comparison the page can run: 12 configurations at k = 32, each at its own temperature, 24 prompts of 256 tokens. */
function largest(): BenchResults {
  const third = 1 / 3;
  const temps = Array.from({ length: MAX_CONFIGS }, (_, i) => i * 0.41);
  const spec = cell({
    tokens: MAX_COMPARE_TOKENS, speedup: third + 1, draft_acceptance_rate: third, mean_acceptance_length: 1 + 32 * third,
    acceptance_rate_per_position: Array.from({ length: MAX_DEPTH }, () => third), alpha: third, gamma: MAX_DEPTH, cost_coefficient: third,
    predicted_speedup: third + 1, accept_length_histogram: Array.from({ length: MAX_DEPTH + 1 }, () => 7), profile: profileOf(4 + third),
    pair: pairOf(1 + third, 2 + third), matches_baseline: true, distinct4: third,
  });
  const base = cell({ tokens: MAX_COMPARE_TOKENS, ar_overhead: 1 + third, profile: profileOf(4 + third), distinct4: third });
  return {
    ...results(),
    max_tokens: MAX_COMPARE_TOKENS,
    configs: temps.map((t) => ({ drafter: 'draft-model', k: MAX_DEPTH, tree: 'tree-16', temperature: t })),
    prompts: Array.from({ length: MAX_COMPARE_PROMPTS }, (_, i) => ({
      id: `prose-${i}`, suite: 'prose', baselines: temps.map((t) => ({ temperature: t, cell: base })), cells: temps.map(() => spec),
    })),
  };
}

describe('results file: only what the bench can write', () => {
  it('takes the largest comparison the page can run, at under half the size cap', () => {
    const text = resultsToJson(largest());
    expect(text.length).toBeLessThan(MAX_RESULTS_BYTES / 2);
    expect(parseBenchResults(text, 'f').prompts).toHaveLength(MAX_COMPARE_PROMPTS);
  });

  it('takes a CLI bench as README runs it: 14 configurations, 32 prompts of 128 tokens', () => {
    const big = largest();
    const r: BenchResults = {
      ...big, max_tokens: 128,
      configs: Array.from({ length: 14 }, (_, i) => ({ drafter: 'heads', k: i + 1, temperature: 0, ...(i % 2 ? { topP: 0.9, temperature: 0.7 } : {}) })),
      prompts: Array.from({ length: 32 }, (_, i) => ({
        id: `prose-${i}`, suite: 'prose',
        baselines: [{ temperature: 0, cell: { ...big.prompts[0]!.baselines[0]!.cell, tokens: 128 } }, { temperature: 0.7, topP: 0.9, cell: { ...big.prompts[0]!.baselines[0]!.cell, tokens: 128 } }],
        cells: Array.from({ length: 14 }, () => ({ ...big.prompts[0]!.cells[0]!, tokens: 128 })),
      })),
    };
    const text = resultsToJson(r);
    expect(text.length).toBeLessThan(MAX_RESULTS_BYTES / 2);
    expect(summariseBench(parseBenchResults(text, 'f'))).toHaveLength(16);
  });

  it('refuses a file over the size cap before parsing it, text or File', async () => {
    const padded = `${resultsToJson(results()).trimEnd()}${' '.repeat(MAX_RESULTS_BYTES)}`;
    expect(() => parseBenchResults(padded, 'The file "big.json"')).toThrow(/The file "big.json" is at least 3\.0 MB; comparison results the page writes are under 3\.0 MB/);
    // not JSON at all: the size is what it hears about, so nothing was parsed
    expect(() => parseBenchResults('['.repeat(MAX_RESULTS_BYTES + 1), 'f')).toThrow(/is at least 3\.0 MB/);
    await expect(readResultsFile(new File([padded], 'big.json'))).rejects.toThrow(/The file "big.json" is 3\.0 MB; comparison results the page writes are under 3\.0 MB/);
  });

  it('refuses long per-position and histogram arrays, naming the field and the limit', () => {
    const long = refusal((r) => {
      loose(r, 0, 0).acceptance_rate_per_position = Array.from({ length: 5000 }, () => 0.5);
      loose(r, 1, 0).accept_length_histogram = Array.from({ length: 5000 }, () => 1);
    });
    expect(long).toMatch(/prompts\.0\.cells\.0\.acceptance_rate_per_position: at most 32 entries \(one per draft position; drafts are at most 32 deep\), found 5000/);
    expect(long).toMatch(/prompts\.1\.cells\.0\.accept_length_histogram: at most 33 entries .*found 5000/);
  });

  it('refuses more prompts, configurations or baselines than a bench writes', () => {
    expect(refusal((r) => (r.prompts = Array.from({ length: 200 }, (_, i) => ({ ...r.prompts[0]!, id: `p${i}` }))))).toMatch(
      /prompts: at most 64 entries \(a results file holds at most 64 prompts\), found 200/,
    );
    expect(refusal((r) => (r.configs = Array.from({ length: 300 }, (_, k) => ({ ...heads, k: (k % 32) + 1 }))))).toMatch(/configs: at most 32 entries .*found 300/);
    expect(refusal((r) => (r.prompts[0]!.cells = Array.from({ length: 33 }, () => cell())))).toMatch(/prompts\.0\.cells: at most 32 entries \(one per configuration\), found 33/);
  });

  it('refuses rates above 1 and below 0', () => {
    expect(refusal((r) => (loose(r, 0, 0).draft_acceptance_rate = 1.5))).toMatch(/prompts\.0\.cells\.0\.draft_acceptance_rate: expected a rate from 0 to 1, found 1\.5/);
    expect(refusal((r) => (loose(r, 1, 0).acceptance_rate_per_position = [0.5, 2]))).toMatch(/prompts\.1\.cells\.0\.acceptance_rate_per_position\.1: expected a rate from 0 to 1, found 2/);
    expect(refusal((r) => (loose(r, 0, 1).alpha = -0.1))).toMatch(/prompts\.0\.cells\.1\.alpha: expected a rate from 0 to 1, found -0\.1/);
    expect(refusal((r) => (loose(r, 0, 0).distinct4 = 1.01))).toMatch(/prompts\.0\.cells\.0\.distinct4: expected a rate from 0 to 1/);
    expect(refusal((r) => (loose(r, 0, 0).mean_acceptance_length = 40))).toMatch(/mean_acceptance_length: expected a mean acceptance length from 1 to 33/);
  });

  it('refuses speedups and times that are not positive', () => {
    expect(refusal((r) => (loose(r, 0, 0).speedup = -1.2))).toMatch(/prompts\.0\.cells\.0\.speedup: expected a positive number, found -1\.2/);
    expect(refusal((r) => (loose(r, 0, 0).pair = { ...pairOf(1.2, 2), speedup_decode: 0 }))).toMatch(/prompts\.0\.cells\.0\.pair\.speedup_decode: expected a positive number, found 0/);
    expect(refusal((r) => (loose(r, 1, 1).predicted_speedup = -3))).toMatch(/prompts\.1\.cells\.1\.predicted_speedup: expected a positive number/);
    expect(refusal((r) => (loose(r, 0, 0).elapsed_ms = 0))).toMatch(/prompts\.0\.cells\.0\.elapsed_ms: expected a positive number, found 0/);
    expect(refusal((r) => (loose(r, 0, 0).profile = { ...profileOf(4), kv_ms: -0.1 }))).toMatch(/prompts\.0\.cells\.0\.profile\.kv_ms: expected a time in ms, 0 or more, found -0\.1/);
    // JSON has no Infinity, but a number too large for a double parses as one
    const huge = resultsToJson(results()).replace('"tokens_per_second": 160', '"tokens_per_second": 1e999');
    expect(() => parseBenchResults(huge, 'f')).toThrow(/prompts\.0\.baselines\.0\.cell\.tokens_per_second: Invalid input: expected number, received Infinity/);
  });

  it('refuses k, temperatures, token counts and threads past the controls\' limits', () => {
    expect(refusal((r) => (r.configs[0]!.k = 33))).toMatch(/configs\.0\.k: expected k from 1 to 32, found 33/);
    expect(refusal((r) => (r.configs[0]!.k = 0))).toMatch(/configs\.0\.k: expected k from 1 to 32, found 0/);
    expect(refusal((r) => (r.configs[1]!.temperature = 9))).toMatch(/configs\.1\.temperature: expected a temperature from 0 to 5, found 9/);
    expect(refusal((r) => (r.max_tokens = 100_000))).toMatch(/max_tokens: expected max tokens from 1 to 1024, found 100000/);
    expect(refusal((r) => (loose(r, 0, 0).tokens = 17))).toMatch(/prompts\.0\.cells\.0\.tokens is 17, more than the comparison's max_tokens 16/);
    expect(refusal((r) => (r.model.threads = 1000))).toMatch(/model\.threads: expected a thread count from 1 to 64, found 1000/);
  });

  it('refuses megabyte ids without echoing them', () => {
    const id = 'x'.repeat(1_000_000);
    const m = refusal((r) => (r.prompts[0]!.id = id));
    expect(m).toMatch(/prompts\.0\.id: at most 200 characters, found 1000000/);
    expect(m.length).toBeLessThan(1000);
    expect(refusal((r) => (r.model.id = id))).toMatch(/model\.id: at most 200 characters, found 1000000/);
    expect(refusal((r) => (r.created = 'yesterday'))).toMatch(/created: expected an ISO 8601 time/);
  });

  it('refuses what the page never writes: repeated prompts or configurations, stray baselines, another suite', () => {
    expect(refusal((r) => (r.prompts[1]!.id = 'prose-00'))).toMatch(/prompts\.1 \(prose-00\) appears twice/);
    expect(refusal((r) => (r.configs[1] = { ...heads }))).toMatch(/configs\.1 repeats "heads k=2, greedy"/);
    expect(refusal((r) => r.prompts[0]!.baselines.push({ temperature: 0.3, cell: cell() }))).toMatch(/prompts\.0 \(prose-00\) has an autoregressive baseline at temperature 0\.3 \(baselines\.2\) that no configuration uses/);
    expect(refusal((r) => r.prompts[0]!.baselines.push({ temperature: 0, cell: cell() }))).toMatch(/two autoregressive baselines at temperature 0 \(baselines\.2\)/);
    expect(refusal((r) => (r.prompts[1]!.suite = 'code'))).toMatch(/prompts\.1 \(prose-01\) is from suite code, but the comparison ran suite prose/);
    expect(refusal(() => {})).toBe('');
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
    const csv = rowsToCsv(summariseBench(results()));
    const lines = csv.trimEnd().split('\r\n');
    expect(lines).toHaveLength(5);
    expect(lines[0]).toBe(
      'label,drafter,shape,sampling,prompts,acceptance_rate_median,acceptance_rate_min,acceptance_rate_max,tau_median,tau_min,tau_max,' +
        'acceptance_pos1_median,acceptance_pos2_median,target_forwards_per_token_median,tokens_per_second_median,tokens_per_second_min,' +
        'tokens_per_second_max,speedup_median,speedup_min,speedup_max,predicted_speedup_median,' +
        'step_ms_median,draft_ms_median,draft_run_ms_median,verify_forward_ms_median,verify_forward_run_ms_median,verify_decisions_ms_median,accept_ms_median,' +
        'kv_ms_median,other_ms_median,ar_overhead_median,ar_overhead_min,ar_overhead_max,speedup_decode_median,speedup_decode_min,' +
        'speedup_decode_max,speedup_bound_median,speedup_bound_min,speedup_bound_max,efficiency_median,efficiency_min,efficiency_max,mismatches,' +
        'distinct4_median,distinct4_min,distinct4_max,collapsed_outputs,collapsed_share,' +
        'natural_prompts,natural_acceptance_rate_median,natural_tau_median,natural_speedup_median,natural_speedup_decode_median,' +
        'collapsed_prompts,collapsed_acceptance_rate_median,collapsed_tau_median,collapsed_speedup_median,collapsed_speedup_decode_median',
    );
    // the baseline: a 4 ms step (0.5 ms other), AR overhead 1.05 and 1.55 over the two prompts; both outputs natural
    expect(lines[1]).toBe('"autoregressive, greedy",none,,greedy,2,,,,,,,,,1,160,160,160,1,1,1,,4,1,0.8,2,1.5,0.3,0.2,0.1,0.5,1.3,1.05,1.55,,,,,,,,,,,0.9,0.9,0.9,0,0,2,,,1,,0,,,,');
    // heads: 4.8 and 7.2 ms steps, decode speedup 1.2 and 1.8 against a bound of 2, one prompt differing;
    // the first prompt's output natural (speedup 1.2), the second's collapsed (1.8)
    expect(lines[3]).toBe(
      '"heads k=2, greedy",heads,k=2,greedy,2,0.5,0.5,0.5,2,2,2,0.7,0.3,1,160,160,160,1.5,1.2,1.8,,6,1,0.8,2,1.5,0.3,0.2,0.1,2.5,,,,1.5,1.2,1.8,2,2,2,0.75,0.6,0.9,1,' +
        '0.55,0.3,0.8,1,0.5,1,0.5,2,1.2,1.2,1,0.5,2,1.8,1.8',
    );
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
