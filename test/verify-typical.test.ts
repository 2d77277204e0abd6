/** Typical acceptance: hand-checked bound, and an exact measure of how far it is from lossless. */

import { describe, expect, it } from 'vitest';
import { distribution, enumerate, rngChooser, totalVariation } from '../src/engine/decoding/choice.ts';
import { Rng } from '../src/engine/decoding/rng.ts';
import { argmax } from '../src/engine/decoding/sampling.ts';
import { buildTree, chainTree } from '../src/engine/decoding/tree.ts';
import { verifyTreeGreedy, verifyTreeSampling } from '../src/engine/verify/tree.ts';
import { entropy, verifyTypical } from '../src/engine/verify/typical.ts';
import type { TypicalDecision } from '../src/engine/verify/chain.ts';
import { distMap, fixedChooser, randomDist } from './helpers/toy.ts';

const P = Float64Array.of(0.5, 0.3, 0.2);
const Q = Float64Array.of(0.2, 0.6, 0.2);

describe('verifyTypical by hand (V = 3)', () => {
  it('accepts p(x) = .3 against the bound min(.09, .3 exp(-H)) = .09', () => {
    // H = -(.5 ln .5 + .3 ln .3 + .2 ln .2) = .34657 + .36119 + .32189 = 1.02965 nats;
    // .3 * exp(-1.02965) = .3 * .35710 = .10713, so the bound is epsilon = .09; p(1) = .3 > .09.
    const r = verifyTypical(chainTree(1), [0, 1], [P, P], fixedChooser([0.6]));
    const d = r.decisions[0] as TypicalDecision;
    expect(d.entropy).toBeCloseTo(1.02965, 5);
    expect(d.bound).toBe(0.09);
    expect(d).toMatchObject({ kind: 'typical', token: 1, p: 0.3, accepted: true });
    expect(r.lossy).toBe(true);
    expect(r.emitted).toEqual([1, 1]); // bonus from p with u = .6: CDF .5, .8 -> 1
    expect(r.final).toMatchObject({ kind: 'bonus', source: 'target', u: 0.6 });
  });

  it('uses the entropy bound when the target is confident', () => {
    // p = [.9, .1, 0]: H = .9 * .10536 + .1 * 2.30259 = .32508; .3 * exp(-.32508) = .21675 > .09,
    // so the bound is .09 and p(1) = .1 passes; with delta = .1 the bound is .07225 and it still passes;
    // with epsilon = .2, delta = .3 the bound is .2 > .1 and it fails.
    const p = Float64Array.of(0.9, 0.1, 0);
    expect(entropy(p)).toBeCloseTo(0.32508, 5);
    const run = (epsilon: number, delta: number) => verifyTypical(chainTree(1), [0, 1], [p, p], fixedChooser([0.1]), { epsilon, delta });
    expect(run(0.09, 0.3).acceptLength).toBe(1);
    expect((run(0.09, 0.1).decisions[0] as TypicalDecision).bound).toBeCloseTo(0.07225, 5);
    expect(run(0.2, 0.3).acceptLength).toBe(0);
    expect(run(0.2, 0.3).final.kind).toBe('correction');
  });

  it('keeps the deepest accepted node, preferring the higher-ranked path on ties', () => {
    // Nodes: 1=[0], 2=[1], 3=[0,0], 4=[1,0]. Tokens 1 and 2 both pass at the root (.3, .2 > .09),
    // and both grandchildren pass too: depth 2 ties, node 3 (smaller index) wins.
    const tree = buildTree([[0], [1], [0, 0], [1, 0]]);
    const r = verifyTypical(tree, [0, 1, 2, 0, 0], [P, P, P, P, P], fixedChooser([0.1]));
    expect(r.acceptedNodes).toEqual([0, 1, 3]);
    expect(r.emitted).toEqual([1, 0, 0]);
  });
});

describe('verifyTypical is lossy, and says so', () => {
  it('emits the draft itself when it is plausible: TV .7 from p for a deterministic draft', () => {
    const out = enumerate((c) => verifyTypical(chainTree(1), [0, 1], [P, P], c).emitted[0]!);
    // Always token 1, but p(1) = .3: TV = .5 (.5 + .7 + .2) = .7.
    expect(totalVariation(distribution(out), distMap(P))).toBeCloseTo(0.7, 12);
  });

  it('emits q, not p, when drafts are sampled and always plausible: TV .3', () => {
    // Every token has p > .09, so all are accepted: first token ~ q = [.2, .6, .2].
    // TV(q, p) = .5 (.3 + .3 + 0) = .3; speculative sampling on the same case is exact.
    const typical = enumerate((c) => verifyTypical(chainTree(1), [0, c.sample(Q)], [P, P], c).emitted[0]!);
    expect(totalVariation(distribution(typical), distMap(P))).toBeCloseTo(0.3, 12);
    const exact = enumerate((c) => verifyTreeSampling(chainTree(1), [0, c.sample(Q)], [null, Q], [P, P], c).emitted[0]!);
    expect(totalVariation(distribution(exact), distMap(P))).toBeLessThan(1e-12);
  });
});

describe('verifyTypical with a one-hot (greedy) target', () => {
  it('accepts exactly what the greedy verifier accepts, for distinct siblings', () => {
    const rng = new Rng(31);
    const tree = buildTree([[0], [1], [2], [0, 0], [0, 1], [1, 0], [0, 0, 0]]);
    for (let trial = 0; trial < 50; trial++) {
      const p = Array.from({ length: tree.size }, () => randomDist(rng, 4, 'one-hot'));
      // Distinct siblings, as top-n candidates are: a random ordering of the vocabulary per parent.
      const perms = Array.from({ length: tree.size }, () => [0, 1, 2, 3].sort(() => rng.uniform() - 0.5));
      const tokens = Array.from({ length: tree.size }, (_, n) => (n === 0 ? 0 : perms[tree.parents[n]!]![tree.ranks[n]!]!));
      const greedy = verifyTreeGreedy(tree, tokens, p.map((d) => argmax(d)));
      const typical = verifyTypical(tree, tokens, p, rngChooser(new Rng(trial)));
      expect(typical.emitted).toEqual(greedy.emitted);
      expect(typical.acceptedNodes).toEqual(greedy.acceptedNodes);
    }
  });
});
