/**
 * The statistics behind `npm run test:stats` (src/engine/bench/chi-square.ts), on cases done on
 * paper: a die's chi-square, the chi-square tail with 2 degrees of freedom (exp(-x/2)), and
 * the pooling of small cells. Probabilities are multiples of 1/64 so the sums are exact.
 */
import { describe, expect, it } from 'vitest';

import { chiSquareSurvival, chiSquareTest, poolCells, type Group } from '../src/engine/bench/chi-square.ts';

const die: Group[] = [{ name: 'die', prob: 1, cells: [1, 2, 3, 4, 5, 6].map((f) => ({ key: String(f), prob: 1 / 6 })) }];

describe('chi-square goodness of fit', () => {
  it('a die thrown 60 times: (25 + 4 + 1 + 4 + 0 + 100) / 10 = 13.4 on 5 df, p = 0.0199', () => {
    const { bins, binOf } = poolCells(die, 60);
    expect(bins.map((b) => b.label)).toEqual(['die 1', 'die 2', 'die 3', 'die 4', 'die 5', 'die 6']);
    expect(binOf('die', '6')).toBe(5);
    const fit = chiSquareTest([5, 8, 9, 8, 10, 20], bins);
    expect(fit.statistic).toBeCloseTo(13.4, 12);
    expect(fit.df).toBe(5);
    expect(fit.pValue).toBeCloseTo(0.0199052, 6); // scipy.stats.chi2.sf(13.4, 5)
    expect(fit.tv).toBeCloseTo((5 + 2 + 1 + 2 + 0 + 10) / 60 / 2, 12);
  });

  it('the tail with 2 degrees of freedom is exp(-x / 2)', () => {
    for (const x of [0, 0.5, 2, 10, 40]) expect(chiSquareSurvival(x, 2)).toBeCloseTo(Math.exp(-x / 2), 12);
    expect(chiSquareSurvival(1e4, 10)).toBeLessThan(1e-300); // far tail: 0, not 1 - 1
  });

  it('a sample where the reference has no mass refutes it', () => {
    const fit = chiSquareTest([9, 1], [{ label: 'a', prob: 1 }, { label: 'b', prob: 0 }]);
    expect(fit.statistic).toBe(Infinity);
    expect(fit.pValue).toBe(0);
  });

  it('refuses counts that do not match the bins', () => {
    expect(() => chiSquareTest([1, 2], [{ label: 'a', prob: 1 }])).toThrow(/2 observed counts for 1 bins/);
  });
});

describe('pooling so every bin expects at least 5', () => {
  it('a die thrown 24 times: each face expects 4, so all pool into one bin and there is nothing to test', () => {
    const { bins } = poolCells(die, 24);
    expect(bins).toEqual([{ label: 'die rest', prob: 1 }]);
    expect(chiSquareTest([24], bins)).toMatchObject({ statistic: 0, df: 0, pValue: 1 });
  });

  it('small cells go to their group remainder, small remainders to the global one (n = 64)', () => {
    const groups: Group[] = [
      // 24 expected: own bin; 4 + 4 pool into A's remainder (8)
      { name: 'A', prob: 32 / 64, cells: [{ key: 'a1', prob: 24 / 64 }, { key: 'a2', prob: 4 / 64 }, { key: 'a3', prob: 4 / 64 }] },
      // all of B in one cell; B's remainder (0) goes global
      { name: 'B', prob: 16 / 64, cells: [{ key: 'b1', prob: 16 / 64 }] },
      // no cells computed: the whole group is its remainder
      { name: 'C', prob: 8 / 64, cells: [] },
      // 2 + 2 go global, with the 4 no group names: 8
      { name: 'D', prob: 2 / 64, cells: [] },
      { name: 'E', prob: 2 / 64, cells: [] },
    ];
    const { bins, binOf } = poolCells(groups, 64);
    expect(bins).toEqual([
      { label: 'A a1', prob: 24 / 64 },
      { label: 'A rest', prob: 8 / 64 },
      { label: 'B b1', prob: 16 / 64 },
      { label: 'C rest', prob: 8 / 64 },
      { label: 'rest', prob: 8 / 64 },
    ]);
    expect([binOf('A', 'a1'), binOf('A', 'a2'), binOf('A', 'never-listed'), binOf('B', 'b1')]).toEqual([0, 1, 1, 2]);
    expect([binOf('B', 'other'), binOf('C', 'c'), binOf('D', 'd'), binOf('unknown', 'x')]).toEqual([4, 3, 4, 4]);
  });

  it('a global remainder under 5 joins the smallest bin', () => {
    const groups: Group[] = [
      { name: 'A', prob: 32 / 64, cells: [{ key: 'a1', prob: 24 / 64 }] },
      { name: 'B', prob: 22 / 64, cells: [{ key: 'b1', prob: 16 / 64 }] }, // remainder 6: its own bin
      { name: 'C', prob: 8 / 64, cells: [] },
      { name: 'D', prob: 2 / 64, cells: [] }, // 2 expected: global, then into B's remainder (the smallest)
    ];
    const { bins, binOf } = poolCells(groups, 64);
    expect(bins.map((b) => [b.label, b.prob * 64])).toEqual([['A a1', 24], ['A rest', 8], ['B b1', 16], ['B rest + rest', 8], ['C rest', 8]]);
    expect(binOf('D', 'd')).toBe(3);
    const fit = chiSquareTest([24, 8, 16, 8, 8], bins);
    expect(fit.statistic).toBe(0);
    expect(fit.df).toBe(4);
  });

  it('refuses groups whose probabilities sum past 1', () => {
    expect(() => poolCells([{ name: 'a', prob: 0.7, cells: [] }, { name: 'b', prob: 0.7, cells: [] }], 10)).toThrow(/sum to 1.4/);
  });
});
