/**
 * The drafter seam a dynamic-tree drafter (EAGLE-2) relies on: a drafter that proposes a new
 * tree of random shape every step stays lossless (greedy == autoregressive), and commit()
 * receives exactly what the target kept (the prompt after the prefill, then the root and the
 * accepted drafts) with the target's hidden states there, which a plain causal forward over
 * the same tokens reproduces.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';

import type { AcceptedPath, Draft, DraftRequest, DraftSkip, Drafter } from '../src/engine/drafters/types.ts';
import { EMPTY_INFO } from '../src/engine/drafters/types.ts';
import { generate, type LoadedModel } from '../src/engine/index.ts';
import { speculativeGenerate } from '../src/engine/decoding/speculative.ts';
import { Rng } from '../src/engine/decoding/rng.ts';
import { treeFromParents } from '../src/engine/decoding/tree.ts';
import { causalBias } from '../src/engine/runtime/lm.ts';
import { loadTestModel, TOL } from './model-paths.ts';

const PROMPTS = ['The old man walked down to the river and', 'def count(items):\n    total = 0\n'];
const NEW = 48;
const MAX_DEPTH = 5;
const MAX_NODES = 12;

let model: LoadedModel;
beforeAll(async () => {
  model = await loadTestModel([]);
}, 60_000);
afterAll(async () => {
  await model?.release();
});

interface Commit {
  start: number;
  tokens: number[];
  hidden: Float32Array;
  /** The context at commit time: it must end with tokens and then the new pending token. */
  context: number[];
}

/**
 * A drafter that grows a random tree every step (random parents, at most MAX_NODES nodes and
 * maxDepth deep) and puts the greedy reference's next tokens on one random root path for a
 * random number of levels, so some steps accept a branch other than node order's first (the
 * KV gather) and some accept nothing. Every other node gets a random token.
 */
function randomTreeDrafter(seed: number, promptLength: number, want: readonly number[]) {
  const rng = new Rng(seed);
  const int = (n: number) => Math.floor(rng.uniform() * n);
  const V = model.config.vocab_size;
  const commits: Commit[] = [];
  const seen: Float32Array[] = [];
  const shapes = new Set<string>();
  const drafter: Drafter = {
    name: 'heads-tree',
    maxDepth: MAX_DEPTH,
    async draft(req: DraftRequest): Promise<Draft | DraftSkip> {
      seen.push(req.hidden.slice());
      const size = 2 + int(MAX_NODES - 1);
      const parents = [-1];
      const depth = [0];
      for (let i = 1; i < size; i++) {
        const open = depth.flatMap((d, n) => (d < req.maxDepth ? [n] : []));
        const p = open[int(open.length)]!;
        parents.push(p);
        depth.push(depth[p]! + 1);
      }
      const { tree, nodeOf } = treeFromParents(parents);
      shapes.add(JSON.stringify(tree.paths));
      const nodeTokens = new Array<number>(tree.size);
      for (let i = 0; i < size; i++) nodeTokens[nodeOf[i]!] = int(V);
      nodeTokens[0] = req.context[req.context.length - 1]!;
      // the reference continuation on the path to a random node, for its first `right` levels
      const done = req.context.length - promptLength;
      const path: number[] = [];
      for (let a = int(size); a > 0; a = parents[a]!) path.unshift(a);
      const right = int(path.length + 1);
      path.slice(0, right).forEach((a, j) => (nodeTokens[nodeOf[a]!] = want[done + j]!));
      return { tree, nodeTokens, q: nodeTokens.map(() => null), info: nodeTokens.map(() => EMPTY_INFO), forwards: 0 };
    },
    commit(a: AcceptedPath) {
      commits.push({ start: a.start, tokens: [...a.tokens], hidden: a.hidden.slice(), context: [...a.context] });
    },
    reset() {},
  };
  return { drafter, commits, seen, shapes };
}

/** Largest |a - b| over two equal-length arrays. */
function maxDiff(a: Float32Array, b: Float32Array): number {
  expect(a.length).toBe(b.length);
  let m = 0;
  for (let i = 0; i < a.length; i++) m = Math.max(m, Math.abs(a[i]! - b[i]!));
  return m;
}

describe('the drafter seam', () => {
  for (const [i, prompt] of PROMPTS.entries()) {
    it(`a new random tree every step stays lossless and commit sees the kept tokens and their hidden states (prompt ${i + 1})`, async () => {
      const opts = { maxTokens: NEW, stopAtEos: false };
      const want = (await generate(model, prompt, opts)).tokens;
      const promptIds = (await speculativeGenerate(model, null, prompt, { ...opts, maxTokens: 1 })).promptIds;
      const { drafter, commits, seen, shapes } = randomTreeDrafter(7 + i, promptIds.length, want);
      const r = await speculativeGenerate(model, drafter, prompt, opts);
      expect(r.tokens).toEqual(want);

      // the test walked what it claims: many shapes, trees, and accepted branches off node order
      const decode = r.steps.slice(1);
      expect(shapes.size).toBeGreaterThan(decode.length / 2);
      expect(decode.some((s) => s.verify.acceptedNodes.some((n, j) => n !== j))).toBe(true);
      expect(decode.some((s) => s.verify.acceptLength >= 2)).toBe(true);

      // one commit per step, the prefill's first: exactly the tokens the target kept
      expect(commits).toHaveLength(r.steps.length);
      expect(commits[0]!.start).toBe(0);
      expect(commits[0]!.tokens).toEqual(promptIds);
      let fed: number[] = [...promptIds];
      for (const [j, s] of decode.entries()) {
        const c = commits[j + 1]!;
        expect(c.start).toBe(s.kvBefore);
        expect(c.tokens).toEqual([s.draft!.nodeTokens[0]!, ...s.verify.acceptedTokens]);
        expect(c.start + c.tokens.length).toBe(s.kvAfter);
        fed = [...fed, ...c.tokens];
      }
      for (const c of commits) {
        expect(c.context.slice(c.start, c.start + c.tokens.length)).toEqual(c.tokens);
        expect(c.context).toHaveLength(c.start + c.tokens.length + 1);
      }
      expect(fed).toEqual([...promptIds, ...r.tokens.slice(0, fed.length - promptIds.length)]);

      // the hidden rows are the target's at those positions: one plain causal forward over everything fed
      const C = model.base.nEmbd;
      const cache = model.base.newCache();
      try {
        const plain = await model.base.forward(fed, fed.map((_, p) => p), causalBias(fed.length, 0), cache); // hidden [T, C]
        for (const c of commits) {
          expect(c.hidden).toHaveLength(c.tokens.length * C);
          const rows = plain.hidden.subarray(c.start * C, (c.start + c.tokens.length) * C);
          expect(maxDiff(c.hidden, rows), `rows ${c.start}..${c.start + c.tokens.length - 1}`).toBeLessThan(TOL);
        }
      } finally {
        cache.release();
      }
      // and each draft request's hidden is the previous commit's last row, as the heads read it
      expect(seen).toHaveLength(decode.length);
      seen.forEach((h, j) => {
        const c = commits[j]!;
        expect(maxDiff(h, c.hidden.subarray((c.tokens.length - 1) * C))).toBe(0);
      });
    }, 60_000);
  }
});
