/**
 * Candidate trees as data. A tree is a list of index paths, as Medusa's `medusa_choices`:
 * [[0],[1],[0,0]] is the root (the last emitted token) with two children (head 1's top-1
 * and top-2) and a grandchild under the first (head 2's top-1). The path's i-th index is
 * the rank among head i+1's candidates. buildTree validates a spec and turns it, once per
 * shape, into the buffers a verify forward and the verifiers need. A drafter may build a new
 * tree every step (dynamic trees): the buffers are cached per shape, the last
 * TREE_CACHE_SHAPES shapes used, so a repeated shape costs nothing and memory stays bounded.
 *
 * Node order is Medusa's: the root, then paths sorted by depth, then lexicographically, so
 * every parent precedes its children and a chain of k drafts is nodes 0..k in order.
 */

export type TreeSpec = readonly (readonly number[])[];

export interface Tree {
  /** Canonical spec (sorted), one path per non-root node: paths[n - 1] is node n's path. */
  readonly paths: TreeSpec;
  /** N: root + one node per path; the number of tokens in the verify forward. */
  readonly size: number;
  /** [N] parent node index; -1 for the root. */
  readonly parents: Int32Array;
  /** [N] depth (root 0); also the position offset of each node: position = P + depth. */
  readonly depths: Int32Array;
  /** [N] rank among the parent's candidates (the path's last index); -1 for the root. */
  readonly ranks: Int32Array;
  /** Children of each node, ordered by rank. */
  readonly children: readonly (readonly number[])[];
  /** [N, N] attention bias: 0 where row node may see column node (root, ancestors, itself), else -Infinity. Callers prepend P zeros per row for the past. */
  readonly attentionBias: Float32Array;
  /** [N] position offsets (= depths), for position_ids = P + offset. */
  readonly positionOffsets: Int32Array;
  /** Deepest path length (number of heads used). */
  readonly maxDepth: number;
  /** [maxDepth] candidates head d+1 must supply: 1 + the largest rank at depth d+1. */
  readonly headTopK: readonly number[];
  /** True when the tree is a chain: node n's parent is n - 1 (the verifiers' chain rules apply). */
  readonly isChain: boolean;
  /** Leaf node indices, in node order. */
  readonly leaves: Int32Array;
  /** [leaves, maxDepth + 1] root-to-leaf node paths, padded with -1 (Medusa's retrieve_indices). */
  readonly retrieveIndices: Int32Array;
}

export interface TreeLimits {
  /** Draft heads available: the deepest allowed path. */
  numHeads?: number;
  /** Largest N (root included) the caller will run in one verify forward. */
  maxNodes?: number;
}

/** A verify forward of 64 tokens costs several times a 1-token one; past that a tree cannot pay for itself here. */
export const MAX_TREE_NODES = 64;

const show = (path: readonly number[]) => `[${path.join(',')}]`;

function compareIndexPaths(a: readonly number[], b: readonly number[]): number {
  if (a.length !== b.length) return a.length - b.length;
  for (let i = 0; i < a.length; i++) if (a[i] !== b[i]) return a[i]! - b[i]!;
  return 0;
}

/** Throws, naming the offending path, unless `spec` is a well-formed tree within `limits`. */
export function validateTreeSpec(spec: unknown, limits: TreeLimits = {}): asserts spec is TreeSpec {
  const maxNodes = limits.maxNodes ?? MAX_TREE_NODES;
  if (!Array.isArray(spec) || spec.length === 0) {
    throw new Error('tree is empty: expected a non-empty list of index paths such as [[0],[1],[0,0]]');
  }
  const seen = new Map<string, number>();
  spec.forEach((path: unknown, i) => {
    if (!Array.isArray(path) || path.length === 0) {
      throw new Error(`tree path #${i} is ${JSON.stringify(path)}: expected a non-empty list of ranks; the root is implicit, so do not list it`);
    }
    path.forEach((r: unknown, d) => {
      if (!(typeof r === 'number' && Number.isInteger(r) && r >= 0)) {
        throw new Error(`tree path #${i} ${JSON.stringify(path)}: rank at depth ${d + 1} is ${JSON.stringify(r)}; ranks are integers >= 0 (0 = the head's top-1)`);
      }
    });
    const key = show(path);
    const before = seen.get(key);
    if (before !== undefined) throw new Error(`tree path ${key} appears twice (#${before} and #${i}); list each node once`);
    seen.set(key, i);
    if (limits.numHeads !== undefined && path.length > limits.numHeads) {
      throw new Error(`tree path ${key} has depth ${path.length} but only ${limits.numHeads} draft heads are available; use paths of at most ${limits.numHeads} indices`);
    }
  });
  for (const path of spec as number[][]) {
    if (path.length > 1 && !seen.has(show(path.slice(0, -1)))) {
      throw new Error(`tree path ${show(path)} needs its parent ${show(path.slice(0, -1))}, which is not in the tree; add the parent or drop this path`);
    }
  }
  if (spec.length + 1 > maxNodes) {
    throw new Error(`tree has ${spec.length + 1} nodes (root + ${spec.length} paths), more than the limit of ${maxNodes}; drop the lowest-ranked paths`);
  }
}

/** Tree shapes whose buffers are kept; a dynamic drafter's shapes past these are rebuilt when they come back. */
export const TREE_CACHE_SHAPES = 32;

/** Least recently used first: a Map iterates in insertion order, and a hit is re-inserted. */
const cache = new Map<string, Tree>();

/** Validated, cached buffers for `spec`. The returned object is shared: do not mutate it. */
export function buildTree(spec: TreeSpec, limits: TreeLimits = {}): Tree {
  validateTreeSpec(spec, limits);
  const paths = [...spec].map((p) => [...p]).sort(compareIndexPaths);
  const key = JSON.stringify(paths);
  const hit = cache.get(key);
  if (hit) {
    cache.delete(key);
    cache.set(key, hit);
    return hit;
  }

  const N = paths.length + 1;
  const index = new Map<string, number>(paths.map((p, i) => [show(p), i + 1]));
  const parents = new Int32Array(N).fill(-1);
  const depths = new Int32Array(N);
  const ranks = new Int32Array(N).fill(-1);
  const children: number[][] = Array.from({ length: N }, () => []);
  const maxDepth = paths[paths.length - 1]!.length;
  const headTopK = new Array<number>(maxDepth).fill(0);
  paths.forEach((p, i) => {
    const n = i + 1;
    const parent = p.length === 1 ? 0 : index.get(show(p.slice(0, -1)))!;
    parents[n] = parent;
    depths[n] = p.length;
    ranks[n] = p[p.length - 1]!;
    children[parent]!.push(n); // sorted order puts siblings in rank order
    headTopK[p.length - 1] = Math.max(headTopK[p.length - 1]!, p[p.length - 1]! + 1);
  });

  const attentionBias = new Float32Array(N * N).fill(-Infinity); // [N, N]
  for (let n = 0; n < N; n++) {
    for (let a = n; a >= 0; a = parents[a]!) attentionBias[n * N + a] = 0;
  }

  const leafList: number[] = [];
  for (let n = 0; n < N; n++) if (children[n]!.length === 0) leafList.push(n);
  const leaves = Int32Array.from(leafList);
  const retrieveIndices = new Int32Array(leaves.length * (maxDepth + 1)).fill(-1); // [L, maxDepth + 1]
  leaves.forEach((leaf, l) => {
    for (let a = leaf; a >= 0; a = parents[a]!) retrieveIndices[l * (maxDepth + 1) + depths[a]!] = a;
  });

  const tree: Tree = {
    paths,
    size: N,
    parents,
    depths,
    ranks,
    children,
    attentionBias,
    positionOffsets: depths,
    maxDepth,
    headTopK,
    isChain: parents.every((p, n) => p === n - 1),
    leaves,
    retrieveIndices,
  };
  cache.set(key, tree);
  if (cache.size > TREE_CACHE_SHAPES) cache.delete(cache.keys().next().value!);
  return tree;
}

/**
 * A tree given as parent indices, as a dynamic drafter grows one: parents[i] is node i's
 * parent (-1 for the root, which must be node 0; parents before children), and siblings rank
 * in the order they are listed. nodeOf[i] is input node i's index in the tree's node order.
 * e.g. [-1, 0, 0, 2] -> paths [[0], [1], [1, 0]], nodeOf [0, 1, 2, 3];
 *      [-1, 0, 1, 0] -> paths [[0], [0, 0], [1]] sorted to [[0], [1], [0, 0]], nodeOf [0, 1, 3, 2].
 */
export function treeFromParents(parents: readonly number[], limits: TreeLimits = {}): { tree: Tree; nodeOf: Int32Array } {
  if (parents.length < 2 || parents[0] !== -1) {
    throw new Error(`tree parents ${JSON.stringify(parents)}: expected the root (-1) first and at least one node under it`);
  }
  const paths: number[][] = [[]];
  const childCount = new Array<number>(parents.length).fill(0);
  for (let i = 1; i < parents.length; i++) {
    const p = parents[i]!;
    if (!(Number.isInteger(p) && p >= 0 && p < i)) {
      throw new Error(`tree parents: node ${i} has parent ${p}; a parent is an earlier node (0 .. ${i - 1})`);
    }
    paths[i] = [...paths[p]!, childCount[p]!++];
  }
  const tree = buildTree(paths.slice(1), limits);
  const index = new Map(tree.paths.map((p, n) => [show(p), n + 1]));
  const nodeOf = Int32Array.from(paths, (p, i) => (i === 0 ? 0 : index.get(show(p))!));
  return { tree, nodeOf };
}

/** The bias a verify forward takes, [N, P+N] row-major: P zeros (the cached past) then the tree's row. */
export function treeAttentionBias(tree: Tree, P: number): Float32Array {
  const N = tree.size;
  const W = P + N;
  const bias = new Float32Array(N * W); // [N, P+N]
  for (let n = 0; n < N; n++) bias.set(tree.attentionBias.subarray(n * N, (n + 1) * N), n * W + P);
  return bias;
}

/** position_ids of the tree's nodes when P tokens are cached: P + depth. */
export function treePositionIds(tree: Tree, P: number): number[] {
  return Array.from(tree.positionOffsets, (d) => P + d);
}

/** Root-to-node path of node indices: pathTo(tree, n)[0] === 0, last === n. */
export function pathTo(tree: Tree, node: number): number[] {
  const out: number[] = [];
  for (let a = node; a >= 0; a = tree.parents[a]!) out.push(a);
  return out.reverse();
}

/** The spec of a chain of k drafts: [[0],[0,0],...]; node i is draft i. */
export function chainSpec(k: number): TreeSpec {
  if (!(Number.isInteger(k) && k >= 1)) throw new Error(`a chain needs k >= 1 drafts, got ${k}`);
  return Array.from({ length: k }, (_, i) => new Array<number>(i + 1).fill(0));
}

export function chainTree(k: number): Tree {
  return buildTree(chainSpec(k));
}

/**
 * Node tokens for a Medusa-style tree: node n's token is head depth(n)'s candidate of rank
 * ranks[n], independent of its parent (the heads all read the same hidden state).
 * headCandidates[d] lists head d+1's tokens by rank and needs at least headTopK[d] of them.
 */
export function treeTokensFromHeads(tree: Tree, rootToken: number, headCandidates: readonly (readonly number[])[]): Int32Array {
  tree.headTopK.forEach((k, d) => {
    const have = headCandidates[d]?.length ?? 0;
    if (have < k) throw new Error(`tree needs ${k} candidates from head ${d + 1}, got ${have}; take top-${k} of that head`);
  });
  const tokens = new Int32Array(tree.size); // [N]
  tokens[0] = rootToken;
  for (let n = 1; n < tree.size; n++) tokens[n] = headCandidates[tree.depths[n]! - 1]![tree.ranks[n]!]!;
  return tokens;
}

/**
 * Default trees, named by N (tokens in the verify forward, root included). Measured verify
 * cost: 1 token ~2.8 ms, 5 ~3.6 ms, 16 ~7 ms, so a few extra nodes are nearly free and 16
 * costs 2.5x a plain decode step. Branches follow Medusa's greedy-accuracy order (rank 0
 * of early heads first) and reach head 4 once the cheap shallow nodes are in.
 */
export const DEFAULT_TREES = {
  'chain-1': { spec: chainSpec(1), why: 'one draft, for the weakest drafters: 2 tokens cost about one plain step' },
  'chain-2': { spec: chainSpec(2), why: 'two drafts in a line' },
  'chain-3': { spec: chainSpec(3), why: 'three drafts in a line' },
  'chain-4': { spec: chainSpec(4), why: 'every head top-1, the longest chain 4 heads allow: 5 tokens cost ~1.3x one' },
  'tree-8': {
    spec: [[0], [1], [2], [0, 0], [0, 1], [1, 0], [0, 0, 0]],
    why: "Medusa's first 7 choices: three guesses for the next token, two for the one after; ~1.6x a plain step",
  },
  'tree-12': {
    spec: [[0], [1], [2], [3], [0, 0], [0, 1], [0, 2], [1, 0], [0, 0, 0], [0, 0, 1], [0, 0, 0, 0]],
    why: 'tree-8 plus a 4th guess for the next token, a 3rd for the one after, a 2nd at depth 3 and the full-depth top-1 path; ~2x a plain step',
  },
  'tree-16': {
    spec: [
      [0], [1], [2], [3], [4], [0, 0], [0, 1], [0, 2], [0, 3], [1, 0], [2, 0],
      [0, 0, 0], [0, 0, 1], [0, 1, 0], [0, 0, 0, 0],
    ],
    why: 'the widest tree worth its cost here: 16 tokens ~2.5x a plain step, so it needs ~2.5 tokens per step to win',
  },
} as const satisfies Record<string, { spec: TreeSpec; why: string }>;

export type DefaultTreeName = keyof typeof DEFAULT_TREES;
