/** Token provenance chips and the identical-output check (src/ui/tokens.ts), on hand-made steps. */
import { describe, expect, it } from 'vitest';
import type { TraceStep } from '../src/engine/trace/trace.ts';
import type { DraftDecision, FinalToken } from '../src/engine/verify/chain.ts';
import { compareOutputs, outputChips, stepChips, tokenText } from '../src/ui/tokens.ts';

/** A decode step with the given tree, node tokens, decisions and final token; only what stepChips reads is real. */
function step(index: number, tree: number[][], nodeTokens: number[], decisions: DraftDecision[], acceptedNodes: number[], final: FinalToken, emitted?: number[]): TraceStep {
  const acceptedTokens = acceptedNodes.slice(1).map((n) => nodeTokens[n]!);
  const all = [...acceptedTokens, final.token];
  return {
    index,
    kind: 'decode',
    kvBefore: 10,
    kvAfter: 10 + all.length,
    maxDepth: 3,
    draft: { tree, nodeTokens, nodes: nodeTokens.map(() => ({ q: null, top: null, u: null })), forwards: 1 },
    target: { nodes: nodeTokens.map(() => ({ top: [], pToken: null })), dist: 'softmax' },
    verify: { method: 'chain-greedy', lossy: false, acceptLength: acceptedTokens.length, acceptedNodes, acceptedTokens, emitted: all, decisions, final },
    emitted: emitted ?? all,
    text: '',
    forwards: { target: 1, draft: 1 },
  };
}

const match = (node: number, parent: number, depth: number, token: number, accepted: boolean): DraftDecision => ({
  kind: 'match', node, parent, depth, token, targetArgmax: accepted ? token : 99, accepted,
});

describe('stepChips', () => {
  it('chain: drafts [the, cat, sat], 2 accepted, correction dog -> the¹ cat² [sat]✗ dog!', () => {
    const s = step(
      4,
      [[0], [0, 0], [0, 0, 0]],
      [1, 10, 11, 12],
      [match(1, 0, 1, 10, true), match(2, 1, 2, 11, true), match(3, 2, 3, 12, false)],
      [0, 1, 2],
      { kind: 'correction', token: 20, node: 2, source: 'argmax', u: null },
    );
    expect(stepChips(s)).toEqual([
      { kind: 'accepted', token: 10, step: 4, depth: 1 },
      { kind: 'accepted', token: 11, step: 4, depth: 2 },
      { kind: 'rejected', token: 12, step: 4, depth: 3 },
      { kind: 'correction', token: 20, step: 4, depth: null },
    ]);
  });

  it('chain fully accepted: the last token is a bonus', () => {
    const s = step(1, [[0]], [1, 10], [match(1, 0, 1, 10, true)], [0, 1], { kind: 'bonus', token: 30, node: 1, source: 'argmax', u: null });
    expect(stepChips(s).map((c) => c.kind)).toEqual(['accepted', 'bonus']);
  });

  it('tree: a refused sibling shows before the token that took its place; off-path refusals do not show', () => {
    // root -> [a (rank 0), b (rank 1)], a -> [c]; a refused, b accepted, then b has no children: bonus.
    const s = step(
      2,
      [[0], [1], [0, 0]],
      [1, 10, 11, 12],
      [match(1, 0, 1, 10, false), match(2, 0, 1, 11, true)],
      [0, 2],
      { kind: 'bonus', token: 40, node: 2, source: 'argmax', u: null },
    );
    expect(stepChips(s).map((c) => `${c.kind}:${c.token}`)).toEqual(['rejected:10', 'accepted:11', 'bonus:40']);
  });

  it('a step without drafts emits a target token; a cut at max tokens drops the tail', () => {
    const s = step(3, [[0], [0, 0]], [1, 10, 11], [match(1, 0, 1, 10, true), match(2, 1, 2, 11, true)], [0, 1, 2], { kind: 'bonus', token: 50, node: 2, source: 'argmax', u: null }, [10]);
    expect(stepChips(s).map((c) => c.kind)).toEqual(['accepted']);
    const plain = { ...s, draft: null, verify: { ...s.verify, acceptLength: 0, acceptedNodes: [0], acceptedTokens: [], decisions: [], emitted: [7] }, emitted: [7] };
    expect(stepChips(plain)).toEqual([{ kind: 'target', token: 7, step: 3, depth: null }]);
    expect(outputChips([plain, s], 0)).toHaveLength(1);
  });
});

describe('compareOutputs and tokenText', () => {
  it('finds the first difference, or a length difference', () => {
    expect(compareOutputs([1, 2, 3], [1, 2, 3])).toEqual({ identical: true, firstDiff: null, lengths: [3, 3] });
    expect(compareOutputs([1, 2, 3], [1, 5, 3]).firstDiff).toBe(1);
    expect(compareOutputs([1, 2], [1, 2, 3]).firstDiff).toBe(2);
  });
  it('shows whitespace and falls back to ids', () => {
    expect(tokenText([' a\n', '\t'], 0)).toBe('·a↵');
    expect(tokenText(null, 7)).toBe('#7');
    expect(tokenText(['x'], 3)).toBe('#3');
  });
});
