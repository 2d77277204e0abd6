/** The Speedup simulator's arithmetic (src/ui/simulator/): the roofline, the measured cost curve, projections, and the alpha a 1.5x claim needs. */
import { describe, expect, it } from 'vitest';

import { leviathanSpeedup } from '../src/engine/trace/metrics.ts';
import { MACHINE_PRESETS, measuredCost, ridgeTokens, rooflineMs, type Roofline } from '../src/ui/simulator/cost-model.ts';
import { acceptanceProfile, alphaFor, optimum, project, stepCost, tauOf, treeCost } from '../src/ui/simulator/speedup-model.ts';

// 1 GB of weights, 0.5 B params, 100 GB/s, 10 TFLOP/s: reading the weights takes 1e9 / 1e11 = 10 ms;
// a token costs 2 * 5e8 = 1e9 FLOPs = 0.1 ms, so compute catches up at n = 100.
const M: Roofline = { weightBytes: 1e9, params: 5e8, bandwidth: 1e11, flops: 1e13, overheadMs: 0 };

describe('roofline cost model', () => {
  it('is flat while memory-bound and linear past the ridge', () => {
    expect(rooflineMs(M, 1)).toBeCloseTo(10, 12);
    expect(rooflineMs(M, 100)).toBeCloseTo(10, 12);
    expect(rooflineMs(M, 200)).toBeCloseTo(20, 12); // 200 tokens * 0.1 ms
    expect(ridgeTokens(M)).toBeCloseTo(100, 9);
  });

  it('adds the per-forward overhead', () => {
    expect(rooflineMs({ ...M, overheadMs: 1.5 }, 1)).toBeCloseTo(11.5, 12);
  });

  it('puts the presets where the text says: a GPU flat for hundreds of tokens, a phone past its ridge at a few', () => {
    const gpu = MACHINE_PRESETS.find((p) => p.id === 'gpu-7b')!.roofline;
    const phone = MACHINE_PRESETS.find((p) => p.id === 'phone-3b')!.roofline;
    // 14e9 B * 989e12 FLOP/s / (3.35e12 B/s * 1.4e10 FLOP) = 295 tokens
    expect(ridgeTokens(gpu)).toBeCloseTo(295.2, 0);
    // 1.7e9 * 0.5e12 / (60e9 * 6e9) = 2.36 tokens
    expect(ridgeTokens(phone)).toBeCloseTo(2.36, 2);
    expect(rooflineMs(gpu, 9) / rooflineMs(gpu, 1)).toBeCloseTo(1, 9);
    expect(rooflineMs(phone, 9) / rooflineMs(phone, 1)).toBeGreaterThan(3);
  });
});

describe('measured cost curve', () => {
  const f = measuredCost([
    { n: 1, ms: 2 },
    { n: 2, ms: 2.5 },
    { n: 4, ms: 3.5 },
  ]);
  it('is exact at the measured n, linear between, and continues the last slope', () => {
    expect(f(1)).toBe(2);
    expect(f(4)).toBe(3.5);
    expect(f(3)).toBeCloseTo(3, 12); // halfway from 2.5 to 3.5
    expect(f(6)).toBeCloseTo(4.5, 12); // slope 0.5 per token past n = 4
  });
  it('never gets cheaper past the last point', () => {
    const g = measuredCost([
      { n: 1, ms: 2 },
      { n: 2, ms: 1.8 },
    ]);
    expect(g(5)).toBe(1.8);
  });
  it('refuses an empty curve with what to do', () => {
    expect(() => measuredCost([])).toThrow(/measure the cost curve/);
  });
});

describe('acceptance profile and projection', () => {
  it('continues a measured profile with its last conditional rate', () => {
    // measured a1 = 0.6, a2 = 0.3: the last conditional rate is 0.3 / 0.6 = 0.5
    expect(acceptanceProfile([0.6, 0.3], 0, 4)).toEqual([0.6, 0.3, 0.15, 0.075]);
    expect(acceptanceProfile([0.5], 0, 3)).toEqual([0.5, 0.25, 0.125]);
  });
  it('is alpha^i without a measurement, and tau is then Leviathan\'s', () => {
    const a = acceptanceProfile([], 0.5, 2);
    expect(a).toEqual([0.5, 0.25]);
    expect(tauOf(a, 2)).toBeCloseTo(1.75, 12); // (1 - 0.5^3) / (1 - 0.5)
  });
  it('equals Leviathan et al.\'s speedup under a flat cost', () => {
    const ps = project(acceptanceProfile([], 0.8, 8), 0, () => 1, 0.1);
    for (const p of ps) expect(p.speedup).toBeCloseTo(leviathanSpeedup(0.8, p.k, 0.1), 12);
  });
  it('prices a step as the verify forward plus drafting', () => {
    const cost = (n: number) => 1 + 0.25 * (n - 1); // each extra token +25 % of a step
    expect(stepCost(cost, 2, 0.1)).toBeCloseTo(1.5 + 0.2, 12); // t(3)/t(1) = 1.5, c*k = 0.2
    expect(treeCost(cost, 8, 0)).toBeCloseTo(2.75, 12); // t(8)/t(1) = 1 + 7 * 0.25
  });
  it('finds a longer optimum when verification is free than when it is not', () => {
    const a = acceptanceProfile([], 0.8, 8);
    const flat = optimum(project(a, 0, () => 1, 0))!;
    const steep = optimum(project(a, 0, (n) => n ** 1.2, 0))!; // verify cost grows ~linearly: no k pays off much
    expect(flat.k).toBe(8); // c = 0 and free verification: more drafts always help
    expect(steep.k).toBeLessThan(flat.k);
    expect(optimum([])).toBeNull();
  });
  it('marks points past the measured depth as extrapolated', () => {
    const ps = project(acceptanceProfile([0.6, 0.3], 0, 4), 2, () => 1, 0, 4);
    expect(ps.map((p) => p.extrapolated)).toEqual([false, false, true, true]);
  });
});

describe('alpha needed for a claim (Leviathan solved for alpha)', () => {
  it('matches hand-solved cases', () => {
    expect(alphaFor(1.5, 1, 1)).toBeCloseTo(0.5, 9); // 1 + a = 1.5
    expect(alphaFor(1.5, 2, 1)).toBeCloseTo((Math.sqrt(3) - 1) / 2, 9); // 1 + a + a^2 = 1.5 -> 0.366
    expect(alphaFor(1.5, 1, 1.25)).toBeCloseTo(0.875, 9); // (1 + a) / 1.25 = 1.5, i.e. c = 0.25
    expect(alphaFor(2, 1, 1)).toBeCloseTo(1, 6); // k = 1 reaches 2x only if every draft is accepted
  });
  it('falls as k grows and tends to 1/3 for c = 0 (1 / (1 - a) = 1.5)', () => {
    const as = [1, 2, 4, 8, 30].map((k) => alphaFor(1.5, k, 1)!);
    for (let i = 1; i < as.length; i++) expect(as[i]!).toBeLessThan(as[i - 1]!);
    expect(as[4]!).toBeCloseTo(1 / 3, 6);
  });
  it('is null when even perfect acceptance falls short, 0 when none is needed', () => {
    expect(alphaFor(1.5, 1, 2)).toBeNull(); // 2 tokens per step at a cost of 2 steps is 1x at best
    expect(alphaFor(0.5, 3, 1)).toBe(0);
  });
  it('solves the same equation the projection uses', () => {
    const k = 3;
    const cost = 1 + 0.05 * k;
    const a = alphaFor(1.5, k, cost)!;
    expect(leviathanSpeedup(a, k, 0.05)).toBeCloseTo(1.5, 9);
  });
});
