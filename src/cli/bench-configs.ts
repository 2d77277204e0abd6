/**
 * The bench's configurations: the default sweep, and --configs specs such as
 *   heads:k=3:t=0.7:top-p=0.9,draft-model:k=4,heads-tree:tree=tree-12,prompt-lookup:k=4:adaptive
 * (a drafter name, then key=value settings: k, tree, t|temperature, top-p, top-k, p-min,
 * acceptance, repetition-penalty, no-repeat-ngram-size, branch, draft-tokens, and the bare
 * switches adaptive and sample-drafts).
 */
import type { LoadedModel } from '../engine/runtime/model.ts';
import { DEFAULT_TREES } from '../engine/decoding/tree.ts';
import { UsageError } from './args.ts';
import { baselineOf, type DecodeConfig } from '../engine/decoding/decode-config.ts';
import { parseRunConfig, type RawConfig } from './run-config.ts';

const KEYS: Record<string, keyof RawConfig> = {
  k: 'k',
  tree: 'tree',
  t: 'temperature',
  temperature: 'temperature',
  'top-p': 'top-p',
  'top-k': 'top-k',
  'p-min': 'p-min',
  acceptance: 'acceptance',
  'repetition-penalty': 'repetition-penalty',
  'no-repeat-ngram-size': 'no-repeat-ngram-size',
  branch: 'branch',
  'draft-tokens': 'draft-tokens',
};

export function parseConfigSpec(spec: string): DecodeConfig {
  const [drafter, ...settings] = spec.trim().split(':');
  if (!drafter) throw new UsageError(`--configs: empty entry in '${spec}'; expected e.g. heads:k=3,prompt-lookup:k=4`);
  const raw: RawConfig = { drafter };
  for (const s of settings) {
    if (s === 'adaptive' || s === 'sample-drafts') {
      raw[s] = true;
      continue;
    }
    const eq = s.indexOf('=');
    const key = KEYS[eq > 0 ? s.slice(0, eq) : s];
    if (eq <= 0 || !key) {
      throw new UsageError(`--configs '${spec}': setting '${s}' is not key=value with key one of ${Object.keys(KEYS).join(', ')} (or the switches 'adaptive', 'sample-drafts')`);
    }
    if (raw[key] !== undefined) throw new UsageError(`--configs '${spec}': ${s.slice(0, eq)} is set twice`);
    (raw as Record<string, string>)[key] = s.slice(eq + 1);
  }
  try {
    return parseRunConfig(raw);
  } catch (e) {
    // The shared parser speaks of flags (--k); here they are settings inside one spec.
    throw new UsageError(`--configs '${spec}': ${(e as Error).message.replace(/--([a-z-]+)/g, '$1')}`);
  }
}

export function parseConfigList(list: string): DecodeConfig[] {
  const specs = list.split(',').filter((s) => s.trim() !== '');
  if (specs.length === 0) throw new UsageError('--configs is empty: expected a comma-separated list such as heads:k=3,prompt-lookup:k=4');
  return specs.map(parseConfigSpec);
}

/**
 * heads k=1..K, heads-tree with each default tree that branches (the chain-* trees draft
 * exactly what heads k=1..4 does), draft-model k=2,4, prompt-lookup k=4, and heads k=K at
 * temperature 0.7 (lossless speculative sampling).
 */
export function defaultConfigs(model: Pick<LoadedModel, 'config'>): DecodeConfig[] {
  const K = model.config.heads.num_heads;
  const specs = [
    ...Array.from({ length: K }, (_, i) => `heads:k=${i + 1}`),
    ...Object.keys(DEFAULT_TREES).filter((t) => !t.startsWith('chain-')).map((t) => `heads-tree:tree=${t}`),
    'draft-model:k=2',
    'draft-model:k=4',
    'prompt-lookup:k=4',
    `heads:k=${K}:t=0.7`,
  ];
  return specs.map(parseConfigSpec);
}

/** The autoregressive baseline a config is measured against: drafter none at its sampling settings. */
export const baselineFor = (cfg: DecodeConfig): DecodeConfig => baselineOf(cfg);
