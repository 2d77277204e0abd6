/**
 * vLLM's /metrics text read into an acceptance profile (src/ui/simulator/vllm-metrics.ts):
 * figures worked out by hand, label sets summed or chosen, two snapshots differenced, the
 * plain list of rates, and every input the simulator refuses, each with its message.
 */
import { describe, expect, it } from 'vitest';

import { countsFor, figuresOf, isRateList, MAX_METRICS_CHARS, parseRateList, readMetrics, SUMMED } from '../src/ui/simulator/vllm-metrics.ts';

/** One engine's spec-decode counters as vLLM writes them, with HELP/TYPE and _created lines. */
function engine(labels: string, drafts: number, draftTokens: number, accepted: number, perPos: number[]): string {
  const l = labels ? `${labels},` : '';
  return [
    '# HELP vllm:spec_decode_num_drafts_total Number of spec decoding drafts.',
    '# TYPE vllm:spec_decode_num_drafts_total counter',
    `vllm:spec_decode_num_drafts_total{${labels}} ${drafts}`,
    `vllm:spec_decode_num_drafts_created{${labels}} 1.7330e+09`,
    `vllm:spec_decode_num_draft_tokens_total{${labels}} ${draftTokens}`,
    `vllm:spec_decode_num_accepted_tokens_total{${labels}} ${accepted}`,
    ...perPos.map((x, i) => `vllm:spec_decode_num_accepted_tokens_per_pos_total{${l}position="${i}"} ${x}`),
  ].join('\n');
}

const OTHER = '# HELP vllm:num_requests_running Number of requests.\n# TYPE vllm:num_requests_running gauge\nvllm:num_requests_running{engine="0",model_name="m"} 3.0\n';
const E0 = 'engine="0",model_name="m"';
const E1 = 'engine="1",model_name="m"';

describe('one snapshot', () => {
  it('gives a, the acceptance rate, τ, α and k as worked out by hand', () => {
    const r = readMetrics(OTHER + engine(E0, 100, 300, 180, [80, 60, 40]));
    const f = figuresOf(countsFor(r));
    // a_i = 80/100, 60/100, 40/100; rate 180/300; τ = 1 + 180/100
    expect(f.perPosition).toEqual([0.8, 0.6, 0.4]);
    expect(f.acceptanceRate).toBeCloseTo(0.6, 12);
    expect(f.tau).toBeCloseTo(2.8, 12);
    expect(f.k).toBe(3);
    // 100 - 40 = 60 drafts had a rejection: α = 180 / (180 + 60)
    expect(f.alpha).toBeCloseTo(0.75, 12);
    expect(f.warnings).toEqual([]);
  });

  it('reads counters without _total, escaped label values, floats and timestamps', () => {
    const text = [
      'vllm:spec_decode_num_drafts{model_name="a \\"b\\" c\\\\d"} 1.0e+01 1700000000000',
      'vllm:spec_decode_num_draft_tokens{model_name="a \\"b\\" c\\\\d"} 20.0',
      'vllm:spec_decode_num_accepted_tokens{model_name="a \\"b\\" c\\\\d"} 5',
      'vllm:spec_decode_num_accepted_tokens_per_pos{model_name="a \\"b\\" c\\\\d",position="1"} 1',
      'vllm:spec_decode_num_accepted_tokens_per_pos{position="0",model_name="a \\"b\\" c\\\\d"} 4',
    ].join('\r\n');
    const r = readMetrics(text);
    expect(r.labelSets).toEqual(['model_name="a \\"b\\" c\\\\d"']);
    expect(figuresOf(countsFor(r)).perPosition).toEqual([0.4, 0.1]);
  });
});

describe('label sets', () => {
  const text = engine(E0, 100, 300, 180, [80, 60, 40]) + '\n' + engine(E1, 300, 900, 420, [200, 140, 80]);
  const r = readMetrics(text);

  it('offers each distinct label set', () => {
    expect(r.labelSets).toEqual([E0, E1]);
  });

  it('sums them: 400 drafts, 600 accepted', () => {
    const f = figuresOf(countsFor(r, SUMMED));
    expect(f.perPosition).toEqual([280 / 400, 200 / 400, 120 / 400]);
    expect(f.acceptanceRate).toBeCloseTo(600 / 1200, 12);
    expect(f.tau).toBeCloseTo(1 + 600 / 400, 12);
  });

  it('or takes the one chosen', () => {
    const f = figuresOf(countsFor(r, E1));
    expect(f.perPosition).toEqual([200 / 300, 140 / 300, 80 / 300]);
    expect(f.tau).toBeCloseTo(1 + 420 / 300, 12);
    expect(() => countsFor(r, 'engine="9"')).toThrow(/No label set \{engine="9"\}.*choose one of/);
  });

  it('refuses to sum engines with different k', () => {
    const mixed = readMetrics(engine(E0, 10, 30, 6, [3, 2, 1]) + '\n' + engine(E1, 10, 20, 5, [3, 2]));
    expect(() => countsFor(mixed)).toThrow(/different numbers of positions \(3 and 2\).*Choose one label set/);
    expect(figuresOf(countsFor(mixed, E1)).k).toBe(2);
  });
});

describe('two snapshots', () => {
  it('takes the difference', () => {
    const before = engine(E0, 50, 150, 100, [45, 35, 20]);
    const after = engine(E0, 150, 450, 280, [125, 95, 60]);
    const f = figuresOf(countsFor(readMetrics(after, before)));
    expect(f.perPosition).toEqual([0.8, 0.6, 0.4]);
    expect(f.tau).toBeCloseTo(2.8, 12);
    expect(readMetrics(after, before).difference).toBe(true);
  });

  it('says a counter reset when a counter went down', () => {
    const before = engine(E0, 150, 450, 280, [125, 95, 60]);
    const after = engine(E0, 50, 150, 100, [45, 35, 20]);
    expect(() => readMetrics(after, before)).toThrow(/Counter reset: vllm:spec_decode_num_drafts_total \{engine="0",model_name="m"\} is 50 in the later snapshot, below the earlier 150/);
  });

  it('refuses snapshots with a label set gone, or another k', () => {
    expect(() => readMetrics(engine(E0, 10, 30, 6, [3, 2, 1]), engine(E1, 1, 3, 1, [1, 0, 0]))).toThrow(/that the later one lacks/);
    expect(() => readMetrics(engine(E0, 10, 30, 6, [3, 2, 1]), engine(E0, 1, 2, 1, [1, 0]))).toThrow(/3 and 2 positions|2 and 3 positions/);
  });

  it('says when no drafts ran between them', () => {
    const s = engine(E0, 10, 30, 6, [3, 2, 1]);
    expect(() => figuresOf(countsFor(readMetrics(s, s)))).toThrow(/No drafts counted/);
  });
});

describe('refused metrics', () => {
  const bad = (text: string, re: RegExp) => expect(() => figuresOf(countsFor(readMetrics(text)))).toThrow(re);

  it('with no spec-decode counters', () => bad(OTHER, /no vLLM speculative decoding counters.*--speculative-config/));
  it('with a counter missing', () => bad(engine(E0, 10, 30, 6, [3, 2, 1]).replace(/^vllm:spec_decode_num_draft_tokens_total.*$/m, ''), /num_draft_tokens_total is missing/));
  it('with no per-position counters', () => bad(engine(E0, 10, 30, 6, []), /no vllm:spec_decode_num_accepted_tokens_per_pos_total/));
  it('with a negative value', () => bad(engine(E0, -10, 30, 6, [3, 2, 1]), /line 3: vllm:spec_decode_num_drafts is -10; a counter is a finite count/));
  it('with NaN or Inf', () => {
    bad(engine(E0, 10, 30, 6, [3, 2, 1]).replace(' 30', ' NaN'), /is NaN; a counter is a finite count/);
    bad(engine(E0, 10, 30, 6, [3, 2, 1]).replace(' 30', ' +Inf'), /is \+Inf; a counter is a finite count/);
    bad(engine(E0, 10, 30, 6, [3, 2, 1]).replace(' 30', ' thirty'), /'thirty' is not a number/);
  });
  it('with more accepted than drafted', () => bad(engine(E0, 10, 5, 6, [3, 2, 1]), /6 accepted tokens but only 5 draft tokens/));
  it('with more draft tokens than drafts can hold', () => bad(engine(E0, 10, 31, 6, [3, 2, 1]), /31 draft tokens in 10 drafts of at most 3 positions/));
  it('with a position accepted more often than drafted', () => bad(engine(E0, 10, 30, 6, [11, 2, 1]), /Position 0 was accepted 11 times in 10 drafts/));
  it('with a gap in the positions', () => bad(engine(E0, 10, 30, 6, [3, 2, 1]).replace('position="1"', 'position="5"'), /positions 0, 2, 5 found, but position 1, 3, 4 is missing/));
  it('with a position past the cap', () => bad(engine(E0, 10, 30, 6, [3]).replace('position="0"', 'position="32"'), /position 32; the simulator takes at most 32/));
  it('with a bad position label', () => bad(engine(E0, 10, 30, 6, [3]).replace('position="0"', 'position="first"'), /position label with a whole number.*'first'/));
  it('with a sample twice', () => bad(engine(E0, 10, 30, 6, [3, 2, 1]) + '\n' + `vllm:spec_decode_num_drafts_total{${E0}} 10`, /already appeared on line 3/));
  it('with a broken label', () => bad(`vllm:spec_decode_num_drafts_total{engine="0} 10`, /no closing quote/));
  it('over the size cap, before parsing', () => {
    const huge = 'x'.repeat(MAX_METRICS_CHARS + 1);
    expect(() => readMetrics(huge)).toThrow(/2\.0 MB; a vLLM \/metrics scrape is well under 2 MB/);
  });
  it('with too many lines', () => expect(() => readMetrics('\n'.repeat(60_000))).toThrow(/60001 lines; the limit is 50000/));

  it('keeps rising per-position counts, with a warning', () => {
    const f = figuresOf(countsFor(readMetrics(engine(E0, 10, 30, 7, [2, 3, 2]))));
    expect(f.perPosition).toEqual([0.2, 0.3, 0.2]);
    expect(f.warnings.join(' ')).toMatch(/rises from a1 = 0\.200 to a2 = 0\.300.*uses them as given/);
  });

  it('warns when the per-position counts do not add up to the accepted count', () => {
    const f = figuresOf(countsFor(readMetrics(engine(E0, 10, 30, 9, [3, 2, 1]))));
    expect(f.warnings.join(' ')).toMatch(/add up to 6, not the 9 accepted tokens/);
    expect(f.tau).toBeCloseTo(1.9, 12);
  });
});

describe('plain list of rates', () => {
  it('reads commas or lines, with τ = 1 + the sum', () => {
    for (const text of ['0.8, 0.6, 0.4', '0.8\n0.6\n0.4\n', ' 0.8;0.6 ; .4 ']) {
      const f = parseRateList(text);
      expect(f.perPosition).toEqual([0.8, 0.6, 0.4]);
      expect(f.tau).toBeCloseTo(2.8, 12);
      expect(f.acceptanceRate).toBeCloseTo(0.6, 12);
      expect(f.k).toBe(3);
    }
  });
  it('is told apart from /metrics text', () => {
    expect(isRateList('0.8, 0.6')).toBe(true);
    expect(isRateList(engine(E0, 1, 1, 1, [1]))).toBe(false);
    expect(isRateList('  ')).toBe(false);
  });
  it('refuses what is not a rate', () => {
    expect(() => parseRateList('')).toThrow(/No rates given/);
    expect(() => parseRateList('0.8, 80')).toThrow(/Rate 2 is 80; a rate is a fraction from 0 to 1 \(for 80 % write 0.8\)/);
    expect(() => parseRateList('0.8, -0.1')).toThrow(/Rate 2 is -0.1/);
    expect(() => parseRateList('0.8, x')).toThrow(/Rate 2 is 'x', not a number/);
    expect(() => parseRateList(Array(33).fill('0.5').join(','))).toThrow(/33 rates; the simulator takes at most 32/);
  });
  it('warns about rising rates but keeps them', () => {
    expect(parseRateList('0.5, 0.6').warnings).toHaveLength(1);
  });
});
