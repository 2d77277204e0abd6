/**
 * The browser bench's pure parts (test/e2e/bench-browser-report.ts): --configs specs as the
 * Compare view's rows (and what the page cannot run), the Compare results as the Node
 * bench's rows, and the cold loads' first-token figures, on numbers small enough to check.
 */
import { describe, expect, it } from 'vitest';

import { parseConfigList } from '../src/cli/bench-configs.ts';
import { targetFigures, textTable } from '../src/cli/bench-report.ts';
import type { BenchCell } from '../src/engine/bench/cell.ts';
import type { BenchResults } from '../src/engine/bench/results-file.ts';
import { summariseBench } from '../src/engine/bench/summary.ts';
import { coldSummary, coldTable, compareConfigOf, type ColdLoad } from './e2e/bench-browser-report.ts';

describe('--configs as Compare rows', () => {
  it('takes drafter, k or tree and t, with the bench\'s defaults for k', () => {
    expect(parseConfigList('heads,heads:k=3:t=0.7,heads-tree:tree=tree-12,prompt-lookup').map((c) => compareConfigOf(c, 4))).toEqual([
      { drafter: 'heads', k: 4, tree: 'tree-8', temperature: 0 },
      { drafter: 'heads', k: 3, tree: 'tree-8', temperature: 0.7 },
      { drafter: 'heads-tree', k: 4, tree: 'tree-12', temperature: 0 },
      { drafter: 'prompt-lookup', k: 4, tree: 'tree-8', temperature: 0 },
    ]);
  });

  it('refuses what the page cannot set, and says where to run it', () => {
    const [c] = parseConfigList('heads:k=3:t=0.7:top-p=0.9:adaptive');
    expect(() => compareConfigOf(c!, 4)).toThrow(/--configs heads:k=3: the page's Compare view sets drafter, k or tree, and t only, not top-p, adaptive; use npm run bench/);
    expect(() => compareConfigOf(parseConfigList('none')[0]!, 4)).toThrow(/'none' is the baseline/);
  });
});

const cell = (p: Partial<BenchCell>): BenchCell => ({
  tokens: 8, stop_reason: 'max_tokens', elapsed_ms: 40, speedup: null, draft_acceptance_rate: null, mean_acceptance_length: null,
  acceptance_rate_per_position: [], target_forwards_per_token: 1, tokens_per_second: 200, alpha: null, gamma: null,
  cost_coefficient: null, predicted_speedup: null, accept_length_histogram: [7], profile: null, ar_overhead: null, pair: null,
  matches_baseline: null, distinct4: 0.9, ...p,
});

describe('Compare results as bench rows', () => {
  it('gives the baseline speedup 1, the pair figures to the configuration, and counts greedy mismatches', () => {
    const profile = { draft_ms: 0.5, draft_run_ms: 0.4, verify_forward_ms: 3, verify_forward_run_ms: 2.5, verify_decisions_ms: 0.3, accept_ms: 0.1, kv_ms: 0.05, other_ms: 0.1, step_ms: 4 };
    const results: BenchResults = {
      format: 'space-compare-results', version: 5, created: '2026-12-01T00:00:00Z', model: { id: 'toy', threads: 1 }, suite: 'prose', max_tokens: 8,
      configs: [{ drafter: 'heads', k: 4, tree: 'tree-8', temperature: 0 }],
      prompts: [1.2, 1.6].map((s, i) => ({
        id: `p${i}`, suite: 'prose' as const,
        baselines: [{ temperature: 0, cell: cell({ ar_overhead: [1.125, 1.25][i]!, profile: { ...profile, draft_ms: 0, draft_run_ms: 0 } }) }],
        cells: [cell({ speedup: s, mean_acceptance_length: 3, profile, pair: { tokens_per_step: 3, t1_ms: 2, t_draft_ms: 0.4, t_verify_ms: 2.5, speedup_decode: s, speedup_bound: 2, efficiency: s / 2 }, matches_baseline: i === 0 })],
      })),
    };
    const [base, heads] = summariseBench(results);
    expect(base).toMatchObject({ drafter: 'none', speedup: { median: 1, min: 1, max: 1 }, ar_overhead: { median: 1.1875, min: 1.125, max: 1.25 }, efficiency: null });
    expect(heads).toMatchObject({ drafter: 'heads', shape: 'k=4', sampling: 'greedy', speedup: { median: 1.4 }, speedup_bound: { median: 2 }, efficiency: { median: 0.7, min: 0.6, max: 0.8 }, mismatches: 1 });
    expect(base!.mismatches).toBeNull();
    const table = textTable([base!, heads!]);
    expect(table).toMatch(/heads ⚠ 1 prompt\(s\) differ from AR/);
    expect(table).toContain('1.19 (1.13–1.25)');
    expect(table).toContain('Collapsed outputs (distinct-4 < 0.5): none');
  });

  it('leads with the natural outputs, says when a row mostly collapsed, and gives the collapsed ones apart', () => {
    // three prompts: the heads output loops on the last two (distinct-4 0.2, 0.3), where it accepts far more
    const results: BenchResults = {
      format: 'space-compare-results', version: 5, created: '2026-12-01T00:00:00Z', model: { id: 'toy', threads: 1 }, suite: 'prose', max_tokens: 8,
      configs: [{ drafter: 'heads', k: 4, tree: 'tree-8', temperature: 0 }],
      prompts: [[0.9, 1.1, 2], [0.2, 3.1, 4.6], [0.3, 2.9, 4.4]].map(([d4, s, tau], i) => ({
        id: `p${i}`, suite: 'prose' as const,
        baselines: [{ temperature: 0, cell: cell({ distinct4: d4! }) }],
        cells: [cell({
          distinct4: d4!, speedup: s!, mean_acceptance_length: tau!, draft_acceptance_rate: (tau! - 1) / 4,
          pair: { tokens_per_step: tau!, t1_ms: 2, t_draft_ms: 0.4, t_verify_ms: 2.5, speedup_decode: s!, speedup_bound: 4, efficiency: s! / 4 },
        })],
      })),
    };
    const [base, heads] = summariseBench(results);
    expect(heads!.quality).toEqual({ outputs: 3, collapsed: 2, collapsed_share: 2 / 3 });
    expect(heads!.natural).toMatchObject({ prompts: 1, speedup: { median: 1.1 }, mean_acceptance_length: { median: 2 } });
    expect(heads!.collapsed).toMatchObject({ prompts: 2, speedup: { median: 3, min: 2.9, max: 3.1 }, mean_acceptance_length: { median: 4.5 } });
    expect(base!.natural.speedup).toEqual({ median: 1, min: 1, max: 1 });
    const lines = textTable([base!, heads!]).split('\n');
    const row = lines.find((l) => l.startsWith('heads'))!;
    // the headline row: distinct-4 over every prompt, 2 of 3 collapsed, τ 2.00 and speedup 1.10 of the natural one
    expect(row).toMatch(/^heads ⚠ mostly collapsed +k=4 +greedy +0\.30 +2 of 3 +0\.25 +2\.00 .* 1\.10 \(1\.10–1\.10\)/);
    // the baseline wrote the same loops (greedy)
    expect(lines).toContain('Mostly collapsed (over half the outputs): none greedy; heads k=4 greedy; their figures above are over the few natural outputs.');
    const apartAt = lines.findIndex((l) => /^drafter +k \/ tree +sampling +collapsed/.test(l));
    const apart = lines.slice(apartAt).find((l) => l.startsWith('heads'))!;
    expect(apart).toMatch(/^heads +k=4 +greedy +2 of 3 +0\.25 +0\.88 +4\.50 +3\.00 \(2\.90–3\.10\) +3\.00 \(2\.90–3\.10\)/);
    // the speedup target reads the natural output (1.1), not the loops (3.0) nor every prompt (2.9)
    const kv = { context: 256, reps: 1, verify_forward_ms: 2, heads_ms: null, truncate_ms: 0.01, gather_ms: 0.01, truncate_share: 0.005, gather_share: 0.005 };
    const t = targetFigures([base!, heads!], kv, 'prose').find((x) => x.target.startsWith('3a.'))!;
    expect(t.figure).toEqual({ median: 1.1, min: 1.1, max: 1.1 });
    expect(heads!.speedup_decode!.median).toBe(2.9);
    expect(t.met).toBe(false);
  });
});

describe('cold loads', () => {
  const load = (mode: ColdLoad['mode'], ready: number, token: number, click: number | null = null): ColdLoad => ({
    mode, ready_ms: ready, click_ms: click, first_token_ms: token,
    phases: [{ name: 'fetch model.onnx', start_ms: 500, end_ms: ready - 400 }, { name: 'space:sessions', start_ms: ready - 100, end_ms: ready - 100 }],
  });

  it('gives open -> ready over every load, Run -> token over click loads, open -> token over autorun loads', () => {
    const c = coldSummary([load('click', 1400, 1520, 1420), load('autorun', 1300, 1350), load('click', 1600, 1700, 1610), load('autorun', 1500, 1580)]);
    expect(c.ready_ms).toEqual({ median: 1450, min: 1300, max: 1600 });
    expect(c.click_to_token_ms).toEqual({ median: 95, min: 90, max: 100 });
    expect(c.first_token_ms).toEqual({ median: 1465, min: 1350, max: 1580 });
    expect(c.met).toBe(true);
    expect(c.phases.map((p) => p.name)).toEqual(['fetch model.onnx', 'space:sessions']);
    const text = coldTable(c);
    expect(text).toContain('(c) open -> first token (?autorun=1)  1465 ms (1350–1580)   target ≤ 1500 ms  met');
    expect(text).toMatch(/fetch model\.onnx {2}500 – 1050/);
  });

  it('says NOT met above 1.5 s, and nothing without autorun loads', () => {
    expect(coldSummary([load('autorun', 1800, 1900)]).met).toBe(false);
    expect(coldSummary([load('click', 1800, 1900, 1810)]).met).toBeNull();
  });
});
