/**
 * Which model folder and golden fixtures the tests run against, and helpers to read them.
 * SPACE_MODEL_DIR / SPACE_FIXTURES_DIR win; otherwise public/models/toy + test/fixtures/toy,
 * or, until the real model has been trained, the smoke model under build/smoke
 * (`npm run train:smoke` makes it in ~20 s).
 */
import { existsSync, readFileSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';

import { loadModel, type LoadedModel, type ModelPart } from '../src/engine/index.ts';
import { nodeFiles } from '../src/engine/runtime/node-files.ts';

export const ROOT = resolve(fileURLToPath(new URL('..', import.meta.url)));

function pick(): { model: string; fixtures: string } {
  const envModel = process.env.SPACE_MODEL_DIR;
  const envFixtures = process.env.SPACE_FIXTURES_DIR;
  const real = { model: join(ROOT, 'public/models/toy'), fixtures: join(ROOT, 'test/fixtures/toy') };
  const smoke = { model: join(ROOT, 'build/smoke/models/toy-smoke'), fixtures: join(ROOT, 'build/smoke/fixtures') };
  const base = envModel || envFixtures || existsSync(join(real.model, 'config.json')) ? real : smoke;
  const model = resolve(envModel || base.model);
  const fixtures = resolve(envFixtures || base.fixtures);
  for (const [what, dir, file] of [['model', model, 'config.json'], ['fixtures', fixtures, 'golden.json']] as const) {
    if (!existsSync(join(dir, file))) {
      throw new Error(
        `test ${what} folder ${dir} has no ${file}. Build the smoke model with \`npm run train:smoke\` ` +
          '(or the real one with `npm run train`), or set SPACE_MODEL_DIR / SPACE_FIXTURES_DIR.',
      );
    }
  }
  return { model, fixtures };
}

export const { model: MODEL_DIR, fixtures: FIXTURES_DIR } = pick();

/** 1e-4 max abs: float32 wasm kernels against PyTorch float32 on CPU. */
export const TOL = 1e-4;

export interface TensorRef {
  file: string;
  shape: number[];
}

export interface Golden {
  model_id: string;
  prefill: {
    input_ids: number[];
    position_ids: number[];
    logits: TensorRef;
    hidden_states: TensorRef;
    draft_logits: TensorRef;
    draft_model_logits: TensorRef;
  };
  continuation: { prefix_ids: number[]; next_ids: number[]; logits: TensorRef; prefix_logits: TensorRef };
  tree: {
    prefix_ids: number[];
    tokens: number[];
    parents: number[];
    position_ids: number[];
    attention_bias: TensorRef;
    logits: TensorRef;
    path_logits: TensorRef;
  };
  greedy: Array<{ domain: string; prompt: string; prompt_ids: number[]; max_new_tokens: number; output_ids: number[] }>;
  tokenizer: Array<{ text: string; ids: number[] }>;
}

let golden: Golden | null = null;
export function loadGolden(): Golden {
  golden ??= JSON.parse(readFileSync(join(FIXTURES_DIR, 'golden.json'), 'utf8')) as Golden;
  return golden;
}

/** A float32 fixture tensor, flat, checked against its declared shape. */
export function fixtureTensor(ref: TensorRef): Float32Array {
  const buf = readFileSync(join(FIXTURES_DIR, ref.file));
  const data = new Float32Array(buf.buffer.slice(buf.byteOffset, buf.byteOffset + buf.byteLength));
  const size = ref.shape.reduce((a, b) => a * b, 1);
  if (data.length !== size) throw new Error(`${ref.file}: ${data.length} floats, shape [${ref.shape}] needs ${size}`);
  return data;
}

/** Largest |a[i] - b[i]|; Infinity when lengths differ or a value is NaN on one side only. */
export function maxAbsDiff(a: ArrayLike<number>, b: ArrayLike<number>): number {
  if (a.length !== b.length) return Infinity;
  let m = 0;
  for (let i = 0; i < a.length; i++) {
    const d = Math.abs(a[i]! - b[i]!);
    if (Number.isNaN(d)) return Infinity;
    m = Math.max(m, d);
  }
  return m;
}

/** The test model, loaded once per test file; with golden.json's model_id checked against config.id. */
export async function loadTestModel(parts?: ModelPart[]): Promise<LoadedModel> {
  const model = await loadModel(nodeFiles(MODEL_DIR), parts ? { parts } : {});
  const g = loadGolden();
  if (g.model_id !== model.id) {
    await model.release();
    throw new Error(
      `fixtures in ${FIXTURES_DIR} are for model "${g.model_id}" but ${MODEL_DIR} holds "${model.id}"; ` +
        'regenerate both with the same `npm run train` run, or point SPACE_FIXTURES_DIR at the matching fixtures',
    );
  }
  return model;
}
