/**
 * One decoding configuration (drafter, its shape, acceptance, sampling) as both CLIs take
 * it: decode from flags, bench from specs such as `heads:k=3:t=0.7:top-p=0.9`. Checks what
 * it can before the model loads, so a typo fails in milliseconds, and labels configs the
 * same way in every table.
 */
import { existsSync } from 'node:fs';

import { createDrafter } from '../engine/drafters/index.ts';
import { DRAFTER_NAMES, type Drafter, type DrafterName } from '../engine/drafters/types.ts';
import type { LoadedModel, ModelPart } from '../engine/runtime/model.ts';
import { MAX_NO_REPEAT_NGRAM_SIZE, MAX_REPETITION_PENALTY, MIN_REPETITION_PENALTY } from '../engine/decoding/processors.ts';
import type { Acceptance, SpecOptions } from '../engine/decoding/speculative.ts';
import { DEFAULT_TREES, validateTreeSpec, type DefaultTreeName, type TreeSpec } from '../engine/decoding/tree.ts';
import { choiceFlag, intFlag, numberFlag, UsageError } from './args.ts';
import { MAX_TREE_FILE_BYTES, readInputFile } from './input-files.ts';

export interface RunConfig {
  drafter: DrafterName;
  /** Chain length; undefined = the drafter's default (K for heads, 4 otherwise). */
  k?: number;
  /** heads-tree only: a default tree's name or index paths read from a file. */
  tree?: DefaultTreeName | TreeSpec;
  /** How --tree was given (a name or a file path), for labels. */
  treeLabel?: string;
  adaptive: boolean;
  pMin: number;
  acceptance: Acceptance;
  /** Hugging Face's repetition_penalty (1 = off) and no_repeat_ngram_size (0 = off). */
  repetitionPenalty: number;
  noRepeatNgramSize: number;
  temperature: number;
  topK: number;
  topP: number;
}

export const ACCEPTANCES: readonly Acceptance[] = ['lossless', 'typical'];

/** The raw strings a config is built from (flag values, or a bench spec's key=value pairs). */
export interface RawConfig {
  drafter?: string;
  k?: string;
  tree?: string;
  adaptive?: boolean;
  'p-min'?: string;
  acceptance?: string;
  'repetition-penalty'?: string;
  'no-repeat-ngram-size'?: string;
  temperature?: string;
  'top-k'?: string;
  'top-p'?: string;
}

/** A default tree's name, or a JSON file holding a list of index paths. */
export function parseTreeArg(raw: string): { tree: DefaultTreeName | TreeSpec; label: string } {
  if (raw in DEFAULT_TREES) return { tree: raw as DefaultTreeName, label: raw };
  const names = Object.keys(DEFAULT_TREES).join(', ');
  if (!existsSync(raw)) {
    throw new UsageError(`--tree '${raw}' is neither a default tree (${names}) nor a file; give a name or a JSON file of index paths such as [[0],[1],[0,0]]`);
  }
  const text = readInputFile('tree', raw, MAX_TREE_FILE_BYTES, 'a JSON list of index paths such as [[0],[1],[0,0]]');
  let spec: unknown;
  try {
    spec = JSON.parse(text);
  } catch (e) {
    throw new UsageError(`--tree ${raw} is not valid JSON (${(e as Error).message}); expected a list of index paths such as [[0],[1],[0,0]]`);
  }
  try {
    validateTreeSpec(spec);
  } catch (e) {
    throw new UsageError(`--tree ${raw}: ${(e as Error).message}`);
  }
  return { tree: spec, label: raw };
}

export function parseRunConfig(raw: RawConfig): RunConfig {
  const drafter = choiceFlag('drafter', raw.drafter, 'heads', DRAFTER_NAMES);
  const acceptance = choiceFlag('acceptance', raw.acceptance, 'lossless', ACCEPTANCES);
  const cfg: RunConfig = {
    drafter,
    adaptive: raw.adaptive ?? false,
    pMin: numberFlag('p-min', raw['p-min'], 0, { lo: 0, hi: 1, hiOpen: true }),
    acceptance,
    repetitionPenalty: numberFlag('repetition-penalty', raw['repetition-penalty'], 1, { lo: MIN_REPETITION_PENALTY, hi: MAX_REPETITION_PENALTY }),
    noRepeatNgramSize: intFlag('no-repeat-ngram-size', raw['no-repeat-ngram-size'], 0, 0, MAX_NO_REPEAT_NGRAM_SIZE),
    temperature: numberFlag('temperature', raw.temperature, 0, { lo: 0, hi: Infinity }),
    topK: intFlag('top-k', raw['top-k'], 0, 0),
    topP: numberFlag('top-p', raw['top-p'], 1, { lo: 0, hi: 1, loOpen: true }),
  };
  if (raw.k !== undefined) {
    if (drafter === 'none' || drafter === 'heads-tree') {
      throw new UsageError(`--k sets a chain's length, but drafter '${drafter}' has ${drafter === 'none' ? 'no drafts' : 'a tree (use --tree)'}; drop --k`);
    }
    cfg.k = intFlag('k', raw.k, 0, 1, 32);
  }
  if (raw.tree !== undefined) {
    if (drafter !== 'heads-tree') throw new UsageError(`--tree shapes the heads-tree drafter only, not '${drafter}'; drop --tree or use --drafter heads-tree`);
    const { tree, label } = parseTreeArg(raw.tree);
    cfg.tree = tree;
    cfg.treeLabel = label;
  }
  if (acceptance === 'typical' && cfg.temperature === 0) {
    throw new UsageError('--acceptance typical is a sampling method: add --temperature > 0 (greedy verification is already exact)');
  }
  if (cfg.adaptive && (drafter === 'none' || drafter === 'heads-tree')) {
    throw new UsageError(`--adaptive changes a chain's length, but drafter '${drafter}' has no chain; drop --adaptive`);
  }
  if (cfg.pMin > 0 && !(drafter === 'heads' || drafter === 'draft-model')) {
    throw new UsageError(`--p-min stops a model drafter's chain early; drafter '${drafter}' has no draft probabilities to compare; drop --p-min`);
  }
  return cfg;
}

/** Graphs the model must load for these configs (base is always loaded). */
export function neededParts(configs: readonly RunConfig[]): ModelPart[] {
  const parts = new Set<ModelPart>();
  for (const c of configs) {
    if (c.drafter === 'heads' || c.drafter === 'heads-tree') parts.add('heads');
    if (c.drafter === 'draft-model') parts.add('draft_model');
  }
  return [...parts];
}

/** The drafter for a config, with engine errors (k beyond the heads, a tree too deep) as usage errors. */
export function makeDrafter(model: LoadedModel, cfg: RunConfig): Drafter | null {
  try {
    return createDrafter(model, {
      drafter: cfg.drafter,
      ...(cfg.k !== undefined ? { k: cfg.k } : {}),
      ...(cfg.tree !== undefined ? { tree: cfg.tree } : {}),
      pMin: cfg.pMin,
    });
  } catch (e) {
    throw new UsageError(`${configLabel(cfg)}: ${(e as Error).message}`);
  }
}

export function specOptions(cfg: RunConfig, maxNewTokens: number, seed: number): SpecOptions {
  return {
    maxNewTokens,
    seed,
    repetitionPenalty: cfg.repetitionPenalty,
    noRepeatNgramSize: cfg.noRepeatNgramSize,
    temperature: cfg.temperature,
    topK: cfg.topK,
    topP: cfg.topP,
    adaptive: cfg.adaptive,
    acceptance: cfg.acceptance,
  };
}

/** 'greedy', or 't=0.7 top-p=0.9 top-k=40', after any processors: 'repetition-penalty=1.3 greedy' (defaults left out). */
export function samplingLabel(
  cfg: Pick<RunConfig, 'temperature' | 'topK' | 'topP'> & Partial<Pick<RunConfig, 'repetitionPenalty' | 'noRepeatNgramSize'>>,
): string {
  const processors = [
    cfg.repetitionPenalty !== undefined && cfg.repetitionPenalty !== 1 ? `repetition-penalty=${cfg.repetitionPenalty}` : '',
    cfg.noRepeatNgramSize ? `no-repeat-ngram-size=${cfg.noRepeatNgramSize}` : '',
  ];
  const warpers = cfg.temperature === 0
    ? ['greedy']
    : [`t=${cfg.temperature}`, cfg.topP < 1 ? `top-p=${cfg.topP}` : '', cfg.topK > 0 ? `top-k=${cfg.topK}` : ''];
  return [...processors, ...warpers].filter(Boolean).join(' ');
}

/** The drafter's shape: 'k=3', 'tree-8', 'k=4 adaptive p-min=0.3', or '' for none. */
export function shapeLabel(cfg: RunConfig, model?: Pick<LoadedModel, 'config'>): string {
  if (cfg.drafter === 'none') return '';
  if (cfg.drafter === 'heads-tree') return cfg.treeLabel ?? 'tree-8';
  const k = cfg.k ?? (model ? (cfg.drafter === 'heads' ? model.config.heads.num_heads : 4) : undefined);
  return [k !== undefined ? `k=${k}` : 'k=default', cfg.adaptive ? 'adaptive' : '', cfg.pMin > 0 ? `p-min=${cfg.pMin}` : ''].filter(Boolean).join(' ');
}

export function configLabel(cfg: RunConfig, model?: Pick<LoadedModel, 'config'>): string {
  const drafter = [cfg.drafter, shapeLabel(cfg, model)].filter(Boolean).join(' ');
  return [drafter, samplingLabel(cfg), cfg.acceptance === 'typical' ? 'typical acceptance (LOSSY)' : ''].filter(Boolean).join(', ');
}
