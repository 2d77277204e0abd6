/** Candidate trees: hand-checked buffers for a small tree, the default trees, invalid specs. */

import { describe, expect, it } from 'vitest';
import {
  buildTree,
  chainTree,
  DEFAULT_TREES,
  pathTo,
  TREE_CACHE_SHAPES,
  treeAttentionBias,
  treeFromParents,
  treePositionIds,
  treeTokensFromHeads,
  validateTreeSpec,
  type DefaultTreeName,
} from '../src/engine/decoding/tree.ts';

const NEG = -Infinity;

describe('buildTree', () => {
  it('builds hand-checked buffers for [[0],[1],[0,0]] given in any order', () => {
    // Nodes: 0 root, 1 = [0] (head 1 top-1), 2 = [1] (head 1 top-2), 3 = [0,0] (head 2 top-1 under node 1).
    const t = buildTree([[0, 0], [1], [0]]);
    expect(t.size).toBe(4);
    expect(t.paths).toEqual([[0], [1], [0, 0]]);
    expect([...t.parents]).toEqual([-1, 0, 0, 1]);
    expect([...t.depths]).toEqual([0, 1, 1, 2]);
    expect([...t.positionOffsets]).toEqual([0, 1, 1, 2]);
    expect([...t.ranks]).toEqual([-1, 0, 1, 0]);
    expect(t.children).toEqual([[1, 2], [3], [], []]);
    expect(t.headTopK).toEqual([2, 1]);
    // Each row sees the root, its ancestors and itself.
    expect([...t.attentionBias]).toEqual([
      0, NEG, NEG, NEG,
      0, 0, NEG, NEG,
      0, NEG, 0, NEG,
      0, 0, NEG, 0,
    ]);
    expect([...t.leaves]).toEqual([2, 3]);
    expect([...t.retrieveIndices]).toEqual([
      0, 2, -1,
      0, 1, 3,
    ]);
    expect(pathTo(t, 3)).toEqual([0, 1, 3]);
  });

  it('prepends the cached past to the bias and the positions', () => {
    const t = buildTree([[0], [1], [0, 0]]);
    expect([...treeAttentionBias(t, 2)]).toEqual([
      0, 0, 0, NEG, NEG, NEG,
      0, 0, 0, 0, NEG, NEG,
      0, 0, 0, NEG, 0, NEG,
      0, 0, 0, 0, NEG, 0,
    ]);
    expect(treePositionIds(t, 5)).toEqual([5, 6, 6, 7]);
  });

  it('caches one object per canonical spec', () => {
    expect(buildTree([[1], [0]])).toBe(buildTree([[0], [1]]));
  });

  it('keeps the buffers of the last TREE_CACHE_SHAPES shapes used, and no more', () => {
    // wide one-level trees of distinct sizes: shapes no other test builds
    const spec = (i: number) => Array.from({ length: 20 + i }, (_, r) => [r]);
    const first = buildTree(spec(0));
    const kept = buildTree(spec(1));
    for (let i = 2; i < TREE_CACHE_SHAPES + 2; i++) {
      buildTree(spec(i));
      expect(buildTree(spec(1))).toBe(kept); // a hit makes it the most recently used
    }
    // TREE_CACHE_SHAPES + 1 shapes since `first` was last used: it was evicted and is rebuilt equal
    const again = buildTree(spec(0));
    expect(again).not.toBe(first);
    expect(again).toEqual(first);
    expect(buildTree(spec(1))).toBe(kept);
  });

  it('says whether a tree is a chain', () => {
    expect(chainTree(1).isChain).toBe(true);
    expect(chainTree(4).isChain).toBe(true);
    expect(buildTree([[0], [0, 0], [0, 0, 0]]).isChain).toBe(true);
    expect(buildTree([[0], [1]]).isChain).toBe(false);
    expect(buildTree([[1], [0], [0, 0]]).isChain).toBe(false);
    expect(buildTree([[0], [0, 1]]).isChain).toBe(true); // the shape decides, not the ranks
    expect(buildTree([[0], [0, 0], [1]]).isChain).toBe(false);
  });

  it('numbers a chain as node i = draft i with a causal bias', () => {
    const t = chainTree(3);
    expect([...t.parents]).toEqual([-1, 0, 1, 2]);
    expect([...t.attentionBias]).toEqual([
      0, NEG, NEG, NEG,
      0, 0, NEG, NEG,
      0, 0, 0, NEG,
      0, 0, 0, 0,
    ]);
    expect([...t.retrieveIndices]).toEqual([0, 1, 2, 3]);
  });

  it('builds a tree from parent indices, siblings ranked in the order given', () => {
    const a = treeFromParents([-1, 0, 0, 2]);
    expect(a.tree).toBe(buildTree([[0], [1], [1, 0]]));
    expect([...a.nodeOf]).toEqual([0, 1, 2, 3]);
    // node 2 (under node 1) sorts after node 3 (a second child of the root)
    const b = treeFromParents([-1, 0, 1, 0]);
    expect(b.tree.paths).toEqual([[0], [1], [0, 0]]);
    expect([...b.nodeOf]).toEqual([0, 1, 3, 2]);
    for (let i = 1; i < 4; i++) expect(b.tree.parents[b.nodeOf[i]!]).toBe(b.nodeOf[[-1, 0, 1, 0][i]!]);
    expect(() => treeFromParents([-1])).toThrow(/at least one node under it/);
    expect(() => treeFromParents([0, 0])).toThrow(/root \(-1\) first/);
    expect(() => treeFromParents([-1, 0, 3, 1])).toThrow(/node 2 has parent 3; a parent is an earlier node \(0 \.\. 1\)/);
  });

  it('fills node tokens from per-head candidate lists', () => {
    const t = buildTree([[0], [1], [0, 0]]);
    expect([...treeTokensFromHeads(t, 9, [[5, 6], [7]])]).toEqual([9, 5, 6, 7]);
    expect(() => treeTokensFromHeads(t, 9, [[5], [7]])).toThrow(/needs 2 candidates from head 1, got 1/);
  });
});

describe('DEFAULT_TREES', () => {
  for (const [name, { spec, why }] of Object.entries(DEFAULT_TREES)) {
    it(`${name} validates for 4 heads and matches its name`, () => {
      const t = buildTree(spec, { numHeads: 4 });
      expect(why.length).toBeGreaterThan(10);
      const [shape, n] = name.split('-') as [string, string];
      if (shape === 'tree') expect(t.size).toBe(Number(n));
      else expect(t.size).toBe(Number(n) + 1); // chain-k: k drafts + root
      // Every row of the bias sees exactly depth + 1 nodes (root..itself).
      for (let r = 0; r < t.size; r++) {
        const seen = t.attentionBias.slice(r * t.size, (r + 1) * t.size).filter((v) => v === 0).length;
        expect(seen).toBe(t.depths[r]! + 1);
      }
    });
  }

  it('has the advertised sizes', () => {
    const sizes = (Object.keys(DEFAULT_TREES) as DefaultTreeName[]).map((n) => buildTree(DEFAULT_TREES[n].spec).size);
    expect(sizes).toEqual([2, 3, 4, 5, 8, 12, 16]);
  });
});

describe('validateTreeSpec', () => {
  const bad: [string, unknown, RegExp][] = [
    ['empty', [], /tree is empty/],
    ['not a list', 'tree-8', /tree is empty/],
    ['empty path', [[0], []], /path #1 is \[\].*root is implicit/],
    ['negative rank', [[0], [0, -1]], /\[0,-1\]: rank at depth 2 is -1; ranks are integers >= 0/],
    ['fractional rank', [[0.5]], /rank at depth 1 is 0\.5/],
    ['duplicate', [[0], [1], [0]], /\[0\] appears twice \(#0 and #2\)/],
    ['missing parent', [[0], [1, 0, 0]], /\[1,0,0\] needs its parent \[1,0\], which is not in the tree/],
  ];
  for (const [what, spec, message] of bad) {
    it(`rejects ${what}`, () => expect(() => validateTreeSpec(spec)).toThrow(message));
  }

  it('rejects paths deeper than the heads available', () => {
    expect(() => validateTreeSpec([[0], [0, 0], [0, 0, 0]], { numHeads: 2 })).toThrow(
      /\[0,0,0\] has depth 3 but only 2 draft heads are available/,
    );
  });

  it('rejects too many nodes', () => {
    const spec = Array.from({ length: 64 }, (_, i) => [i]);
    expect(() => validateTreeSpec(spec)).toThrow(/65 nodes .* more than the limit of 64/);
    expect(() => validateTreeSpec([[0], [1], [2]], { maxNodes: 3 })).toThrow(/4 nodes .* limit of 3/);
  });
});
