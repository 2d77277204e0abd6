/**
 * The EAGLE head against PyTorch (eagle.json fixtures): the prefill over the base's features
 * and three draft steps through its own KV cache, within 1e-4; then the drafter built on it
 * drafts the fixture's greedy chain from commit()'s hidden rows, in k single runs and in one
 * run of the loop graph alike, and rolls its cache back.
 */
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';

import { causalBias, type LoadedModel } from '../src/engine/index.ts';
import { createDrafter } from '../src/engine/drafters/index.ts';
import { EagleDrafter } from '../src/engine/drafters/eagle.ts';
import { rngChooser } from '../src/engine/decoding/choice.ts';
import { Rng } from '../src/engine/decoding/rng.ts';
import { FIXTURES_DIR, fixtureTensor, loadTestModel, maxAbsDiff, TOL, type TensorRef } from './model-paths.ts';
import type { Draft, DraftSkip } from '../src/engine/drafters/types.ts';

interface EagleGolden {
  prefill: { prefix_ids: number[]; root_token: number; input_ids: number[]; position_ids: number[]; features: TensorRef; logits: TensorRef; hidden_states: TensorRef };
  draft: { tokens: number[]; steps: Array<{ position_id: number; input_id: number; logits: TensorRef; hidden_states: TensorRef }> };
}

let model: LoadedModel;
let g: EagleGolden;
beforeAll(async () => {
  model = await loadTestModel(['eagle']);
  g = JSON.parse(readFileSync(join(FIXTURES_DIR, 'eagle.json'), 'utf8')) as EagleGolden;
}, 60_000);
afterAll(async () => {
  await model?.release();
});

const isDraft = (d: Draft | DraftSkip): d is Draft => !('skipped' in d);

describe('EAGLE head against PyTorch', () => {
  it('prefill and every draft step: logits and hidden states within 1e-4', async () => {
    const head = model.eagle!;
    const C = head.nEmbd;
    const pre = g.prefill;
    const T = pre.input_ids.length;
    const cache = head.newCache();
    let out = await head.forward(pre.input_ids, pre.position_ids, causalBias(T, 0), cache, fixtureTensor(pre.features));
    const diffs = [maxAbsDiff(out.logits, fixtureTensor(pre.logits)), maxAbsDiff(out.hidden, fixtureTensor(pre.hidden_states))];
    let h = out.hidden.slice((T - 1) * C);
    for (const step of g.draft.steps) {
      out = await head.forward([step.input_id], [step.position_id], causalBias(1, cache.length), cache, h);
      diffs.push(maxAbsDiff(out.logits, fixtureTensor(step.logits)), maxAbsDiff(out.hidden, fixtureTensor(step.hidden_states)));
      h = out.hidden.slice();
    }
    console.info(`eagle max |diff| ${Math.max(...diffs).toExponential(2)} over ${diffs.length / 2} runs`);
    for (const d of diffs) expect(d).toBeLessThan(TOL);
    expect(cache.length).toBe(T + g.draft.steps.length);
    cache.release();
  });

  it('refuses a forward without features, or with the wrong number of them', async () => {
    const head = model.eagle!;
    const cache = head.newCache();
    await expect(head.forward([1], [0], causalBias(1, 0), cache)).rejects.toThrow(new RegExp(`expected features \\[T, C\\] = \\[1, ${head.nEmbd}\\]`));
    await expect(head.forward([1], [0], causalBias(1, 0), cache, new Float32Array(3))).rejects.toThrow(/found 3 values/);
    await expect(model.base.forward([1], [0], causalBias(1, 0), model.base.newCache(), new Float32Array(head.nEmbd))).rejects.toThrow(/expected no features/);
    cache.release();
  });

  it("the drafter drafts the fixture's greedy chain from commit()'s rows, and again after a rollback", async () => {
    const pre = g.prefill;
    const context = [...pre.prefix_ids, pre.root_token];
    const drafter = createDrafter(model, { drafter: 'eagle', k: g.draft.tokens.length })!;
    const features = fixtureTensor(pre.features);
    drafter.commit({ context, start: 0, tokens: pre.prefix_ids, hidden: features });
    const req = {
      context,
      hidden: new Float32Array(0),
      maxDepth: 8,
      sampling: { temperature: 0, topK: 0, topP: 1 },
      chooser: rngChooser(new Rng(0)),
    };
    const first = await drafter.draft(req);
    expect(isDraft(first)).toBe(true);
    expect((first as Draft).nodeTokens.slice(1)).toEqual(g.draft.tokens);
    expect((first as Draft).forwards).toBe(1); // the loop graph: the feed and every step in one run
    // k single runs draft the same chain
    expect(model.eagleLoop).toBeDefined();
    const single = new EagleDrafter(model.eagle!, { kind: 'chain', k: g.draft.tokens.length });
    single.commit({ context, start: 0, tokens: pre.prefix_ids, hidden: features });
    const steps = (await single.draft(req)) as Draft;
    expect(steps.nodeTokens).toEqual((first as Draft).nodeTokens);
    expect(steps.forwards).toBe(g.draft.tokens.length);
    // drafting again with nothing new committed drops the draft rows and gives the same chain
    const again = (await single.draft(req)) as Draft;
    expect(again.nodeTokens).toEqual(steps.nodeTokens);
    // a commit that rewinds (a fresh prefill of a shorter prefix) re-feeds from there
    drafter.reset();
    const short = pre.prefix_ids.slice(0, 6);
    drafter.commit({ context: [...short, pre.prefix_ids[6]!], start: 0, tokens: short, hidden: features.slice(0, 6 * model.eagle!.nEmbd) });
    const other = (await drafter.draft({ ...req, context: [...short, pre.prefix_ids[6]!] })) as Draft;
    expect(other.nodeTokens[0]).toBe(pre.prefix_ids[6]);
    expect(() => drafter.commit({ context, start: 9, tokens: [1], hidden: new Float32Array(model.eagle!.nEmbd) })).toThrow(/features up to 6 only/);
  });

  it('sampling at a temperature, one run of the loop graph draws what k single runs draw from the same uniforms, with their q', async () => {
    const pre = g.prefill;
    const context = [...pre.prefix_ids, pre.root_token];
    const features = fixtureTensor(pre.features);
    const k = 4;
    const drafted = async (drafter: EagleDrafter, seed: number) => {
      drafter.commit({ context, start: 0, tokens: pre.prefix_ids, hidden: features });
      const chooser = rngChooser(new Rng(seed));
      const d = (await drafter.draft({ context, hidden: new Float32Array(0), maxDepth: 8, sampling: { temperature: 1, topK: 0, topP: 1 }, chooser })) as Draft;
      return { d, uniforms: chooser.draws.map((x) => x.u) };
    };
    let differ = 0;
    for (const seed of [1, 2, 3, 4, 5]) {
      const one = await drafted(new EagleDrafter(model.eagle!, { kind: 'chain', k }, 0, model.eagleLoop!), seed);
      const steps = await drafted(new EagleDrafter(model.eagle!, { kind: 'chain', k }), seed);
      expect(one.d.forwards).toBe(1);
      expect(steps.d.forwards).toBe(k);
      expect(one.uniforms).toEqual(steps.uniforms); // one uniform per draft, in order
      expect(one.d.nodeTokens).toEqual(steps.d.nodeTokens);
      for (let i = 1; i <= k; i++) {
        expect(one.d.info[i]!.u).toBe(steps.d.info[i]!.u);
        expect(maxAbsDiff(one.d.q[i]!, steps.d.q[i]!)).toBeLessThan(1e-5);
      }
      if (one.d.nodeTokens.slice(1).join() !== g.draft.tokens.join()) differ++;
    }
    // sampled, not the greedy chain every time
    expect(differ).toBeGreaterThan(0);
  });

  it('a dynamic tree grows branch children per expanded node and keeps the best draftTokens', async () => {
    const pre = g.prefill;
    const context = [...pre.prefix_ids, pre.root_token];
    const drafter = createDrafter(model, { drafter: 'eagle-tree', k: 4, branch: 2, draftTokens: 6 })!;
    drafter.commit({ context, start: 0, tokens: pre.prefix_ids, hidden: fixtureTensor(pre.features) });
    const d = (await drafter.draft({ context, hidden: new Float32Array(0), maxDepth: 8, sampling: { temperature: 0, topK: 0, topP: 1 }, chooser: rngChooser(new Rng(0)) })) as Draft;
    expect(d.tree.size).toBe(7);
    expect(d.forwards).toBe(4); // the feed, then one run per depth past the first
    expect(d.q.every((q) => q === null)).toBe(true);
    // the greedy spine is in the tree: the fixture's first two drafts, as a root-to-node path
    const first = d.tree.children[0]!.find((n) => d.nodeTokens[n] === g.draft.tokens[0]);
    expect(first).toBeDefined();
    expect(d.tree.children[first!]!.map((n) => d.nodeTokens[n])).toContain(g.draft.tokens[1]);
    // siblings are distinct and every node's path is at most 4 deep
    for (const kids of d.tree.children) expect(new Set(kids.map((n) => d.nodeTokens[n])).size).toBe(kids.length);
    expect(d.tree.maxDepth).toBeLessThanOrEqual(4);
  });
});
