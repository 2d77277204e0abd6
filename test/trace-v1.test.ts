/**
 * Trace format version 1 still imports: a file the CLI wrote before version 2
 * (test/fixtures/trace-v1, `npm run decode -- --prompt "Once upon a time" --drafter
 * draft-model --k 3 --max-tokens 8 --temperature 0.7 --seed 2 --trace FILE` at the commit
 * before the renames) parses to the version 2 trace the same run writes today, and the
 * conversion changes nothing but the version and the renamed keys.
 */
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';

import {
  buildTrace,
  createDrafter,
  decodeConfig,
  parseTrace,
  replayTrace,
  specOptionsOf,
  speculativeGenerate,
  traceToJson,
  loadModel,
  type LoadedModel,
} from '../src/engine/index.ts';
import { nodeFiles } from '../src/engine/runtime/node-files.ts';
import { ROOT } from './model-paths.ts';

const V1 = readFileSync(join(ROOT, 'test/fixtures/trace-v1/draft-model-k3-t07.json'), 'utf8');

/** The renames spelled out on the text, apart from the converter: version 1's key -> version 2's. */
const RENAMED: [string, string][] = [
  ['"maxNewTokens":', '"maxTokens":'],
  ['"maxDrafts":', '"maxDepth":'],
  ['"forwardMs":', '"verifyForwardMs":'],
  ['"forwardRunMs":', '"verifyForwardRunMs":'],
  ['"verifyMs":', '"verifyDecisionsMs":'],
  ['"k_max":', '"max_depth":'],
];

let model: LoadedModel;

// The model the fixture was written with (public/models/toy), whatever model the rest of the
// tier runs against (CI also runs it against the smoke model): the run today must be the same run.
beforeAll(async () => {
  model = await loadModel(nodeFiles(join(ROOT, 'public/models/toy')), { parts: ['draft_model'] });
}, 60_000);

afterAll(async () => {
  await model?.release();
});

describe('trace version 1', () => {
  it('is the fixture it claims to be: version 1, with every renamed key', () => {
    expect(V1).toContain('"version": 1,');
    for (const [old, now] of RENAMED) {
      expect(V1, old).toContain(old);
      expect(V1, now).not.toContain(now);
    }
  });

  it('converts to version 2 byte for byte apart from the version and the renamed keys, timings included', () => {
    let expected = V1.replace('"version": 1,', '"version": 2,');
    for (const [old, now] of RENAMED) expected = expected.replaceAll(old, now);
    const t = parseTrace(V1, 'v1.json');
    expect(t.version).toBe(2);
    expect(traceToJson(t, { timings: true })).toBe(expected);
    expect(replayTrace(t).mismatch).toBeNull();
  });

  it('equals the version 2 trace of the same seed and settings, run today (timings aside)', async () => {
    const old = parseTrace(V1, 'v1.json');
    expect(model.id, 'the fixture comes from this model: remake it if the model was retrained').toBe(old.model.id);
    const cfg = decodeConfig({ drafter: 'draft-model', k: 3, maxTokens: 8, temperature: 0.7, seed: 2 });
    const result = await speculativeGenerate(model, createDrafter(model, cfg), old.prompt.text, specOptionsOf(cfg));
    const now = buildTrace(result, cfg, model);
    expect(traceToJson(now, { timings: false })).toBe(traceToJson(old, { timings: false }));
  });

  it('a version 1 file with a version 2 key, or a version 2 file with a version 1 key, is refused by name', () => {
    const mixed = V1.replace('"maxDrafts":0', '"maxDrafts":0,"maxDepth":0');
    expect(() => parseTrace(mixed, 'mixed.json')).toThrow(/mixed\.json \(a version 1 trace, read as version 2\).*\n.*steps\[0\]: Unrecognized key: "maxDrafts"/);
    const v2 = traceToJson(old(), { timings: true }).replace('"maxDepth":0', '"maxDrafts":0');
    expect(() => parseTrace(v2, 'v2.json')).toThrow(/steps\[0\]: Unrecognized key: "maxDrafts"/);
  });
});

const old = () => parseTrace(V1, 'v1.json');
