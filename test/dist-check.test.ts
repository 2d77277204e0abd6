/**
 * The distribution check's statistics (src/engine/bench/dist-check.ts) on cases done on paper: a
 * 2 x 2 table whose cells all expect 20, identical samples (p = 1), disjoint ones (p ~ 0),
 * the pooling of columns that expect fewer than 5, and the total variation distance.
 */
import { describe, expect, it } from 'vitest';

import { checkPosition, distVerdict, homogeneityTest, totalVariation } from '../src/engine/bench/dist-check.ts';

const counts = (o: Record<number, number>) => new Map(Object.entries(o).map(([t, c]) => [Number(t), c]));

describe('chi-square test of homogeneity', () => {
  it('[30, 10] against [10, 30]: every cell expects 20, so 4 * 10^2 / 20 = 20 on 1 df, p = erfc(sqrt(10))', () => {
    const fit = homogeneityTest([30, 10], [10, 30]);
    expect(fit.statistic).toBeCloseTo(20, 12);
    expect(fit.df).toBe(1);
    expect(fit.bins).toBe(2);
    expect(fit.pValue).toBeCloseTo(7.744216431044074e-6, 12); // erfc(sqrt(10)): chi-square(1) tail at 20
  });

  it('rows of different sizes: [20, 20] against [10, 30] expects [15, 25] and [15, 25]', () => {
    // (5^2/15 + 5^2/25) * 2 = 2 * (5/3 + 1) = 16/3
    const fit = homogeneityTest([20, 20], [10, 30]);
    expect(fit.statistic).toBeCloseTo(16 / 3, 12);
    expect(fit.df).toBe(1);
  });

  it('identical samples give statistic 0 and p = 1', () => {
    const fit = homogeneityTest([50, 30, 20, 0], [50, 30, 20, 0]);
    expect(fit.statistic).toBe(0);
    expect(fit.pValue).toBe(1);
  });

  it('disjoint samples give p ~ 0', () => {
    const fit = homogeneityTest([100, 0, 0], [0, 100, 0]);
    expect(fit.statistic).toBeCloseTo(200, 9);
    expect(fit.pValue).toBeLessThan(1e-40);
  });

  it('columns expecting fewer than 5 pool into the last column (the rest); a small rest joins the smallest column', () => {
    // columns of 2 + 2 samples in all expect 1 per row: both pool into the rest (0 + 0), which then has 4 (expects 2) and joins [20, 20]
    const fit = homogeneityTest([40, 20, 1, 1, 0], [40, 20, 1, 1, 0]);
    expect(fit.bins).toBe(2);
    expect(fit.df).toBe(1);
    // [3, 1] pooled into a rest of [0, 0]: 4 samples expect 2 per row, so they join the smaller column [10, 12]
    const pooled = homogeneityTest([30, 10, 3, 0], [30, 12, 1, 0]);
    expect(pooled.bins).toBe(2);
    // the table is now [30, 13] against [30, 13]
    expect(pooled.statistic).toBeCloseTo(0, 12);
  });

  it('a single column leaves nothing to test: df 0, p = 1', () => {
    expect(homogeneityTest([100], [100])).toMatchObject({ df: 0, pValue: 1, bins: 1 });
  });

  it('refuses rows that cannot be compared', () => {
    expect(() => homogeneityTest([1, 2], [1])).toThrow(/equally long/);
    expect(() => homogeneityTest([0, 0], [1, 2])).toThrow(/at least one sample, got 0 and 3/);
  });
});

describe('one position of the check', () => {
  it('keeps the top tokens of either sample, ordered by their count in both, then the rest', () => {
    // top = 1: token 7 leads spec, token 9 leads the baseline; token 5 goes to the rest
    const c = checkPosition(2, counts({ 7: 60, 9: 30, 5: 10 }), counts({ 7: 20, 9: 70, 5: 10 }), 1);
    expect(c.position).toBe(2);
    expect(c.histogram).toEqual([
      { token: 9, spec: 30, baseline: 70 },
      { token: 7, spec: 60, baseline: 20 },
      { token: null, spec: 10, baseline: 10 },
    ]);
    // TVD: (|0.6 - 0.2| + |0.3 - 0.7| + 0) / 2 = 0.4
    expect(c.tvd).toBeCloseTo(0.4, 12);
    expect(c.pValue).toBeLessThan(1e-6);
  });

  it('the TVD reads every token, not only the kept ones', () => {
    expect(totalVariation(counts({ 1: 50, 2: 50 }), counts({ 1: 50, 3: 50 }))).toBeCloseTo(0.5, 12);
    expect(totalVariation(counts({ 1: 5 }), counts({ 1: 10 }))).toBe(0);
  });

  it('the same histograms pass with p = 1', () => {
    const c = checkPosition(1, counts({ 1: 40, 2: 35, 3: 25 }), counts({ 1: 40, 2: 35, 3: 25 }));
    expect(c.pValue).toBe(1);
    expect(c.tvd).toBe(0);
  });
});

describe('verdict', () => {
  it('passes when every p > alpha and names the first position that does not', () => {
    expect(distVerdict([{ position: 1, pValue: 0.5 }, { position: 2, pValue: 0.01 }], 0.001)).toEqual({ pass: true, failedPosition: null });
    expect(distVerdict([{ position: 1, pValue: 0.5 }, { position: 2, pValue: 0.001 }, { position: 3, pValue: 0 }], 0.001)).toEqual({
      pass: false,
      failedPosition: 2,
    });
  });
});
