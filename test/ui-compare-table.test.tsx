/**
 * The Compare table (src/ui/compare/CompareTable.tsx) rendered to HTML: distinct-4 and the
 * collapsed count per row, the speedup over natural outputs only, the collapsed outputs'
 * τ and speedup under the label, and a plain warning when a row mostly collapsed.
 */
import { renderToStaticMarkup } from 'react-dom/server';
import { describe, expect, it } from 'vitest';

import { CompareTable } from '../src/ui/compare/CompareTable.tsx';
import type { BenchCell } from '../src/engine/bench/cell.ts';
import type { BenchResults } from '../src/engine/bench/results-file.ts';
import { summariseBench } from '../src/engine/bench/summary.ts';
import type { CompareConfig } from '../src/worker/protocol.ts';

const cell = (p: Partial<BenchCell>): BenchCell => ({
  tokens: 16, stop_reason: 'max_tokens', elapsed_ms: 100, speedup: null, draft_acceptance_rate: null, mean_acceptance_length: null,
  acceptance_rate_per_position: [], target_forwards_per_token: 1, tokens_per_second: 160, alpha: null, gamma: null, cost_coefficient: null,
  predicted_speedup: null, accept_length_histogram: [15], profile: null, ar_overhead: null, pair: null, matches_baseline: null, distinct4: 0.9, ...p,
});

const heads: CompareConfig = { drafter: 'heads', k: 4, tree: 'tree-8', temperature: 0 };

/** heads: natural on p0 (1.1×, τ 2), looping on p1 and p2 (3.1×, 2.9×, τ 4.6, 4.4); prompt-lookup loops on all three. */
function results(): BenchResults {
  const headsRuns = [[0.9, 1.1, 2], [0.2, 3.1, 4.6], [0.3, 2.9, 4.4]] as const;
  return {
    format: 'space-compare-results', version: 5, created: '2026-12-01T00:00:00Z', model: { id: 'toy', threads: 1 }, suite: 'prose', max_tokens: 16,
    configs: [heads, { ...heads, drafter: 'prompt-lookup' }],
    prompts: headsRuns.map(([d4, s, tau], i) => ({
      id: `p${i}`, suite: 'prose' as const,
      baselines: [{ temperature: 0, cell: cell({ distinct4: 0.8 }) }],
      cells: [cell({ distinct4: d4, speedup: s, mean_acceptance_length: tau }), cell({ distinct4: 0.1, speedup: 2 + i, mean_acceptance_length: 5 })],
    })),
  };
}

describe('Compare table', () => {
  const html = renderToStaticMarkup(<CompareTable rows={summariseBench(results())} />);
  const row = (key: string) => html.match(new RegExp(`<tr data-row="${key}"[^]*?</tr>`))![0];

  it('has distinct-4 and collapsed columns, and says the headline is over natural outputs', () => {
    expect(html).toMatch(/<th scope="col"[^>]*>distinct-4<\/th><th scope="col"[^>]*>collapsed<\/th>/);
    expect(html).toContain('over natural outputs');
    expect(row('base-0')).toContain('0 of 3');
    expect(row('base-0')).not.toContain('collapsed-note');
  });

  it('gives a row\'s speedup and τ over its natural outputs, the collapsed ones under the label', () => {
    const h = row('c0');
    expect(h).toContain('data-collapsed="2">2 of 3</td>');
    expect(h).toContain('data-speedup="1.100" data-outputs="natural"');
    expect(h).toMatch(/<td class="num">2\.00<\/td>/);
    expect(h).toContain('collapsed: 2 of 3 prompts, τ 4.50, speedup 3.00× (not in the figures of this row)');
    expect(h).toContain('mostly repeats itself');
  });

  it('says so when every output collapsed, instead of a speedup for natural text', () => {
    const l = row('c1');
    expect(l).toContain('data-outputs="collapsed"');
    expect(l).toContain('every output collapsed; 3.00× on those');
  });
});
