/**
 * EAGLE chains, EAGLE-2 dynamic trees and the heads' sampled drafts keep the target's law
 * exactly: on a hand-built target and heads (helpers/table-lm.ts), every random decision of a
 * 3-token decode is enumerated through the real loop and the law of the tokens equals
 * autoregressive sampling's. A dynamic tree's siblings are its head's top-`branch`, fixed
 * before verification (q one-hot); a sampled chain hands the verifier the q it drew from.
 * Handing a sampled chain's verifier a q its drafts were not drawn from (the bug of
 * verifiers that recompute q elsewhere) is caught.
 */
import { describe, expect, it } from 'vitest';

import { createDrafter, type DrafterSettings } from '../src/engine/drafters/index.ts';
import type { Draft, DraftSkip, Drafter } from '../src/engine/drafters/types.ts';
import { toProbs, type SamplingParams } from '../src/engine/decoding/sampling.ts';
import { speculativeGenerate } from '../src/engine/decoding/speculative.ts';
import { enumerateAsync, logitsTable, tableModel, type LogitsTable } from './helpers/table-lm.ts';
import { EXACT_SEEDS } from './tiers.ts';

const V = 5;
const PROMPT = [0, 1, 2, 1];
const NEW = 3;

function tv(a: Map<string, number>, b: Map<string, number>): number {
  let d = 0;
  for (const k of new Set([...a.keys(), ...b.keys()])) d += Math.abs((a.get(k) ?? 0) - (b.get(k) ?? 0));
  return d / 2;
}

/** The exact law of NEW tokens sampled one by one from the target's table. */
function autoregressiveLaw(table: LogitsTable, s: SamplingParams): Map<string, number> {
  const law = new Map<string, number>();
  const walk = (prefix: number[], out: number[], prob: number) => {
    if (out.length === NEW) {
      law.set(JSON.stringify(out), prob);
      return;
    }
    toProbs(table(prefix), s).forEach((p, t) => p > 0 && walk([...prefix, t], [...out, t], prob * p));
  };
  walk(PROMPT, [], 1);
  return law;
}

function speculativeLaw(model: ReturnType<typeof tableModel>, drafter: Drafter | null, s: SamplingParams, seen?: { trees: Set<string> }) {
  return enumerateAsync(async (chooser) => {
    const r = await speculativeGenerate(model, drafter, { ids: PROMPT }, { ...s, maxTokens: NEW, stopAtEos: false, chooser });
    for (const st of r.steps) if (st.draft) seen?.trees.add(JSON.stringify(st.draft.tree));
    return JSON.stringify(r.tokens);
  });
}

/** The bug: sampled drafts handed to the verifier with a q they were not drawn from (here uniform). */
function otherQ(inner: Drafter): Drafter {
  return {
    name: inner.name,
    maxDepth: inner.maxDepth,
    commit: (c) => inner.commit(c),
    reset: () => inner.reset(),
    async draft(req): Promise<Draft | DraftSkip> {
      const d = await inner.draft(req);
      return 'skipped' in d ? d : { ...d, q: d.q.map((q) => (q ? new Float64Array(V).fill(1 / V) : null)) };
    },
  };
}

const SAMPLING: { name: string; s: SamplingParams }[] = [
  { name: 'T = 1', s: { temperature: 1, topK: 0, topP: 1 } },
  { name: 'T = 0.7, top-p 0.9', s: { temperature: 0.7, topK: 0, topP: 0.9 } },
];

const DRAFTERS: DrafterSettings[] = [
  { drafter: 'eagle', k: 1 },
  { drafter: 'eagle', k: 2 },
  { drafter: 'eagle-tree', k: 2, branch: 2, draftTokens: 3 },
  { drafter: 'eagle-tree', k: 3, branch: 2, draftTokens: 5 },
  { drafter: 'eagle-tree', k: 2, branch: 3, draftTokens: 6 },
  { drafter: 'heads', k: 2, sampleDrafts: true },
];

describe('EAGLE and sampled head drafts keep the autoregressive law (exact enumeration through the loop)', () => {
  for (const seed of EXACT_SEEDS) {
    for (const { name, s } of SAMPLING) {
      it(`seed ${seed}, ${name}: eagle chains, eagle-tree dynamic trees, heads with sampled drafts`, async () => {
        const model = tableModel(seed, V);
        const want = autoregressiveLaw(logitsTable(seed, V), s);
        for (const cfg of DRAFTERS) {
          const seen = { trees: new Set<string>() };
          const got = await speculativeLaw(model, createDrafter(model, cfg), s, seen);
          expect(tv(got, want), JSON.stringify(cfg)).toBeLessThan(1e-9);
          // a dynamic tree really is dynamic: its shape changes with what the head believes
          if (cfg.drafter === 'eagle-tree' && cfg.branch! > 1 && cfg.draftTokens! > cfg.branch!) expect(seen.trees.size, JSON.stringify(cfg)).toBeGreaterThan(1);
        }
      });
    }
  }

  it('sampled drafts verified with a q they were not drawn from are not lossless: the check can fail', async () => {
    let worst = 0;
    for (const seed of EXACT_SEEDS) {
      const { s } = SAMPLING[0]!;
      const model = tableModel(seed, V);
      const want = autoregressiveLaw(logitsTable(seed, V), s);
      for (const cfg of [{ drafter: 'eagle', k: 2 }, { drafter: 'heads', k: 2, sampleDrafts: true }] as const) {
        const got = await speculativeLaw(model, otherQ(createDrafter(model, cfg)!), s);
        worst = Math.max(worst, tv(got, want));
      }
    }
    expect(worst).toBeGreaterThan(0.01);
  });

  it("heads' sampled drafts carry their q; one-hot drafts stay the default", async () => {
    const model = tableModel(3, V);
    const s = SAMPLING[0]!.s;
    const sampled = await speculativeGenerate(model, createDrafter(model, { drafter: 'heads', k: 2, sampleDrafts: true }), { ids: PROMPT }, { ...s, maxTokens: 6, stopAtEos: false, seed: 1 });
    const plain = await speculativeGenerate(model, createDrafter(model, { drafter: 'heads', k: 2 }), { ids: PROMPT }, { ...s, maxTokens: 6, stopAtEos: false, seed: 1 });
    const drafted = (r: typeof sampled) => r.steps.flatMap((st) => st.draft?.nodes.slice(1) ?? []);
    expect(drafted(sampled).length).toBeGreaterThan(0);
    expect(drafted(sampled).every((n) => n.u !== null)).toBe(true);
    expect(drafted(plain).every((n) => n.u === null)).toBe(true);
  });
});
