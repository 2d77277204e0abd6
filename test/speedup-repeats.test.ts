/**
 * The speedup a Run shows (src/worker/speedup-repeats.ts): pairs are repeated until their
 * end-to-end speedups agree within 10% of the median over at least 3 pairs, or 7 pairs;
 * the figure is the median with its range. Hand-checkable numbers throughout.
 */
import { describe, expect, it } from 'vitest';

import { MAX_PAIRS, MIN_PAIRS, pairsAgree, repeatPairs, speedupFigures, type SpeedupPair } from '../src/worker/speedup-repeats.ts';

const p = (endToEnd: number, decode: number | null = null): SpeedupPair => ({ endToEnd, decode });

describe('pairsAgree', () => {
  it('needs at least 3 pairs: one or two identical pairs say nothing of the spread', () => {
    expect(MIN_PAIRS).toBe(3);
    expect(pairsAgree([p(2)])).toBe(false);
    expect(pairsAgree([p(2), p(2)])).toBe(false);
    expect(pairsAgree([p(2), p(2), p(2)])).toBe(true);
  });

  it('agrees when the range is within 10% of the median', () => {
    expect(pairsAgree([p(1.92), p(2), p(2.1)])).toBe(true); // (2.1 - 1.92) / 2 = 0.09
    expect(pairsAgree([p(1.8), p(2), p(2.1)])).toBe(false); // 0.3 / 2 = 0.15
    expect(pairsAgree([p(0.92), p(3.41), p(0.99)])).toBe(false); // the three first figures
  });
});

describe('speedupFigures', () => {
  it('medians and ranges of both speedups; settled once they agree', () => {
    const f = speedupFigures([p(1.5, 2), p(1.6, 2.2), p(1.55, 2.1)]);
    expect(f).toEqual({ pairs: 3, endToEnd: { median: 1.55, min: 1.5, max: 1.6 }, decode: { median: 2.1, min: 2, max: 2.2 }, agreed: true, settled: true });
  });

  it('decode is null when no pair had decode steps; a Stop settles early without agreeing', () => {
    const f = speedupFigures([p(1), p(3)], true);
    expect(f).toMatchObject({ pairs: 2, decode: null, agreed: false, settled: true, endToEnd: { median: 2, min: 1, max: 3 } });
  });

  it('refuses an empty list', () => {
    expect(() => speedupFigures([])).toThrow(/at least one timed pair/);
  });
});

describe('repeatPairs', () => {
  it('stops as soon as the pairs agree, reporting progress before', async () => {
    const next = [p(2), p(2.05), p(9)];
    const seen: number[] = [];
    const f = await repeatPairs(p(1.95), async () => next.shift()!, (x) => seen.push(x.pairs));
    expect(f).toMatchObject({ pairs: 3, agreed: true, settled: true, endToEnd: { median: 2, min: 1.95, max: 2.05 } });
    expect(seen).toEqual([1, 2]);
    expect(next).toEqual([p(9)]);
  });

  it('stops at the cap when the pairs never agree, and says so', async () => {
    let i = 0;
    const f = await repeatPairs(p(1), async () => p(++i % 2 ? 3 : 1), () => undefined);
    expect(f).toMatchObject({ pairs: MAX_PAIRS, agreed: false, settled: true });
    expect(MAX_PAIRS).toBe(7);
  });

  it('no pair starts once the repeats have used the time budget', async () => {
    let t = 0;
    const f = await repeatPairs(p(1), async () => ((t += 3000), p(3)), () => undefined, { budgetMs: 5000, now: () => t });
    expect(f).toMatchObject({ pairs: 3, agreed: false, settled: true }); // pairs started at t = 0 and 3000; not at 6000
  });

  it('a pair cut short by Stop ends the measurement with the pairs so far', async () => {
    const f = await repeatPairs(p(1.2), async () => null, () => undefined);
    expect(f).toMatchObject({ pairs: 1, settled: true, agreed: false, endToEnd: { median: 1.2, min: 1.2, max: 1.2 } });
  });
});
