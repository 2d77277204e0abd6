/**
 * distinct-4 and collapsed (src/engine/bench/text-quality.ts) on cases small enough to count by
 * hand, on the boundary at 0.5, and on a sequence scored by train/quality.py's distinct_n.
 */
import { describe, expect, it } from 'vitest';

import { collapsed, continuationOf, distinct4, distinctN, mostlyCollapsed, qualityFigures, splitCollapsed } from '../src/engine/bench/text-quality.ts';

describe('distinct-4', () => {
  it('counts unique 4-grams over all 4-grams', () => {
    // 1234, 2341, 3412, 4123, 1234: four unique of five
    expect(distinct4([1, 2, 3, 4, 1, 2, 3, 4])).toBe(4 / 5);
    // one 4-gram five times
    expect(distinct4([7, 7, 7, 7, 7, 7, 7, 7])).toBe(1 / 5);
    expect(distinct4([1, 2, 3, 4, 5, 6])).toBe(1);
  });

  it('is 1 under four tokens: no 4-gram, nothing repeats', () => {
    expect(distinct4([])).toBe(1);
    expect(distinct4([5, 5, 5])).toBe(1);
  });

  it('tells token ids apart whatever their digits', () => {
    // (12, 3, 4, 5) and (1, 23, 4, 5) are different 4-grams
    expect(distinct4([12, 3, 4, 5, 1, 23, 4, 5])).toBe(1);
  });

  it('agrees with train/quality.py distinct_n on a looping sequence', () => {
    // distinct_n of this list, computed by train/quality.py: 14 unique 4-grams of 37
    const ids = [1, 1, 1, 1, 1, 0, 1, 0, 1, 0, 1, 0, 0, 1, 1, 0, 0, 1, 1, 0, 1, 0, 1, 0, 0, 1, 1, 1, 0, 0, 0, 1, 1, 1, 0, 0, 1, 0, 0, 0];
    expect(distinct4(ids)).toBeCloseTo(0.3783783783783784, 15);
    expect(distinctN([1, 2, 1, 2], 2)).toBe(2 / 3);
    expect(() => distinctN([1], 0)).toThrow(/a whole number >= 1; got 0/);
  });
});

describe('collapsed', () => {
  it('is distinct-4 below 0.5, and exactly 0.5 is not collapsed', () => {
    // 1212, 2121, 1212, 2121: 2 of 4
    expect(distinct4([1, 2, 1, 2, 1, 2, 1])).toBe(0.5);
    expect(collapsed([1, 2, 1, 2, 1, 2, 1])).toBe(false);
    // one more token: 2 of 5
    expect(collapsed([1, 2, 1, 2, 1, 2, 1, 2])).toBe(true);
  });

  it('takes a run\'s continuation without the end-of-text it stopped at', () => {
    expect(continuationOf({ tokens: [4, 5, 0], stopReason: 'eos' })).toEqual([4, 5]);
    expect(continuationOf({ tokens: [4, 5, 0], stopReason: 'max_tokens' })).toEqual([4, 5, 0]);
  });

  it('splits outputs and counts the collapsed share, unknown values counted as natural', () => {
    const d4s = [0.9, 0.3, null, 0.49, 0.5];
    const { natural, collapsed: bad } = splitCollapsed(d4s, (d) => d);
    expect(natural).toEqual([0.9, null, 0.5]);
    expect(bad).toEqual([0.3, 0.49]);
    const q = qualityFigures(d4s);
    expect(q).toEqual({ outputs: 4, collapsed: 2, collapsed_share: 0.5 });
    expect(mostlyCollapsed(q)).toBe(false);
    expect(mostlyCollapsed(qualityFigures([0.1, 0.2, 0.9]))).toBe(true);
    expect(qualityFigures([null]).collapsed_share).toBeNull();
  });
});
