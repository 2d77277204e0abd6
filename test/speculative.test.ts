/**
 * Greedy speculative decoding is lossless: for every drafter, every chain length 1..K and
 * every default tree, EAGLE chains 1..8 and dynamic trees of several depths and sizes, the emitted tokens equal plain autoregressive greedy decoding token
 * for token, on held-out prompts of every suite. Plus the loop's bookkeeping: KV lengths,
 * forward counts, the adaptive draft-length schedule, stop reasons, abort.
 *
 * The fast tier gives each config one prompt of each suite, a different one per config, so
 * the sweep still walks through the suites; `npm run test:lossless` gives every config every
 * prompt (tiers.ts).
 */
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';

import { createDrafter, type DrafterSettings } from '../src/engine/drafters/index.ts';
import { EMPTY_INFO, type Draft, type Drafter, type DraftRequest, type DraftSkip } from '../src/engine/drafters/types.ts';
import { generate, type LoadedModel } from '../src/engine/index.ts';
import { preparePrompt } from '../src/engine/decoding/prompt.ts';
import { speculativeGenerate } from '../src/engine/decoding/speculative.ts';
import { parsePromptSuites, SUITE_NAMES, type PromptSuites, type SuitePrompt } from '../src/engine/bench/suites.ts';
import { chainTree, DEFAULT_TREES } from '../src/engine/decoding/tree.ts';
import { loadTestModel, MODEL_DIR } from './model-paths.ts';
import { LOSSLESS_PROMPTS, LOSSLESS_TOKENS as NEW_TOKENS } from './tiers.ts';

let model: LoadedModel;
let suites: PromptSuites;
/** One prompt of each suite, for the bookkeeping tests. */
let some: SuitePrompt[];
const references = new Map<string, Promise<number[]>>();

/** Greedy autoregressive tokens for a prompt, decoded once per file. */
function reference(p: Pick<SuitePrompt, 'id' | 'text'>): Promise<number[]> {
  let r = references.get(p.id);
  if (!r) {
    r = generate(model, p.text, { maxTokens: NEW_TOKENS, stopAtEos: false }).then((g) => g.tokens);
    references.set(p.id, r);
  }
  return r;
}

beforeAll(async () => {
  model = await loadTestModel();
  suites = parsePromptSuites(readFileSync(join(MODEL_DIR, 'prompts.json'), 'utf8'));
  some = SUITE_NAMES.map((name) => suites[name][0]!);
}, 120_000);

afterAll(async () => {
  await model?.release();
});

function configs(): DrafterSettings[] {
  const K = model.config.heads.num_heads;
  const out: DrafterSettings[] = [{ drafter: 'none' }];
  for (let k = 1; k <= K; k++) {
    out.push({ drafter: 'heads', k }, { drafter: 'draft-model', k }, { drafter: 'prompt-lookup', k });
  }
  for (const tree of Object.keys(DEFAULT_TREES) as (keyof typeof DEFAULT_TREES)[]) out.push({ drafter: 'heads-tree', tree });
  for (let k = 1; k <= 8; k++) out.push({ drafter: 'eagle', k });
  // dynamic trees: depth k, branch children per expanded node, draftTokens kept (a chain when branch is 1)
  for (const [k, branch, draftTokens] of [[1, 3, 3], [2, 2, 3], [3, 1, 3], [3, 2, 6], [4, 2, 6], [4, 3, 10], [6, 4, 16], [8, 2, 12]] as const) {
    out.push({ drafter: 'eagle-tree', k, branch, draftTokens });
  }
  return out;
}

/**
 * Config i's prompts: LOSSLESS_PROMPTS of each suite, starting at i * LOSSLESS_PROMPTS and
 * wrapping, so consecutive configs see different prompts; all of them once that covers the suite.
 */
function promptsFor(i: number): SuitePrompt[] {
  return SUITE_NAMES.flatMap((name) => {
    const all = suites[name];
    if (LOSSLESS_PROMPTS >= all.length) return all;
    return Array.from({ length: LOSSLESS_PROMPTS }, (_, j) => all[(i * LOSSLESS_PROMPTS + j) % all.length]!);
  });
}

/**
 * A chain drafter that follows a script, for checking the loop's schedule by hand: at decode
 * step i it proposes maxDepth tokens of which the first plan[i] are the greedy reference's
 * next tokens and the rest wrong ('all': every one right; 'skip': no draft). It records the
 * maxDepth the loop allowed it.
 */
function scriptedDrafter(maxDepth: number, promptLength: number, want: number[], plan: Array<number | 'all' | 'skip'>): Drafter & { allowed: number[] } {
  const V = model.config.vocab_size;
  const allowed: number[] = [];
  return {
    name: 'prompt-lookup',
    maxDepth,
    allowed,
    async draft(req: DraftRequest): Promise<Draft | DraftSkip> {
      const entry = plan[allowed.length] ?? 'skip';
      allowed.push(req.maxDepth);
      if (entry === 'skip') return { skipped: 'no-match' };
      const done = req.context.length - promptLength; // tokens emitted so far
      const right = entry === 'all' ? req.maxDepth : Math.min(entry, req.maxDepth);
      // the reference token plus one is never the target's argmax there
      const drafts = Array.from({ length: req.maxDepth }, (_, j) => (j < right ? want[done + j]! : (want[done + j]! + 1) % V));
      const nodeTokens = [req.context[req.context.length - 1]!, ...drafts];
      return { tree: chainTree(drafts.length), nodeTokens, q: nodeTokens.map(() => null), info: nodeTokens.map(() => EMPTY_INFO), forwards: 0 };
    },
    commit() {},
    reset() {},
  };
}

describe('greedy speculative decoding is lossless', () => {
  it('gives every config prompts of every suite, and the fast tier different prompts per config', () => {
    const cfgs = configs();
    for (let i = 0; i < cfgs.length; i++) {
      const ps = promptsFor(i);
      for (const name of SUITE_NAMES) {
        expect(ps.filter((p) => p.suite === name)).toHaveLength(Math.min(LOSSLESS_PROMPTS, suites[name].length));
      }
    }
    const seen = new Set(cfgs.flatMap((_, i) => promptsFor(i).map((p) => p.id)));
    for (const name of SUITE_NAMES) {
      const inSuite = suites[name].filter((p) => seen.has(p.id)).length;
      expect(inSuite, `${name}: prompts the sweep decodes`).toBe(Math.min(suites[name].length, cfgs.length * LOSSLESS_PROMPTS));
    }
  });

  it('every drafter, k and tree emits exactly the autoregressive tokens', async () => {
    const mismatches: string[] = [];
    let steps = 0;
    let runs = 0;
    for (const [i, cfg] of configs().entries()) {
      const drafter = createDrafter(model, cfg);
      for (const p of promptsFor(i)) {
        const r = await speculativeGenerate(model, drafter, p.text, { maxTokens: NEW_TOKENS, stopAtEos: false });
        steps += r.steps.length;
        runs++;
        const want = await reference(p);
        if (JSON.stringify(r.tokens) !== JSON.stringify(want)) {
          let at = 0;
          while (r.tokens[at] === want[at]) at++;
          mismatches.push(`${JSON.stringify(cfg)} on ${p.id}: first difference at token ${at}`);
        }
        // every emitted token is accounted for by some step, and forwards match steps
        expect(r.steps.reduce((n, s) => n + s.emitted.length, 0)).toBe(r.tokens.length);
        expect(r.forwards.target).toBe(r.steps.length);
      }
    }
    expect(mismatches).toEqual([]);
    expect(runs).toBe(configs().length * SUITE_NAMES.reduce((n, name) => n + Math.min(LOSSLESS_PROMPTS, suites[name].length), 0));
    expect(steps).toBeGreaterThan(runs);
  }, 900_000);

  it('adaptive draft length stays lossless with every chain drafter', async () => {
    for (const cfg of [{ drafter: 'heads', k: 4 }, { drafter: 'eagle', k: 6 }, { drafter: 'draft-model', k: 6 }, { drafter: 'prompt-lookup', k: 6 }] as const) {
      const drafter = createDrafter(model, cfg);
      for (const p of some) {
        const r = await speculativeGenerate(model, drafter, p.text, { maxTokens: NEW_TOKENS, stopAtEos: false, adaptive: true });
        expect(r.tokens, `${cfg.drafter} adaptive on ${p.id}`).toEqual(await reference(p));
      }
    }
  }, 300_000);

  it('adaptive draft length follows the schedule: +2 after a fully accepted chain, -1 otherwise, within [1, k]', async () => {
    const p = { id: 'schedule', text: 'In the beginning' };
    // 40 tokens whatever the tier's decode length: the plan below needs that many
    const want = (await generate(model, p.text, { maxTokens: 40, stopAtEos: false })).tokens;
    const promptLength = preparePrompt(model.tokenizer, model.config.n_positions, p.text).length;
    // Worked by hand with k = 4. Step: drafts allowed, right drafts -> next allowance.
    //  1: 4, all -> 4 (6, capped)   2: 4, 0 -> 3   3: 3, 0 -> 2   4: 2, 1 of 2 -> 1
    //  5: 1, all -> 3   6: 3, no draft -> 3   7: 3, all -> 4 (5, capped)   8: 4, 0 -> 3
    //  9: 3, 0 -> 2   10: 2, 0 -> 1   11: 1, 0 -> 1 (floor)   12: 1, 1 of 1 -> 3   13: 3, all -> 4
    const plan: Array<number | 'all' | 'skip'> = ['all', 0, 0, 1, 'all', 'skip', 'all', 0, 0, 0, 0, 2, 'all'];
    const allowed = [4, 4, 3, 2, 1, 3, 3, 4, 3, 2, 1, 1, 3];
    const accepted = [4, 0, 0, 1, 1, null, 3, 0, 0, 0, 0, 1, 3];
    const drafter = scriptedDrafter(4, promptLength, want, plan);
    const r = await speculativeGenerate(model, drafter, p.text, { maxTokens: 40, stopAtEos: false, adaptive: true });
    expect(r.tokens).toEqual(want.slice(0, 40));
    const decode = r.steps.filter((s) => s.kind === 'decode');
    expect(decode.slice(0, plan.length).map((s) => s.maxDepth)).toEqual(allowed);
    expect(decode.slice(0, plan.length).map((s) => (s.draft ? s.verify.acceptLength : null))).toEqual(accepted);
    // past the script every step is undrafted, so the allowance stays at 4
    expect(decode.slice(plan.length).map((s) => s.maxDepth)).toEqual(decode.slice(plan.length).map(() => 4));
    expect(drafter.allowed).toEqual(decode.map((s) => s.maxDepth));
    // without adaptive, every step may draft the drafter's full depth
    const fixed = scriptedDrafter(4, promptLength, want, plan);
    const r2 = await speculativeGenerate(model, fixed, p.text, { maxTokens: 40, stopAtEos: false });
    expect(r2.tokens).toEqual(want.slice(0, 40));
    expect(new Set(fixed.allowed)).toEqual(new Set([4]));
  });

  it('confidence stopping stays lossless and cuts drafts below p_min', async () => {
    for (const name of ['heads', 'eagle', 'draft-model'] as const) {
      // p_min at the median of the drafter's own probabilities, so it must cut some drafts
      const free = createDrafter(model, { drafter: name, k: 4 });
      const qs: number[] = [];
      for (const p of some) {
        const r = await speculativeGenerate(model, free, p.text, { maxTokens: NEW_TOKENS, stopAtEos: false });
        for (const s of r.steps) for (const n of s.draft?.nodes.slice(1) ?? []) qs.push(n.q!);
      }
      qs.sort((a, b) => a - b);
      const cfg = { drafter: name, k: 4, pMin: Math.min(0.999, qs[Math.floor(qs.length / 2)]!) };
      const drafter = createDrafter(model, cfg);
      let stopped = 0;
      for (const p of some) {
        const r = await speculativeGenerate(model, drafter, p.text, { maxTokens: NEW_TOKENS, stopAtEos: false });
        expect(r.tokens, `${cfg.drafter} p_min on ${p.id}`).toEqual(await reference(p));
        for (const s of r.steps) {
          // every drafted token was at least p_min likely to its drafter; a short chain says why
          for (const n of s.draft?.nodes.slice(1) ?? []) expect(n.q!).toBeGreaterThanOrEqual(cfg.pMin);
          if (s.draft?.stoppedBy === 'confidence' || s.skipped === 'confidence') stopped++;
        }
      }
      expect(stopped, `${cfg.drafter}: p_min ${cfg.pMin} never stopped a draft`).toBeGreaterThan(0);
    }
  }, 300_000);

  it("drafter 'none' is generate(): same tokens, one target forward per token", async () => {
    const p = some[0]!;
    const r = await speculativeGenerate(model, null, p.text, { maxTokens: 16, stopAtEos: false });
    expect(r.tokens).toEqual((await reference(p)).slice(0, 16));
    expect(r.forwards.target).toBe(16);
    for (const s of r.steps.slice(1)) expect(s.kvAfter).toBe(s.kvBefore + 1);
  });

  it('keeps the KV cache equal to the accepted context after every step', async () => {
    const drafter = createDrafter(model, { drafter: 'heads-tree', tree: 'tree-12' });
    const r = await speculativeGenerate(model, drafter, some[0]!.text, { maxTokens: 40, stopAtEos: false });
    let fed = r.promptIds.length; // after prefill: the prompt is cached, the first token pending
    for (const s of r.steps.slice(1)) {
      expect(s.kvBefore).toBe(fed);
      fed += s.verify.acceptLength + 1; // the root and the accepted drafts
      expect(s.kvAfter).toBe(fed);
    }
  });

  it('sampling with the same seed gives the same tokens; a different seed, different ones', async () => {
    const drafter = createDrafter(model, { drafter: 'heads', k: 3 });
    const opts = { maxTokens: 32, temperature: 1, stopAtEos: false };
    const a = await speculativeGenerate(model, drafter, some[0]!.text, { ...opts, seed: 7 });
    const b = await speculativeGenerate(model, drafter, some[0]!.text, { ...opts, seed: 7 });
    const c = await speculativeGenerate(model, drafter, some[0]!.text, { ...opts, seed: 8 });
    expect(b.tokens).toEqual(a.tokens);
    expect(JSON.stringify(b.steps.map((s) => s.verify))).toBe(JSON.stringify(a.steps.map((s) => s.verify)));
    expect(c.tokens).not.toEqual(a.tokens);
  });

  it('an aborted run stops between steps and the next run is unaffected', async () => {
    const drafter = createDrafter(model, { drafter: 'draft-model', k: 3 });
    const ctl = new AbortController();
    const p = some[0]!;
    const r = await speculativeGenerate(model, drafter, p.text, {
      maxTokens: NEW_TOKENS, stopAtEos: false, signal: ctl.signal,
      onStep: (s) => { if (s.index === 2) ctl.abort(); },
    });
    expect(r.stopReason).toBe('aborted');
    expect(r.steps.length).toBe(3);
    const again = await speculativeGenerate(model, drafter, p.text, { maxTokens: NEW_TOKENS, stopAtEos: false });
    expect(again.tokens).toEqual(await reference(p));
  });

  it('typical acceptance is refused for greedy and flagged lossy when sampling', async () => {
    const drafter = createDrafter(model, { drafter: 'heads', k: 2 });
    await expect(speculativeGenerate(model, drafter, 'x', { maxTokens: 4, acceptance: 'typical' })).rejects.toThrow(/temperature/);
    const r = await speculativeGenerate(model, drafter, some[0]!.text, { maxTokens: 8, temperature: 1, acceptance: 'typical', stopAtEos: false });
    expect(r.lossy).toBe(true);
  });
});
