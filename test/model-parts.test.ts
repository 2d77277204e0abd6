/**
 * Loading a model in stages (src/engine/runtime/model.ts addModelPart): the page says ready with the
 * base model and the heads, then adds the draft model; the staged model decodes exactly as
 * one loaded whole, and a part it has already is left alone.
 */
import { afterAll, describe, expect, it } from 'vitest';

import { createDrafter, loadModel, speculativeGenerate, type LoadedModel } from '../src/engine/index.ts';
import { addModelPart } from '../src/engine/runtime/model.ts';
import { nodeFiles } from '../src/engine/runtime/node-files.ts';
import { MODEL_DIR } from './model-paths.ts';

const models: LoadedModel[] = [];
afterAll(async () => {
  for (const m of models) await m.release();
});

describe('adding a part to a loaded model', () => {
  it('brings the draft model in after the heads, and decodes as a model loaded whole', async () => {
    const files = nodeFiles(MODEL_DIR);
    const staged = await loadModel(files, { parts: ['heads'] });
    models.push(staged);
    expect(staged.draftModel).toBeUndefined();
    const seen: string[] = [];
    await addModelPart(staged, files, 'draft_model', (p) => seen.push(p.file));
    expect(staged.draftModel).toBeDefined();
    expect(new Set(seen)).toEqual(new Set([staged.config.draft_model.file]));
    const whole = await loadModel(files);
    models.push(whole);
    const decode = (m: LoadedModel) => speculativeGenerate(m, createDrafter(m, { drafter: 'draft-model', k: 3 }), 'In the beginning', { maxTokens: 12, temperature: 0 });
    expect((await decode(staged)).tokens).toEqual((await decode(whole)).tokens);
  });

  it('leaves a part the model has already as it is', async () => {
    const m = models[0]!;
    const draft = m.draftModel;
    await addModelPart(m, nodeFiles(MODEL_DIR), 'draft_model');
    expect(m.draftModel).toBe(draft);
  });
});
