/**
 * The property that matters: a speculative decode step emits tokens distributed exactly as
 * autoregressive sampling from the target. Toy target and draft "models" (random tables
 * over V = 3..4) feed a toy step (draft -> target distributions per node -> verify), and
 * enumerate() gives the exact joint law of the first two emitted tokens, which must be
 * p(a) * p(b | a). Greedy steps must reproduce the target's argmax sequence.
 */

import { describe, expect, it } from 'vitest';
import { distribution, enumerate, rngChooser, type Chooser } from '../src/engine/decoding/choice.ts';
import { Rng } from '../src/engine/decoding/rng.ts';
import { argmax } from '../src/engine/decoding/sampling.ts';
import { buildTree, chainTree, pathTo, treeTokensFromHeads, type Tree, type TreeSpec } from '../src/engine/decoding/tree.ts';
import { verifyChainGreedy, verifyChainSampling, type DraftDist } from '../src/engine/verify/chain.ts';
import { verifyTreeGreedy, verifyTreeSampling } from '../src/engine/verify/tree.ts';
import { expectSameDist, mixedDraft, tableModel, topN, type ToyModel } from './helpers/toy.ts';

/** One decode step: emits the accepted drafts and the final token. */
type Step = (ctx: readonly number[], c: Chooser) => number[];

function chainStep(target: ToyModel, draft: ToyModel, k: number, drafting: 'sampled' | 'top1'): Step {
  return (ctx, c) => {
    const drafts: number[] = [];
    const q: DraftDist[] = [];
    for (let i = 0; i < k; i++) {
      const qi = draft([...ctx, ...drafts]);
      drafts.push(drafting === 'sampled' ? c.sample(qi) : argmax(qi));
      q.push(drafting === 'sampled' ? qi : null);
    }
    const p = Array.from({ length: k + 1 }, (_, i) => target([...ctx, ...drafts.slice(0, i)]));
    return verifyChainSampling(drafts, q, p, c).emitted;
  };
}

/** The context after node n: ctx plus the tokens on the root-to-n path (root excluded). */
const contextAt = (tree: Tree, tokens: ArrayLike<number>, ctx: readonly number[], n: number) => [
  ...ctx,
  ...pathTo(tree, n).slice(1).map((a) => tokens[a]!),
];

/**
 * A tree drafted by the draft model, node by node in node order (parents first):
 * 'top-n' takes the rank-r token of the draft at the parent (deterministic, q = null);
 * 'iid' samples every child independently from the draft at the parent (q = that draft).
 */
function treeStep(target: ToyModel, draft: ToyModel, spec: TreeSpec, drafting: 'top-n' | 'iid'): Step {
  const tree = buildTree(spec);
  return (ctx, c) => {
    const tokens = new Array<number>(tree.size).fill(0);
    const q: DraftDist[] = [null];
    for (let n = 1; n < tree.size; n++) {
      const qd = draft(contextAt(tree, tokens, ctx, tree.parents[n]!));
      tokens[n] = drafting === 'iid' ? c.sample(qd) : topN(qd, tree.ranks[n]! + 1)[tree.ranks[n]!]!;
      q.push(drafting === 'iid' ? qd : null);
    }
    const p = Array.from({ length: tree.size }, (_, n) => target(contextAt(tree, tokens, ctx, n)));
    return verifyTreeSampling(tree, tokens, q, p, c).emitted;
  };
}

/** Medusa-style: head d guesses the token d steps past the root from the context alone. */
function headsStep(target: ToyModel, heads: ToyModel[], spec: TreeSpec): Step {
  const tree = buildTree(spec, { numHeads: heads.length });
  return (ctx, c) => {
    const candidates = heads.map((h, d) => topN(h(ctx), tree.headTopK[d] ?? 0));
    const tokens = treeTokensFromHeads(tree, 0, candidates);
    const p = Array.from({ length: tree.size }, (_, n) => target(contextAt(tree, tokens, ctx, n)));
    return verifyTreeSampling(tree, tokens, Array.from(tokens, () => null), p, c).emitted;
  };
}

/** Exact law of the first two emitted tokens, running a second step if the first emitted one. */
function firstTwo(step: Step, ctx: readonly number[]): Map<string, number> {
  return distribution(
    enumerate((c) => {
      const e = step(ctx, c);
      if (e.length >= 2) return [e[0]!, e[1]!];
      return [e[0]!, step([...ctx, e[0]!], c)[0]!];
    }),
  );
}

function autoregressive(target: ToyModel, ctx: readonly number[]): Map<string, number> {
  const m = new Map<string, number>();
  const pa = target(ctx);
  pa.forEach((a, i) => {
    if (a > 0) target([...ctx, i]).forEach((b, j) => b > 0 && m.set(JSON.stringify([i, j]), a * b));
  });
  return m;
}

function models(seed: number, V: number) {
  const target = tableModel(seed, V);
  // Half the cases draft from a model close to the target, half from an unrelated one.
  const draft = seed % 2 ? mixedDraft(target, tableModel(seed + 1000, V), 0.6) : tableModel(seed + 2000, V);
  const head2 = tableModel(seed + 3000, V);
  const ctx = [seed % V, (seed * 7) % V];
  return { target, draft, head2, ctx };
}

describe('speculative decode steps sample exactly from the target (first two tokens)', () => {
  for (let seed = 1; seed <= 6; seed++) {
    for (const V of [3, 4]) {
      const { target, draft, head2, ctx } = models(seed, V);
      const want = autoregressive(target, ctx);
      it(`chain, sampled and top-1 drafts, k = 1..${V === 3 ? 3 : 2} (seed ${seed}, V ${V})`, () => {
        for (let k = 1; k <= (V === 3 ? 3 : 2); k++) {
          expectSameDist(firstTwo(chainStep(target, draft, k, 'sampled'), ctx), want);
          expectSameDist(firstTwo(chainStep(target, draft, k, 'top1'), ctx), want);
        }
      });
      it(`tree from the draft's top-n, from i.i.d. draft samples, and from heads (seed ${seed}, V ${V})`, () => {
        expectSameDist(firstTwo(treeStep(target, draft, [[0], [1], [0, 0], [0, 1], [1, 0]], 'top-n'), ctx), want);
        expectSameDist(firstTwo(treeStep(target, draft, [[0], [1], [0, 0]], 'iid'), ctx), want);
        expectSameDist(firstTwo(headsStep(target, [draft, head2], [[0], [1], [0, 0], [1, 0]]), ctx), want);
      });
    }
  }

  it('would catch a wiring bug: a top-1 draft verified with the full draft distribution', () => {
    let checked = 0;
    for (let seed = 1; seed <= 10; seed++) {
      const { target, draft, ctx } = models(seed, 3);
      // A one-hot draft really is deterministic, and a one-hot target admits only one answer.
      if (Math.max(...draft(ctx)) === 1 || Math.max(...target(ctx)) === 1) continue;
      checked++;
      const wrong: Step = (cx, c) => {
        const q = draft(cx);
        return verifyChainSampling([argmax(q)], [q], [target(cx), target([...cx, argmax(q)])], c).emitted;
      };
      const got = firstTwo(wrong, ctx);
      const want = autoregressive(target, ctx);
      const tv = [...new Set([...got.keys(), ...want.keys()])].reduce((s, k) => s + Math.abs((got.get(k) ?? 0) - (want.get(k) ?? 0)), 0) / 2;
      expect(tv).toBeGreaterThan(0.01);
    }
    expect(checked).toBeGreaterThan(3);
  });
});

describe('greedy verification reproduces the autoregressive argmax sequence', () => {
  const LENGTH = 12;

  function decode(step: (ctx: number[]) => number[], ctx: number[]): number[] {
    const out = [...ctx];
    while (out.length < ctx.length + LENGTH) out.push(...step(out));
    return out.slice(0, ctx.length + LENGTH);
  }

  for (let seed = 1; seed <= 10; seed++) {
    it(`seed ${seed}`, () => {
      const V = 3 + (seed % 3);
      const { target, draft, ctx } = models(seed, V);
      const reference = decode((cx) => [argmax(target(cx))], ctx);
      const oneHot = (d: Float64Array) => d.map((_, i) => (i === argmax(d) ? 1 : 0));

      const chain = (k: number) => (cx: number[]) => {
        const drafts: number[] = [];
        for (let i = 0; i < k; i++) drafts.push(argmax(draft([...cx, ...drafts])));
        const am = Array.from({ length: k + 1 }, (_, i) => argmax(target([...cx, ...drafts.slice(0, i)])));
        return verifyChainGreedy(drafts, am).emitted;
      };
      const tree = buildTree([[0], [1], [2], [0, 0], [0, 1], [1, 0], [0, 0, 0]]);
      const treeTokens = (cx: number[]) => {
        const tokens = new Array<number>(tree.size).fill(0);
        for (let n = 1; n < tree.size; n++) {
          tokens[n] = topN(draft(contextAt(tree, tokens, cx, tree.parents[n]!)), V)[tree.ranks[n]!]!;
        }
        return tokens;
      };
      const treeGreedy = (cx: number[]) => {
        const tokens = treeTokens(cx);
        return verifyTreeGreedy(tree, tokens, tokens.map((_, n) => argmax(target(contextAt(tree, tokens, cx, n))))).emitted;
      };
      // Temperature 0 makes p one-hot; the sampling verifier must then agree with greedy.
      const c = rngChooser(new Rng(seed));
      const treeSampling = (cx: number[]) => {
        const tokens = treeTokens(cx);
        const p = tokens.map((_, n) => oneHot(target(contextAt(tree, tokens, cx, n))));
        return verifyTreeSampling(tree, tokens, tokens.map(() => null), p, c).emitted;
      };

      for (const k of [1, 2, 4]) expect(decode(chain(k), ctx)).toEqual(reference);
      expect(decode(treeGreedy, ctx)).toEqual(reference);
      expect(decode(treeSampling, ctx)).toEqual(reference);
      expect(chainTree(1).size).toBe(2);
    });
  }
});
