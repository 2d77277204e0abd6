/** Tree verification: greedy walk, and SpecInfer's multi-candidate sampling by hand and by enumeration. */

import { describe, expect, it } from 'vitest';
import { distribution, enumerate, rngChooser } from '../src/engine/decoding/choice.ts';
import { Rng } from '../src/engine/decoding/rng.ts';
import { buildTree, chainTree } from '../src/engine/decoding/tree.ts';
import { verifyChainSampling, type DraftDist, type RatioDecision } from '../src/engine/verify/chain.ts';
import { verifyTreeGreedy, verifyTreeSampling } from '../src/engine/verify/tree.ts';
import { distMap, expectSameDist, fixedChooser, randomDist } from './helpers/toy.ts';

const P = Float64Array.of(0.5, 0.3, 0.2);
const Q = Float64Array.of(0.2, 0.6, 0.2);
// Nodes: 0 root; 1 = [0], 2 = [1] (siblings under the root); 3 = [0,0] under node 1.
const SMALL = buildTree([[0], [1], [0, 0]]);

describe('verifyTreeGreedy', () => {
  it('descends to the child equal to the argmax, trying children in rank order', () => {
    // Root argmax 6 matches node 2 (rank 1) after node 1 (token 5) fails; node 2 is a leaf: bonus.
    const r = verifyTreeGreedy(SMALL, [9, 5, 6, 7], [6, 0, 4, 0]);
    expect(r.acceptedNodes).toEqual([0, 2]);
    expect(r.emitted).toEqual([6, 4]);
    expect(r.final).toMatchObject({ kind: 'bonus', node: 2, token: 4 });
    expect(r.decisions.map((d) => [d.node, d.accepted])).toEqual([[1, false], [2, true]]);
  });

  it('follows the deepest matching path and corrects where it stops', () => {
    const r = verifyTreeGreedy(SMALL, [9, 5, 6, 7], [5, 8, 0, 0]);
    expect(r.acceptedNodes).toEqual([0, 1]);
    expect(r.emitted).toEqual([5, 8]);
    expect(r.final.kind).toBe('correction');
  });

  it('accepts the whole tree path when everything matches', () => {
    const r = verifyTreeGreedy(SMALL, [9, 5, 6, 7], [5, 7, 0, 3]);
    expect(r.acceptedNodes).toEqual([0, 1, 3]);
    expect(r.emitted).toEqual([5, 7, 3]);
  });
});

describe('verifyTreeSampling by hand (V = 3)', () => {
  it('tries deterministic siblings against successive residuals', () => {
    // p = [.5, .3, .2]; children are tokens 0 then 1, deterministic (q one-hot).
    // Node 1 (token 0): accept with p(0) = .5. u = .9 rejects; residual [0, .3, .2]/.5 = [0, .6, .4].
    // Node 2 (token 1): accept with .6. u = .8 rejects; residual [0, 0, .4]/.4 = [0, 0, 1] -> token 2.
    // So P(0) = .5, P(1) = .5 * .6 = .3, P(2) = .5 * .4 = .2 = p.
    const tokens = [9, 0, 1, 2];
    const r = verifyTreeSampling(SMALL, tokens, [null, null, null, null], [P, P, P, P], fixedChooser([0.9, 0.8, 0.05]));
    const [d1, d2] = r.decisions as RatioDecision[];
    expect(d1).toMatchObject({ node: 1, token: 0, p: 0.5, q: 1, threshold: 0.5, u: 0.9, accepted: false });
    expect(d2!.threshold).toBeCloseTo(0.6, 15);
    expect(d2).toMatchObject({ node: 2, token: 1, u: 0.8, accepted: false });
    expect(d2!.residual!.top).toEqual([{ token: 2, prob: 1 }]);
    expect(r.final).toMatchObject({ kind: 'correction', token: 2, source: 'residual', u: 0.05, node: 0 });
    const out = enumerate((c) => verifyTreeSampling(SMALL, tokens, [null, null, null, null], [P, P, P, P], c).emitted[0]!);
    expectSameDist(distribution(out), distMap(P), 1e-15);
  });

  it('keeps q unchanged across i.i.d. siblings', () => {
    // Both siblings drew token 1 from q = [.2, .6, .2].
    // Node 1: accept min(1, .3/.6) = .5; u = .7 rejects; residual max(0, p - q) = [.3, 0, 0] -> [1, 0, 0].
    // Node 2: p is now [1, 0, 0]: accept min(1, 0/.6) = 0, rejected; residual max(0, [1,0,0] - q) = [.8, 0, 0] -> [1, 0, 0].
    const r = verifyTreeSampling(SMALL, [9, 1, 1, 0], [null, Q, Q, Q], [P, P, P, P], fixedChooser([0.7, 0.01, 0.5]));
    const [d1, d2] = r.decisions as RatioDecision[];
    expect(d1).toMatchObject({ threshold: 0.5, accepted: false });
    expect(d2).toMatchObject({ p: 0, q: 0.6, threshold: 0, accepted: false });
    expect(d2!.residual!.mass).toBeCloseTo(0.8, 15);
    expect(r.emitted).toEqual([0]);
  });

  it('makes the same decisions as the chain verifier on a chain', () => {
    const dists = new Rng(11);
    const p = Array.from({ length: 4 }, () => randomDist(dists, 5, 'dense'));
    const q = Array.from({ length: 3 }, () => randomDist(dists, 5, 'dense'));
    for (let seed = 0; seed < 30; seed++) {
      const chain = verifyChainSampling([1, 2, 3], q, p, rngChooser(new Rng(seed)));
      const tree = verifyTreeSampling(chainTree(3), [0, 1, 2, 3], [null, ...q], p, rngChooser(new Rng(seed)));
      expect(tree.emitted).toEqual(chain.emitted);
      expect(tree.decisions).toEqual(chain.decisions);
      expect(tree.final).toEqual(chain.final);
    }
  });
});

describe('verifyTreeSampling is lossless (exact enumeration)', () => {
  // Root with 1..3 children, a grandchild under the first: [[0],[1],[2],[0,0]] trimmed.
  const specs = [[[0], [0, 0]], [[0], [1], [0, 0]], [[0], [1], [2], [0, 0]]];

  it('(a) deterministic distinct candidates, q one-hot: the first token is distributed as p', () => {
    const rng = new Rng(77);
    for (let trial = 0; trial < 60; trial++) {
      const V = 3 + (trial % 4);
      const tree = buildTree(specs[trial % 3]!);
      const p = Array.from({ length: tree.size }, () => randomDist(rng, V, trial % 5 === 0 ? 'one-hot' : 'zeros'));
      const perm = Array.from({ length: V }, (_, i) => i).sort(() => rng.uniform() - 0.5);
      const tokens = Array.from({ length: tree.size }, (_, n) => perm[n % V]!); // distinct among siblings
      const q: DraftDist[] = tokens.map(() => null);
      const out = enumerate((c) => verifyTreeSampling(tree, tokens, q, p, c).emitted[0]!);
      expectSameDist(distribution(out), distMap(p[0]!));
    }
  });

  it('(b) candidates drawn i.i.d. from q: the first token is distributed as p', () => {
    const rng = new Rng(78);
    for (let trial = 0; trial < 60; trial++) {
      const V = 3 + (trial % 4);
      const tree = buildTree(specs[trial % 3]!);
      const p = Array.from({ length: tree.size }, () => randomDist(rng, V, 'zeros'));
      const shape = (['zeros', 'dense', 'one-hot'] as const)[trial % 3]!;
      // One draft distribution per parent: siblings share it.
      const qAt = Array.from({ length: tree.size }, () => randomDist(rng, V, shape));
      const q: DraftDist[] = Array.from({ length: tree.size }, (_, n) => (n === 0 ? null : qAt[tree.parents[n]!]!));
      const out = enumerate((c) => {
        const tokens = q.map((qn) => (qn === null ? 0 : c.sample(qn)));
        return verifyTreeSampling(tree, tokens, q, p, c).emitted[0]!;
      });
      expectSameDist(distribution(out), distMap(p[0]!));
    }
  });

  it('stays lossless but accepts less when sampled candidates are verified as one-hot', () => {
    // One child x ~ q = [.2, .6, .2] against p = [.5, .3, .2].
    // With q: P(accept) = sum min(p, q) = .2 + .3 + .2 = .7. As one-hot: sum q(x) p(x) = .1 + .18 + .04 = .32.
    const tree = buildTree([[0]]);
    const run = (useQ: boolean) =>
      enumerate((c) => {
        const r = verifyTreeSampling(tree, [0, c.sample(Q)], [null, useQ ? Q : null], [P, P], c);
        return { first: r.emitted[0]!, accepted: r.acceptLength };
      });
    for (const useQ of [true, false]) {
      const out = run(useQ);
      expectSameDist(distribution(out, (v) => String(v.first)), distMap(P));
      const accepted = out.filter((o) => o.value.accepted === 1).reduce((s, o) => s + o.prob, 0);
      expect(accepted).toBeCloseTo(useQ ? 0.7 : 0.32, 12);
    }
  });

  it('would catch a q that is not what the candidate was drawn from', () => {
    // Candidate = argmax q = token 1, deterministic, but verified with q = [.2, .6, .2]:
    // accept .5, else the residual [1, 0, 0]: P(1) = .5, P(0) = .5, P(2) = 0, not p.
    const tree = buildTree([[0]]);
    const out = enumerate((c) => verifyTreeSampling(tree, [0, 1], [null, Q], [P, P], c).emitted[0]!);
    const got = distribution(out);
    expect(got.get('1')).toBeCloseTo(0.5, 12);
    expect(got.get('2')).toBeUndefined();
  });
});

describe('verifyTreeSampling with a seeded rng', () => {
  it('is deterministic, and its records hold exactly the uniforms consumed', () => {
    const dists = new Rng(9);
    const tree = buildTree([[0], [1], [2], [0, 0], [0, 1], [1, 0]]);
    const p = Array.from({ length: tree.size }, () => randomDist(dists, 4, 'dense'));
    const tokens = [0, 0, 1, 2, 3, 1, 0];
    for (let seed = 0; seed < 20; seed++) {
      const run = () => {
        const rng = new Rng(seed);
        rng.startLog();
        const c = rngChooser(rng);
        const r = verifyTreeSampling(tree, tokens, tokens.map(() => null), p, c);
        return { r, used: rng.takeDraws(), logged: c.draws.map((d) => d.u) };
      };
      const a = run();
      expect(run()).toEqual(a);
      const inRecord = [...a.r.decisions.map((d) => (d as RatioDecision).u), a.r.final.u];
      expect(a.used).toEqual(inRecord);
      expect(a.logged).toEqual(inRecord);
      expect(a.r.acceptedNodes[0]).toBe(0);
      expect(a.r.emitted).toEqual([...a.r.acceptedNodes.slice(1).map((n) => tokens[n]), a.r.final.token]);
    }
  });

  it('says what it expected when inputs do not match the tree', () => {
    expect(() => verifyTreeSampling(SMALL, [0, 1], [null, null, null, null], [P, P, P, P], fixedChooser([]))).toThrow(
      /expected a token for each of the tree's 4 nodes \(root included\), found 2/,
    );
    expect(() => verifyTreeSampling(SMALL, [0, 1, 2, 5], [null, null, null, null], [P, P, P, P], fixedChooser([0.99, 0.99, 0.5]))).not.toThrow();
    expect(() => verifyTreeSampling(SMALL, [0, 7, 2, 0], [null, null, null, null], [P, P, P, P], fixedChooser([0.5]))).toThrow(
      /node 1: expected a token id in \[0, 3\), found 7/,
    );
  });
});
