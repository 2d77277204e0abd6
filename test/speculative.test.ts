/**
 * Greedy speculative decoding is lossless: for every drafter, every chain length 1..K and
 * every default tree, the emitted tokens equal plain autoregressive greedy decoding token
 * for token, on held-out prompts of both suites. Plus the loop's bookkeeping: KV lengths,
 * forward counts, stop reasons, abort.
 *
 * SPACE_LOSSLESS_PROMPTS (default 12 per suite) and SPACE_LOSSLESS_TOKENS (default 64) size
 * the sweep; `npm run test:lossless` runs it over every prompt.
 */
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';

import { createDrafter, type DrafterSettings } from '../src/engine/drafters/index.ts';
import { generate, type LoadedModel } from '../src/engine/index.ts';
import { speculativeGenerate } from '../src/engine/speculative.ts';
import { DEFAULT_TREES } from '../src/engine/tree.ts';
import { loadTestModel, MODEL_DIR } from './model-paths.ts';

const PER_SUITE = Number(process.env.SPACE_LOSSLESS_PROMPTS ?? 12);
const NEW_TOKENS = Number(process.env.SPACE_LOSSLESS_TOKENS ?? 64);

interface Suites {
  suites: Record<string, Array<{ id: string; text: string }>>;
}

let model: LoadedModel;
let prompts: Array<{ id: string; text: string }>;
const reference = new Map<string, number[]>();

beforeAll(async () => {
  model = await loadTestModel();
  const suites = JSON.parse(readFileSync(join(MODEL_DIR, 'prompts.json'), 'utf8')) as Suites;
  prompts = Object.values(suites.suites).flatMap((s) => s.slice(0, PER_SUITE));
  for (const p of prompts) {
    const r = await generate(model, p.text, { maxNewTokens: NEW_TOKENS, stopAtEos: false });
    reference.set(p.id, r.tokens);
  }
}, 300_000);

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
  return out;
}

describe('greedy speculative decoding is lossless', () => {
  it('has prompts from both suites', () => {
    expect(prompts.length).toBeGreaterThanOrEqual(2 * Math.min(PER_SUITE, 1));
  });

  it('every drafter, k and tree emits exactly the autoregressive tokens', async () => {
    const mismatches: string[] = [];
    let steps = 0;
    for (const cfg of configs()) {
      const drafter = createDrafter(model, cfg);
      for (const p of prompts) {
        const r = await speculativeGenerate(model, drafter, p.text, { maxNewTokens: NEW_TOKENS, stopAtEos: false });
        steps += r.steps.length;
        const want = reference.get(p.id)!;
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
    expect(steps).toBeGreaterThan(0);
  }, 600_000);

  it('adaptive draft length and confidence stopping stay lossless and behave as documented', async () => {
    const some = prompts.slice(0, 4);
    for (const cfg of [{ drafter: 'heads', k: 4 }, { drafter: 'draft-model', k: 6 }, { drafter: 'prompt-lookup', k: 6 }] as const) {
      const drafter = createDrafter(model, cfg);
      for (const p of some) {
        const r = await speculativeGenerate(model, drafter, p.text, { maxNewTokens: NEW_TOKENS, stopAtEos: false, adaptive: true });
        expect(r.tokens, `${cfg.drafter} adaptive on ${p.id}`).toEqual(reference.get(p.id));
        // Hugging Face's schedule: +2 after a fully accepted chain, -1 otherwise, within [1, k]
        const decode = r.steps.filter((s) => s.kind === 'decode');
        let k: number = cfg.k;
        for (const s of decode) {
          expect(s.maxDrafts).toBe(Math.min(k, model.config.n_positions - 1 - s.kvBefore));
          if (s.draft) k = s.verify.acceptLength === s.draft.nodeTokens.length - 1 ? Math.min(k + 2, cfg.k) : Math.max(1, k - 1);
        }
      }
    }
    for (const name of ['heads', 'draft-model'] as const) {
      // p_min at the median of the drafter's own probabilities, so it must cut some drafts
      const free = createDrafter(model, { drafter: name, k: 4 });
      const qs: number[] = [];
      for (const p of some) {
        const r = await speculativeGenerate(model, free, p.text, { maxNewTokens: NEW_TOKENS, stopAtEos: false });
        for (const s of r.steps) for (const n of s.draft?.nodes.slice(1) ?? []) qs.push(n.q!);
      }
      qs.sort((a, b) => a - b);
      const cfg = { drafter: name, k: 4, pMin: Math.min(0.999, qs[Math.floor(qs.length / 2)]!) };
      const drafter = createDrafter(model, cfg);
      let stopped = 0;
      for (const p of some) {
        const r = await speculativeGenerate(model, drafter, p.text, { maxNewTokens: NEW_TOKENS, stopAtEos: false });
        expect(r.tokens, `${cfg.drafter} p_min on ${p.id}`).toEqual(reference.get(p.id));
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
    const p = prompts[0]!;
    const r = await speculativeGenerate(model, null, p.text, { maxNewTokens: 16, stopAtEos: false });
    expect(r.tokens).toEqual(reference.get(p.id)!.slice(0, 16));
    expect(r.forwards.target).toBe(16);
    for (const s of r.steps.slice(1)) expect(s.kvAfter).toBe(s.kvBefore + 1);
  });

  it('keeps the KV cache equal to the accepted context after every step', async () => {
    const drafter = createDrafter(model, { drafter: 'heads-tree', tree: 'tree-12' });
    const r = await speculativeGenerate(model, drafter, prompts[0]!.text, { maxNewTokens: 40, stopAtEos: false });
    let fed = r.promptIds.length; // after prefill: the prompt is cached, the first token pending
    for (const s of r.steps.slice(1)) {
      expect(s.kvBefore).toBe(fed);
      fed += s.verify.acceptLength + 1; // the root and the accepted drafts
      expect(s.kvAfter).toBe(fed);
    }
  });

  it('sampling with the same seed gives the same tokens; a different seed, different ones', async () => {
    const drafter = createDrafter(model, { drafter: 'heads', k: 3 });
    const opts = { maxNewTokens: 32, temperature: 1, stopAtEos: false };
    const a = await speculativeGenerate(model, drafter, prompts[0]!.text, { ...opts, seed: 7 });
    const b = await speculativeGenerate(model, drafter, prompts[0]!.text, { ...opts, seed: 7 });
    const c = await speculativeGenerate(model, drafter, prompts[0]!.text, { ...opts, seed: 8 });
    expect(b.tokens).toEqual(a.tokens);
    expect(JSON.stringify(b.steps.map((s) => s.verify))).toBe(JSON.stringify(a.steps.map((s) => s.verify)));
    expect(c.tokens).not.toEqual(a.tokens);
  });

  it('an aborted run stops between steps and the next run is unaffected', async () => {
    const drafter = createDrafter(model, { drafter: 'draft-model', k: 3 });
    const ctl = new AbortController();
    const r = await speculativeGenerate(model, drafter, prompts[0]!.text, {
      maxNewTokens: NEW_TOKENS, stopAtEos: false, signal: ctl.signal,
      onStep: (s) => { if (s.index === 2) ctl.abort(); },
    });
    expect(r.stopReason).toBe('aborted');
    expect(r.steps.length).toBe(3);
    const again = await speculativeGenerate(model, drafter, prompts[0]!.text, { maxNewTokens: NEW_TOKENS, stopAtEos: false });
    expect(again.tokens).toEqual(reference.get(prompts[0]!.id));
  });

  it('typical acceptance is refused for greedy and flagged lossy when sampling', async () => {
    const drafter = createDrafter(model, { drafter: 'heads', k: 2 });
    await expect(speculativeGenerate(model, drafter, 'x', { maxNewTokens: 4, acceptance: 'typical' })).rejects.toThrow(/temperature/);
    const r = await speculativeGenerate(model, drafter, prompts[0]!.text, { maxNewTokens: 8, temperature: 1, acceptance: 'typical', stopAtEos: false });
    expect(r.lossy).toBe(true);
  });
});
