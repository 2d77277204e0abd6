/**
 * What --model means for every CLI: a model id under public/models/ or a folder path. With
 * no --model the real model (toy) is used, or the smoke model while toy is still being
 * trained, so the CLIs work on a fresh checkout after `npm run train:smoke`.
 */
import { existsSync, readdirSync, statSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';

import { UsageError } from './args.ts';

export const REPO_ROOT = resolve(fileURLToPath(new URL('../..', import.meta.url)));
export const MODELS_DIR = join(REPO_ROOT, 'public/models');
export const DEFAULT_MODEL = 'toy';
export const SMOKE_MODEL_DIR = join(REPO_ROOT, 'build/smoke/models/toy-smoke');

const isModelDir = (dir: string) => existsSync(join(dir, 'config.json'));

function availableIds(): string[] {
  if (!existsSync(MODELS_DIR)) return [];
  return readdirSync(MODELS_DIR).filter((d) => statSync(join(MODELS_DIR, d)).isDirectory() && isModelDir(join(MODELS_DIR, d)));
}

/** The folder to load, and a note for stderr when a fallback was taken. */
export function resolveModelDir(arg: string | undefined): { dir: string; note?: string } {
  if (arg === undefined) {
    const toy = join(MODELS_DIR, DEFAULT_MODEL);
    if (isModelDir(toy)) return { dir: toy };
    if (isModelDir(SMOKE_MODEL_DIR)) {
      return {
        dir: SMOKE_MODEL_DIR,
        note: `note: ${toy} has no model yet (\`npm run train\` builds it); using the smoke model ${SMOKE_MODEL_DIR}, whose output is gibberish`,
      };
    }
    throw new UsageError(
      `no model found: neither ${toy} nor ${SMOKE_MODEL_DIR} has a config.json. ` +
        'Build one with `npm run train` (or `npm run train:smoke` in ~20 s), or pass --model DIR',
    );
  }
  if (arg.trim() === '') throw new UsageError('--model is empty: expected a model id under public/models/ or a folder');
  // A bare name is an id (public/models/<id>) unless a folder by that name exists here.
  const looksLikePath = arg.includes('/') || arg.includes('\\') || arg.startsWith('.');
  const candidates = looksLikePath || existsSync(arg) ? [resolve(arg)] : [join(MODELS_DIR, arg)];
  const dir = candidates[0]!;
  if (isModelDir(dir)) return { dir };
  const ids = availableIds();
  const known = ids.length ? `model ids here: ${ids.join(', ')}` : `public/models/ holds no model yet`;
  const what = existsSync(dir) ? `${dir} has no config.json` : `${dir} does not exist`;
  throw new UsageError(
    `--model ${arg}: ${what}. Expected a model id under public/models/ (${known}) or a model folder ` +
      '(config.json, tokenizer.json, onnx/*.onnx); build one with `npm run train` or `npm run train:smoke`',
  );
}
