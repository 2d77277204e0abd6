/**
 * The engine worker's two-stage load (src/worker/staged-load.ts): which graphs come before
 * `ready`, which requests wait for the rest, and the second stage itself on the test model:
 * its session and warm-up are exclusive pieces, and a part that fails is reported.
 */
import { afterAll, describe, expect, it } from 'vitest';

import { loadModel, type LoadedModel } from '../src/engine/index.ts';
import { addModelPart } from '../src/engine/runtime/model.ts';
import { nodeFiles } from '../src/engine/runtime/node-files.ts';
import { loadLater, missingOnDemand, ON_DEMAND_PARTS, splitParts, usesLater, waitsForLater, type Exclusive } from '../src/worker/staged-load.ts';
import { DRAFTERS } from '../src/engine/drafters/registry.ts';
import type { RunSettings, WorkerRequest } from '../src/worker/protocol.ts';
import { DEFAULT_SETTINGS } from '../src/ui/store/settings.ts';
import { MODEL_DIR } from './model-paths.ts';

const run = (drafter: RunSettings['drafter']): WorkerRequest => ({ type: 'run', requestId: 1, settings: { ...DEFAULT_SETTINGS, drafter } });

describe('which graphs load before ready', () => {
  it('takes the default drafter\'s heads first and the draft model after', () => {
    expect(splitParts(['heads', 'draft_model'])).toEqual({ first: ['heads'], later: ['draft_model'] });
    expect(splitParts(['draft_model'])).toEqual({ first: [], later: ['draft_model'] });
    expect(DEFAULT_SETTINGS.drafter).toBe('heads');
  });

  it('lets a decode that needs no later graph start at once; measurements and draft-model jobs wait', () => {
    const later = ['draft_model'] as const;
    expect(waitsForLater(run('heads'), later)).toBe(false);
    expect(waitsForLater(run('prompt-lookup'), later)).toBe(false);
    expect(waitsForLater(run('draft-model'), later)).toBe(true);
    expect(usesLater(run('draft-model'), [])).toBe(false);
    expect(waitsForLater({ type: 'time-forwards', requestId: 2, context: 64, tokens: [1, 5], reps: 3 }, later)).toBe(true);
    const compare: WorkerRequest = { type: 'compare', requestId: 3, settings: { suite: 'prose', prompts: 1, maxTokens: 8, configs: [{ drafter: 'heads', k: 2, tree: 'tree-8', temperature: 0 }] } };
    expect(waitsForLater(compare, later)).toBe(true);
    expect(usesLater(compare, later)).toBe(false);
  });
});

describe('graphs no stage loads', () => {
  it('the EAGLE head loads for the first job that needs it, not before', async () => {
    expect(ON_DEMAND_PARTS).toEqual(['eagle']);
    // not before ready, not in the second stage: only a job that uses it pays its download
    expect(DRAFTERS.heads.parts).not.toContain('eagle');
    const m = await loadModel(nodeFiles(MODEL_DIR), { parts: ['heads'] });
    try {
      expect(m.eagle).toBeUndefined();
      expect(missingOnDemand(run('heads'), m)).toEqual([]);
      expect(missingOnDemand(run('draft-model'), m)).toEqual([]);
      expect(missingOnDemand(run('eagle'), m)).toEqual(['eagle']);
      expect(missingOnDemand(run('eagle-tree'), m)).toEqual(['eagle']);
      const compare: WorkerRequest = { type: 'compare', requestId: 3, settings: { suite: 'prose', prompts: 1, maxTokens: 8, configs: [{ drafter: 'heads', k: 2, tree: 'tree-8', temperature: 0 }, { drafter: 'eagle', k: 2, tree: 'tree-8', temperature: 0 }] } };
      expect(missingOnDemand(compare, m)).toEqual(['eagle']);
      await addModelPart(m, nodeFiles(MODEL_DIR), 'eagle');
      expect(m.eagle).toBeDefined();
      expect(missingOnDemand(run('eagle'), m)).toEqual([]);
    } finally {
      await m.release();
    }
  });
});

describe('the second stage', () => {
  const models: LoadedModel[] = [];
  afterAll(async () => {
    for (const m of models) await m.release();
  });

  it('downloads each part, then makes its session and warms it, each as an exclusive piece', async () => {
    const files = nodeFiles(MODEL_DIR);
    const m = await loadModel(files, { parts: ['heads'] });
    models.push(m);
    const log: string[] = [];
    const exclusive: Exclusive = async (piece) => {
      log.push('exclusive:');
      const v = await piece();
      log.push(`  ${m.draftModel ? 'session made' : 'no session'}`);
      return v;
    };
    const failed = await loadLater(m, files, ['draft_model'], exclusive, async (part) => void log.push(`  warm ${part}`));
    expect(failed).toBeNull();
    expect(m.draftModel).toBeDefined();
    expect(log).toEqual(['exclusive:', '  session made', 'exclusive:', '  warm draft_model', '  session made']);
  });

  it('says which part failed and why, instead of throwing', async () => {
    const files = nodeFiles(MODEL_DIR);
    const m = await loadModel(files, { parts: [] });
    models.push(m);
    const broken = { ...files, where: files.where, bytes: () => Promise.reject(new Error('HTTP 500')), text: files.text };
    const failed = await loadLater(m, broken, ['draft_model'], (piece) => piece(), async () => {});
    expect(failed).toBe('the draft model could not be loaded (HTTP 500)');
    expect(m.draftModel).toBeUndefined();
  });
});
