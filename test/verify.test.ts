/** Chain verification: greedy, and speculative sampling checked by hand and by exact enumeration. */

import { describe, expect, it } from 'vitest';
import { distribution, enumerate, rngChooser, type Chooser } from '../src/engine/decoding/choice.ts';
import { Rng } from '../src/engine/decoding/rng.ts';
import { residual, topEntries, verifyChainGreedy, verifyChainSampling, type DraftDist, type RatioDecision } from '../src/engine/verify/chain.ts';
import { distMap, expectSameDist, fixedChooser, randomDist } from './helpers/toy.ts';

const P = Float64Array.of(0.5, 0.3, 0.2);
const Q = Float64Array.of(0.2, 0.6, 0.2);

describe('verifyChainGreedy', () => {
  it('accepts the matching prefix, then the target argmax as the correction', () => {
    const r = verifyChainGreedy([4, 7, 1], [4, 7, 2, 9]);
    expect(r.acceptLength).toBe(2);
    expect(r.acceptedNodes).toEqual([0, 1, 2]);
    expect(r.emitted).toEqual([4, 7, 2]);
    expect(r.final).toEqual({ kind: 'correction', token: 2, node: 2, source: 'argmax', u: null });
    expect(r.decisions.map((d) => d.accepted)).toEqual([true, true, false]);
    expect(r.lossy).toBe(false);
  });

  it('adds the bonus token when every draft matches, and handles k = 0', () => {
    const r = verifyChainGreedy([4, 7], [4, 7, 3]);
    expect(r.emitted).toEqual([4, 7, 3]);
    expect(r.final.kind).toBe('bonus');
    expect(verifyChainGreedy([], [5]).emitted).toEqual([5]);
  });

  it('says what it expected when the lengths disagree', () => {
    expect(() => verifyChainGreedy([1, 2], [1, 2])).toThrow(/expected 3 target argmaxes .* found 2/);
  });
});

describe('verifyChainSampling by hand (V = 3)', () => {
  // p = [.5, .3, .2], q = [.2, .6, .2], draft x = 1.
  // Accept probability min(1, p(1)/q(1)) = min(1, .3/.6) = .5.
  // Residual max(0, p - q) = [.3, 0, 0], mass .3, normalised [1, 0, 0]: a rejection emits token 0.
  it('rejects with u = .7 >= .5 and samples token 0 from the residual', () => {
    const c = fixedChooser([0.7, 0.42]);
    const r = verifyChainSampling([1], [Q], [P, P], c);
    const d = r.decisions[0] as RatioDecision;
    expect(d).toMatchObject({ token: 1, p: 0.3, q: 0.6, threshold: 0.5, u: 0.7, accepted: false });
    expect(d.residual!.mass).toBeCloseTo(0.3, 15);
    expect(d.residual!.top).toEqual([{ token: 0, prob: 1 }]);
    expect(r.final).toMatchObject({ kind: 'correction', token: 0, source: 'residual', u: 0.42, node: 0 });
    expect(r.emitted).toEqual([0]);
    expect(r.acceptLength).toBe(0);
  });

  it('accepts with u = .3 < .5 and samples the bonus from p_1', () => {
    // Bonus from p_1 = [.5, .3, .2] with u = .6: CDF .5, .8 -> token 1.
    const r = verifyChainSampling([1], [Q], [P, P], fixedChooser([0.3, 0.6]));
    expect(r.emitted).toEqual([1, 1]);
    expect(r.final).toMatchObject({ kind: 'bonus', token: 1, source: 'target', u: 0.6, node: 1 });
  });

  it('emits exactly p when x is drawn from q', () => {
    // P(0) = q(0)*1 + q(1)*(1 - .5)*1 = .2 + .3 = .5; P(1) = q(1)*.5 = .3; P(2) = q(2)*1 = .2.
    const out = enumerate((c) => verifyChainSampling([c.sample(Q)], [Q], [P, P], c).emitted[0]!);
    expectSameDist(distribution(out), distMap(P), 1e-15);
  });

  it('removes a deterministic draft from p on rejection', () => {
    // q one-hot at 0 (null): accept with p(0) = .5; residual [0, .3, .2] / .5 = [0, .6, .4].
    const r = residual(P, null, 0);
    expect(r.mass).toBeCloseTo(0.5, 15);
    expect([...r.dist]).toEqual([0, 0.6, 0.4].map((v) => expect.closeTo(v, 15)));
    expect(topEntries(r.dist)).toEqual([{ token: 1, prob: r.dist[1] }, { token: 2, prob: r.dist[2] }]);
  });
});

describe('verifyChainSampling is lossless (exact enumeration)', () => {
  it('emits a first token distributed as p_0 for random p/q, V = 3..6, k = 1..3', () => {
    const rng = new Rng(2024);
    let cases = 0;
    for (let trial = 0; trial < 60; trial++) {
      const V = 3 + (trial % 4);
      const k = 1 + (trial % 3);
      const shape = (['zeros', 'dense', 'one-hot', 'deterministic'] as const)[Math.floor(trial / 4) % 4]!;
      const p = Array.from({ length: k + 1 }, () => randomDist(rng, V, 'zeros'));
      const q = Array.from({ length: k }, () => randomDist(rng, V, shape === 'deterministic' ? 'zeros' : shape));
      const fixed = Array.from({ length: k }, () => Math.floor(rng.uniform() * V));
      const out = enumerate((c) => {
        // A deterministic drafter proposes fixed tokens (q = null); a sampling one draws from q.
        const drafts = shape === 'deterministic' ? fixed : q.map((qi) => c.sample(qi));
        const qs: DraftDist[] = shape === 'deterministic' ? q.map(() => null) : q;
        return verifyChainSampling(drafts, qs, p, c).emitted[0]!;
      });
      expectSameDist(distribution(out), distMap(p[0]!));
      cases++;
    }
    expect(cases).toBe(60);
  });

  it('would catch a wrong residual: the verifier drawing from p instead of norm(max(0, p - q)) fails this check', () => {
    // The real verifier with its residual draw swapped for a draw from p (the chooser sees the
    // 'residual' label): P(0) = .2 + .3 * .5 = .35, P(1) = .3 + .3 * .3 = .39, P(2) = .2 + .3 * .2 = .26.
    const wrongResidual = (c: Chooser): Chooser => ({
      accept: (prob, what) => c.accept(prob, what),
      sample: (weights, what) => c.sample(what === 'residual' ? P : weights, what),
      get lastU() {
        return c.lastU;
      },
    });
    const out = distribution(enumerate((c) => verifyChainSampling([c.sample(Q)], [Q], [P, P], wrongResidual(c)).emitted[0]!));
    expect([0, 1, 2].map((t) => out.get(String(t)))).toEqual([0.35, 0.39, 0.26].map((v) => expect.closeTo(v, 12)));
    expect(() => expectSameDist(out, distMap(P))).toThrow(/P\(0\) = 0\.35\d*, expected 0\.5/);
  });
});

describe('verifyChainSampling with a seeded rng', () => {
  it('is deterministic, and its records hold exactly the uniforms consumed', () => {
    const dists = new Rng(5);
    const p = Array.from({ length: 4 }, () => randomDist(dists, 6, 'dense'));
    const q = Array.from({ length: 3 }, () => randomDist(dists, 6, 'dense'));
    const run = (seed: number) => {
      const rng = new Rng(seed);
      rng.startLog();
      const c = rngChooser(rng);
      const r = verifyChainSampling([0, 1, 2], q, p, c);
      return { r, used: rng.takeDraws(), logged: c.draws.map((d) => d.u) };
    };
    for (let seed = 0; seed < 20; seed++) {
      const a = run(seed);
      expect(run(seed).r).toEqual(a.r);
      const inRecord = [...a.r.decisions.map((d) => (d as RatioDecision).u), a.r.final.u];
      expect(a.used).toEqual(inRecord);
      expect(a.logged).toEqual(inRecord);
      expect(JSON.parse(JSON.stringify(a.r))).toEqual(a.r); // serialisable as is
    }
  });

  it('rejects a q that gives its own draft zero probability, and logits in place of p', () => {
    expect(() => verifyChainSampling([2], [Float64Array.of(0.5, 0.5, 0)], [P, P], fixedChooser([0.1]))).toThrow(
      /token 2 has draft probability 0/,
    );
    expect(() => verifyChainSampling([0], [null], [Float64Array.of(2, -1, 0.5), P], fixedChooser([0.1]))).toThrow(
      /not logits/,
    );
  });
});
