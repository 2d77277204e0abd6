/**
 * One decoding configuration (engine/decoding/decode-config.ts) as both CLIs take it:
 * decode from flags, bench from specs such as `heads:k=3:t=0.7:top-p=0.9`. Which drafter
 * takes which flag, and its limits, come from the drafter registry. Checks what it can
 * before the model loads, so a typo fails in milliseconds.
 */
import { existsSync } from 'node:fs';

import { ACCEPTANCES, configLabel, drafterSettingsOf, type DecodeConfig } from '../engine/decoding/decode-config.ts';
import { createDrafter } from '../engine/drafters/index.ts';
import { DEFAULT_DRAFTER, DRAFTER_NAMES, DRAFTERS, drafterNamesWith, maxK, partsFor, usesKnob } from '../engine/drafters/registry.ts';
import type { Drafter } from '../engine/drafters/types.ts';
import type { LoadedModel, ModelPart } from '../engine/runtime/model.ts';
import { MAX_NO_REPEAT_NGRAM_SIZE, MAX_REPETITION_PENALTY, MIN_REPETITION_PENALTY } from '../engine/decoding/processors.ts';
import { DEFAULT_TREES, validateTreeSpec, type DefaultTreeName, type TreeSpec } from '../engine/decoding/tree.ts';
import { choiceFlag, intFlag, numberFlag, UsageError } from './args.ts';
import { MAX_TREE_FILE_BYTES, readInputFile } from './input-files.ts';

/** The most new tokens a CLI run may ask for (the model's context stops it sooner). */
export const MAX_CLI_TOKENS = 1_000_000;

/** The raw strings a config is built from (flag values, or a bench spec's key=value pairs). */
export interface RawConfig {
  drafter?: string;
  k?: string;
  tree?: string;
  branch?: string;
  'draft-tokens'?: string;
  'sample-drafts'?: boolean;
  adaptive?: boolean;
  'p-min'?: string;
  acceptance?: string;
  'repetition-penalty'?: string;
  'no-repeat-ngram-size'?: string;
  temperature?: string;
  'top-k'?: string;
  'top-p'?: string;
  seed?: string;
  'max-tokens'?: string;
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

/** `a`, `a and b`, `a, b and c`. */
const listed = (names: readonly string[]) => (names.length < 2 ? names.join('') : `${names.slice(0, -1).join(', ')} and ${names[names.length - 1]}`);

export function parseRunConfig(raw: RawConfig): DecodeConfig {
  const drafter = choiceFlag('drafter', raw.drafter, DEFAULT_DRAFTER, DRAFTER_NAMES);
  const acceptance = choiceFlag('acceptance', raw.acceptance, 'lossless', ACCEPTANCES);
  const shape = DRAFTERS[drafter].shape;
  const cfg: DecodeConfig = {
    drafter,
    adaptive: raw.adaptive ?? false,
    pMin: numberFlag('p-min', raw['p-min'], 0, { lo: 0, hi: 1, hiOpen: true }),
    acceptance,
    repetitionPenalty: numberFlag('repetition-penalty', raw['repetition-penalty'], 1, { lo: MIN_REPETITION_PENALTY, hi: MAX_REPETITION_PENALTY }),
    noRepeatNgramSize: intFlag('no-repeat-ngram-size', raw['no-repeat-ngram-size'], 0, 0, MAX_NO_REPEAT_NGRAM_SIZE),
    temperature: numberFlag('temperature', raw.temperature, 0, { lo: 0, hi: Infinity }),
    topK: intFlag('top-k', raw['top-k'], 0, 0),
    topP: numberFlag('top-p', raw['top-p'], 1, { lo: 0, hi: 1, loOpen: true }),
    seed: intFlag('seed', raw.seed, 0, 0),
    maxTokens: intFlag('max-tokens', raw['max-tokens'], 64, 1, MAX_CLI_TOKENS),
  };
  if (raw.k !== undefined) {
    if (!usesKnob(drafter, 'k')) {
      throw new UsageError(`--k sets a chain's length, but drafter '${drafter}' has ${shape === 'none' ? 'no drafts' : 'a tree (use --tree)'}; drop --k`);
    }
    cfg.k = intFlag('k', raw.k, 0, 1, maxK(drafter, null));
  }
  if (raw.tree !== undefined) {
    if (!usesKnob(drafter, 'tree')) {
      throw new UsageError(`--tree shapes the ${listed(drafterNamesWith('tree'))} drafter only, not '${drafter}'; drop --tree or use --drafter ${drafterNamesWith('tree')[0]}`);
    }
    const { tree, label } = parseTreeArg(raw.tree);
    cfg.tree = tree;
    cfg.treeLabel = label;
  }
  for (const [flag, knob] of [['branch', 'branch'], ['draft-tokens', 'draftTokens']] as const) {
    const value = raw[flag];
    if (value === undefined) continue;
    const spec = DRAFTERS[drafter].knobs[knob];
    if (!spec) throw new UsageError(`--${flag} shapes a dynamic tree (${listed(drafterNamesWith(knob))}), not '${drafter}'; drop --${flag}`);
    cfg[knob] = intFlag(flag, value, spec.default, 1, spec.max);
  }
  if (raw['sample-drafts']) {
    if (!usesKnob(drafter, 'sampleDrafts')) {
      throw new UsageError(`--sample-drafts draws the ${listed(drafterNamesWith('sampleDrafts'))} drafts from their own softmax; '${drafter}' ${drafter === 'eagle' || drafter === 'draft-model' ? 'always samples its chain under sampling' : 'has no such choice'}; drop --sample-drafts`);
    }
    cfg.sampleDrafts = true;
  }
  if (acceptance === 'typical' && cfg.temperature === 0) {
    throw new UsageError('--acceptance typical is a sampling method: add --temperature > 0 (greedy verification is already exact)');
  }
  if (cfg.adaptive && !usesKnob(drafter, 'adaptive')) {
    throw new UsageError(`--adaptive changes a chain's length, but drafter '${drafter}' has no chain; drop --adaptive`);
  }
  if (cfg.pMin > 0 && !usesKnob(drafter, 'pMin')) {
    throw new UsageError(`--p-min stops a model drafter's chain early; drafter '${drafter}' has no draft probabilities to compare; drop --p-min`);
  }
  return cfg;
}

/**
 * The flags that give back `c` through parseRunConfig (defaults left out): the CLI side of
 * the DecodeConfig mapping. A tree of index paths goes by the file it was read from.
 */
export function rawConfigOf(c: DecodeConfig): RawConfig {
  const raw: RawConfig = { drafter: c.drafter };
  const put = <K extends keyof RawConfig>(key: K, value: number | string, off: number | string) => {
    if (value !== off) (raw as Record<string, string>)[key] = String(value);
  };
  if (c.k !== undefined) raw.k = String(c.k);
  if (c.tree !== undefined) {
    const name = typeof c.tree === 'string' ? c.tree : c.treeLabel;
    if (name === undefined) throw new UsageError('a tree of index paths has no flag of its own: write it to a JSON file and give --tree FILE');
    raw.tree = name;
  }
  if (c.branch !== undefined) raw.branch = String(c.branch);
  if (c.draftTokens !== undefined) raw['draft-tokens'] = String(c.draftTokens);
  if (c.sampleDrafts) raw['sample-drafts'] = true;
  if (c.adaptive) raw.adaptive = true;
  put('p-min', c.pMin, 0);
  put('acceptance', c.acceptance, 'lossless');
  put('repetition-penalty', c.repetitionPenalty, 1);
  put('no-repeat-ngram-size', c.noRepeatNgramSize, 0);
  put('temperature', c.temperature, 0);
  put('top-k', c.topK, 0);
  put('top-p', c.topP, 1);
  put('seed', c.seed, 0);
  put('max-tokens', c.maxTokens, 64);
  return raw;
}

/** Graphs the model must load for these configs (base is always loaded). */
export function neededParts(configs: readonly DecodeConfig[]): ModelPart[] {
  return partsFor(configs.map((c) => c.drafter));
}

/** The drafter for a config, with engine errors (k beyond the heads, a tree too deep) as usage errors. */
export function makeDrafter(model: LoadedModel, cfg: DecodeConfig): Drafter | null {
  try {
    return createDrafter(model, drafterSettingsOf(cfg));
  } catch (e) {
    throw new UsageError(`${configLabel(cfg)}: ${(e as Error).message}`);
  }
}
