/**
 * The logits processors keep speculative decoding lossless.
 *  - Sampling, exactly: on a hand-built target, draft model and heads (helpers/table-lm.ts),
 *    every random decision of a 3-token decode is enumerated through the real loop, and the
 *    law of the tokens equals the autoregressive law with the processors applied, for a
 *    sampled chain (draft model, EAGLE), a tree (heads-tree, EAGLE's dynamic tree) and the
 *    deterministic drafters; with the
 *    drafter's q computed without the processors, it does not.
 *  - Greedy, on the real model: every drafter, several k and the default trees emit the
 *    autoregressive tokens under repetition_penalty, no_repeat_ngram_size and both.
 *  - The trace records both settings; a trace from before them reads as off.
 */
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';

import { createDrafter, type DrafterSettings } from '../src/engine/drafters/index.ts';
import type { Draft, DraftSkip, Drafter } from '../src/engine/drafters/types.ts';
import { generate, type LoadedModel } from '../src/engine/index.ts';
import { processLogits, type ProcessorSettings } from '../src/engine/decoding/processors.ts';
import { preparePrompt } from '../src/engine/decoding/prompt.ts';
import { toProbs, type SamplingParams } from '../src/engine/decoding/sampling.ts';
import { speculativeGenerate, type SpecOptions } from '../src/engine/decoding/speculative.ts';
import { buildTrace, parseTrace, replayTrace, traceToJson } from '../src/engine/trace/trace.ts';
import { decodeConfig, specOptionsOf } from '../src/engine/decoding/decode-config.ts';
import { DEFAULT_TREES, type DefaultTreeName } from '../src/engine/decoding/tree.ts';
import { enumerateAsync, logitsTable, tableModel, type LogitsTable } from './helpers/table-lm.ts';
import { EXACT_SEEDS } from './tiers.ts';
import { loadTestModel, MODEL_DIR } from './model-paths.ts';

const V = 5;
const PROMPT = [0, 1, 2, 1];
const NEW = 3;

/** Total variation distance between two laws (missing = 0). */
function tv(a: Map<string, number>, b: Map<string, number>): number {
  let d = 0;
  for (const k of new Set([...a.keys(), ...b.keys()])) d += Math.abs((a.get(k) ?? 0) - (b.get(k) ?? 0));
  return d / 2;
}

/** The exact law of NEW tokens sampled one by one from table, after the processors and the warpers. */
function autoregressiveLaw(table: LogitsTable, proc: ProcessorSettings, s: SamplingParams): Map<string, number> {
  const law = new Map<string, number>();
  const walk = (prefix: number[], out: number[], prob: number) => {
    if (out.length === NEW) {
      law.set(JSON.stringify(out), prob);
      return;
    }
    const row = Float32Array.from(table(prefix));
    processLogits(row, 0, V, prefix, proc);
    toProbs(row, s).forEach((p, t) => p > 0 && walk([...prefix, t], [...out, t], prob * p));
  };
  walk(PROMPT, [], 1);
  return law;
}

type TableModel = ReturnType<typeof tableModel>;

function speculativeLaw(model: TableModel, drafter: Drafter | null, opts: Omit<SpecOptions, 'maxTokens'>) {
  return enumerateAsync(async (chooser) => {
    const r = await speculativeGenerate(model, drafter, { ids: PROMPT }, { ...opts, maxTokens: NEW, stopAtEos: false, chooser });
    return JSON.stringify(r.tokens);
  });
}

/** The bug the processors invite: a drafter that draws from its processed q but reports the raw one. */
function rawQ(inner: Drafter, draftTable: LogitsTable, s: SamplingParams): Drafter {
  return {
    name: inner.name,
    maxDepth: inner.maxDepth,
    commit: (c) => inner.commit(c),
    reset: () => inner.reset(),
    async draft(req): Promise<Draft | DraftSkip> {
      const d = await inner.draft(req);
      if ('skipped' in d) return d;
      const q = d.q.map((_, n) => (n === 0 ? null : toProbs(draftTable([...req.context, ...d.nodeTokens.slice(1, n)]), s)));
      return { ...d, q };
    },
  };
}

const SAMPLING: { name: string; s: SamplingParams }[] = [
  { name: 'T = 1', s: { temperature: 1, topK: 0, topP: 1 } },
  { name: 'T = 0.7, top-k 3', s: { temperature: 0.7, topK: 3, topP: 1 } },
];
const PROCESSORS: { name: string; p: ProcessorSettings }[] = [
  { name: 'repetition_penalty 1.8', p: { repetitionPenalty: 1.8, noRepeatNgramSize: 0 } },
  { name: 'no_repeat_ngram_size 2', p: { repetitionPenalty: 1, noRepeatNgramSize: 2 } },
  { name: 'both', p: { repetitionPenalty: 1.5, noRepeatNgramSize: 2 } },
];
const SMALL_TREE = [[0], [1], [0, 0], [1, 0], [0, 1]];

describe('sampling with processors keeps the autoregressive law (exact enumeration through the loop)', () => {
  for (const seed of EXACT_SEEDS) {
    for (const { name: sname, s } of SAMPLING) {
      for (const { name: pname, p } of PROCESSORS) {
        it(`seed ${seed}, ${sname}, ${pname}: draft-model and eagle chains, heads-tree and eagle-tree, heads chain, prompt-lookup`, async () => {
          const model = tableModel(seed, V);
          const want = autoregressiveLaw(logitsTable(seed, V), p, s);
          // the processors really change the law here, so equality below says something
          expect(tv(want, autoregressiveLaw(logitsTable(seed, V), { repetitionPenalty: 1, noRepeatNgramSize: 0 }, s))).toBeGreaterThan(0.01);
          const opts = { ...s, ...p };
          const drafters: DrafterSettings[] = [
            { drafter: 'draft-model', k: 2 },
            { drafter: 'heads-tree', tree: SMALL_TREE },
            { drafter: 'heads', k: 2 },
            { drafter: 'eagle', k: 2 },
            { drafter: 'eagle-tree', k: 2, branch: 2, draftTokens: 4 },
            { drafter: 'prompt-lookup', k: 2 },
            { drafter: 'none' },
          ];
          for (const cfg of drafters) {
            const got = await speculativeLaw(model, createDrafter(model, cfg), opts);
            expect(tv(got, want), JSON.stringify(cfg)).toBeLessThan(1e-9);
          }
        });
      }
    }
  }

  it('fails when the draft model reports its q without the processors', async () => {
    let worst = 0;
    for (const seed of EXACT_SEEDS) {
      for (const { p } of PROCESSORS) {
        if (worst > 0.01) break;
        // full support: with top-k the raw q could miss the drawn token, which the verifier refuses outright
        const { s } = SAMPLING[0]!;
        const model = tableModel(seed, V);
        const want = autoregressiveLaw(logitsTable(seed, V), p, s);
        const wrong = rawQ(createDrafter(model, { drafter: 'draft-model', k: 2 })!, logitsTable(seed + 1000, V), s);
        const got = await speculativeLaw(model, wrong, { ...s, ...p });
        worst = Math.max(worst, tv(got, want));
      }
    }
    expect(worst).toBeGreaterThan(0.01);
  });
});

describe('the trace records the processors', () => {
  it('round-trips them, replays, and reads a trace without them as off', async () => {
    const model = tableModel(3, V);
    const config = decodeConfig({ drafter: 'draft-model', k: 2, temperature: 1, seed: 4, maxTokens: 8, stopAtEos: false, repetitionPenalty: 1.3, noRepeatNgramSize: 2 });
    const result = await speculativeGenerate(model, createDrafter(model, config), { ids: PROMPT }, specOptionsOf(config));
    const trace = buildTrace(result, config, model);
    expect(trace.config).toMatchObject({ repetitionPenalty: 1.3, noRepeatNgramSize: 2 });
    const json = traceToJson(trace, { timings: false });
    const back = parseTrace(json);
    expect(back.config).toEqual(trace.config);
    expect(replayTrace(back).tokens).toEqual(result.tokens);
    const old = JSON.parse(json) as { config: Record<string, unknown> };
    delete old.config.repetitionPenalty;
    delete old.config.noRepeatNgramSize;
    expect(parseTrace(JSON.stringify(old)).config).toMatchObject({ repetitionPenalty: 1, noRepeatNgramSize: 0 });
    old.config.noRepeatNgramSize = -1;
    expect(() => parseTrace(JSON.stringify(old))).toThrow(/config\.noRepeatNgramSize/);
  });
});

describe('greedy with processors: speculative equals autoregressive on the real model', () => {
  const TOKENS = 32;
  let model: LoadedModel;
  let prompts: { id: string; text: string }[];

  beforeAll(async () => {
    model = await loadTestModel();
    const suites = JSON.parse(readFileSync(join(MODEL_DIR, 'prompts.json'), 'utf8')) as { suites: Record<string, { id: string; text: string }[]> };
    prompts = Object.values(suites.suites).map((s) => s[0]!);
  }, 120_000);

  afterAll(async () => {
    await model?.release();
  });

  const SETTINGS: { name: string; p: ProcessorSettings }[] = [
    { name: 'repetition_penalty 1.3', p: { repetitionPenalty: 1.3, noRepeatNgramSize: 0 } },
    { name: 'no_repeat_ngram_size 3', p: { repetitionPenalty: 1, noRepeatNgramSize: 3 } },
    { name: 'both', p: { repetitionPenalty: 1.3, noRepeatNgramSize: 3 } },
  ];

  for (const { name, p } of SETTINGS) {
    it(`${name}: every drafter, k 1 and K, and the default trees`, async () => {
      const K = model.config.heads.num_heads;
      const configs: DrafterSettings[] = [{ drafter: 'none' }];
      for (const k of [1, K]) configs.push({ drafter: 'heads', k }, { drafter: 'eagle', k }, { drafter: 'draft-model', k }, { drafter: 'prompt-lookup', k });
      configs.push({ drafter: 'eagle-tree' }, { drafter: 'eagle-tree', k: 3, branch: 3, draftTokens: 9 });
      // the chain-* trees draft what heads k = 1..4 does
      for (const tree of Object.keys(DEFAULT_TREES) as DefaultTreeName[]) {
        if (!tree.startsWith('chain-')) configs.push({ drafter: 'heads-tree', tree });
      }
      const mismatches: string[] = [];
      let changed = 0;
      for (const prompt of prompts) {
        const opts = { maxTokens: TOKENS, stopAtEos: false, ...p };
        const want = (await generate(model, prompt.text, opts)).tokens;
        const plain = (await generate(model, prompt.text, { maxTokens: TOKENS, stopAtEos: false })).tokens;
        if (JSON.stringify(plain) !== JSON.stringify(want)) changed++;
        if (p.noRepeatNgramSize > 0) {
          // no new token completes an n-gram seen before it (the prompt may repeat itself)
          const promptIds = preparePrompt(model.tokenizer, model.config.n_positions, prompt.text);
          const all = [...promptIds, ...want];
          const n = p.noRepeatNgramSize;
          const gram = (end: number) => all.slice(end - n + 1, end + 1).join(',');
          for (let i = promptIds.length; i < all.length; i++) {
            const earlier = Array.from({ length: Math.max(0, i - n + 1) }, (_, j) => gram(j + n - 1));
            expect(earlier, `${prompt.id}: new token ${i - promptIds.length} repeats an ${n}-gram`).not.toContain(gram(i));
          }
        }
        for (const cfg of configs) {
          const r = await speculativeGenerate(model, createDrafter(model, cfg), prompt.text, opts);
          if (JSON.stringify(r.tokens) !== JSON.stringify(want)) {
            let at = 0;
            while (r.tokens[at] === want[at]) at++;
            mismatches.push(`${JSON.stringify(cfg)} on ${prompt.id}: first difference at token ${at}`);
          }
        }
      }
      expect(mismatches).toEqual([]);
      // the processors changed the output of at least one prompt, so the equality was tested with them at work
      expect(changed).toBeGreaterThan(0);
    }, 60_000);
  }
});
