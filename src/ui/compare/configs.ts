/**
 * The Compare view's inputs as data: presets of configurations, the defaults, and the
 * checks a setting can fail (with what was expected and what to change), so Run is
 * disabled with a reason instead of the worker refusing it. Pure: testable in Node.
 */
import { DEFAULT_TREES, type DefaultTreeName } from '../../engine/decoding/tree.ts';
import type { SuiteName } from '../../engine/bench/suites.ts';
import { DRAFTERS, DRAFTING_NAMES, maxK, usesKnob } from '../../engine/drafters/registry.ts';
import { DEFAULT_TREE } from '../../engine/drafters/settings.ts';
import { configLabel } from '../../worker/compare-config.ts';
import type { CompareConfig, CompareSettings } from '../../worker/protocol.ts';
import { MAX_TEMPERATURE } from '../store/settings.ts';

export const MAX_CONFIGS = 12;
export const MAX_COMPARE_PROMPTS = 24;
export const MAX_COMPARE_TOKENS = 256;

/** Every drafter that drafts (the autoregressive baseline runs anyway), from the registry. */
export const COMPARE_DRAFTERS = DRAFTING_NAMES as readonly CompareConfig['drafter'][];

const cfg = (drafter: CompareConfig['drafter'], shape: number | DefaultTreeName, temperature = 0): CompareConfig => ({
  drafter,
  k: typeof shape === 'number' ? shape : 4,
  tree: typeof shape === 'string' ? shape : DEFAULT_TREE,
  temperature,
});

export interface ComparePreset {
  id: string;
  label: string;
  configs: (numHeads: number) => CompareConfig[];
}

export const COMPARE_PRESETS: readonly ComparePreset[] = [
  {
    id: 'drafters',
    label: 'Every drafter at k = 4 (greedy)',
    configs: (K) => [cfg('heads', Math.min(4, K)), cfg('heads-tree', 'tree-8'), cfg('draft-model', 4), cfg('prompt-lookup', 4)],
  },
  { id: 'heads-k', label: 'Heads chain, k = 1 … K (greedy)', configs: (K) => Array.from({ length: K }, (_, i) => cfg('heads', i + 1)) },
  {
    id: 'trees',
    label: 'Heads: chain against trees (greedy)',
    configs: (K) => [cfg('heads', Math.min(4, K)), cfg('heads-tree', 'tree-8'), cfg('heads-tree', 'tree-12'), cfg('heads-tree', 'tree-16')],
  },
  {
    id: 'sampling',
    label: 'Greedy against sampling at t = 0.7',
    configs: (K) => [cfg('heads', Math.min(3, K)), cfg('heads', Math.min(3, K), 0.7), cfg('draft-model', 4), cfg('draft-model', 4, 0.7)],
  },
  { id: 'draft-model-k', label: 'Draft model, k = 1 … 6 (greedy)', configs: () => [1, 2, 3, 4, 5, 6].map((k) => cfg('draft-model', k)) },
  {
    id: 'eagle',
    label: 'EAGLE, heads, draft model (greedy)',
    configs: (K) => [cfg('heads', Math.min(4, K)), cfg('eagle', 2), cfg('eagle', 3), cfg('eagle', 4), cfg('eagle-tree', 4), cfg('draft-model', 2)],
  },
  {
    id: 'eagle-sampling',
    label: 'EAGLE, heads, draft model (t = 0.7)',
    configs: (K) => [cfg('heads', Math.min(4, K), 0.7), cfg('eagle', 3, 0.7), cfg('eagle', 4, 0.7), cfg('eagle-tree', 4, 0.7), cfg('draft-model', 2, 0.7)],
  },
];

export const DEFAULT_COMPARE: CompareSettings = {
  suite: 'prose',
  prompts: 4,
  maxTokens: 48,
  configs: [cfg('heads', 4), cfg('draft-model', 4)],
};

/** A new row: the last row's drafter one step longer, or heads k=2. */
export function nextConfig(configs: readonly CompareConfig[], numHeads: number): CompareConfig {
  const last = configs[configs.length - 1];
  if (!last) return cfg('heads', Math.min(2, numHeads));
  if (usesKnob(last.drafter, 'tree')) {
    const names = Object.keys(DEFAULT_TREES) as DefaultTreeName[];
    return { ...last, tree: names[(names.indexOf(last.tree) + 1) % names.length]! };
  }
  const max = maxK(last.drafter, { numHeads });
  return { ...last, k: last.k < max ? last.k + 1 : 1 };
}

/** Why this configuration cannot run on a model with `numHeads` heads, or null. */
export function configProblem(c: CompareConfig, numHeads: number | null): string | null {
  const most = maxK(c.drafter, numHeads !== null ? { numHeads } : null);
  if (usesKnob(c.drafter, 'k') && !(Number.isInteger(c.k) && c.k >= 1 && c.k <= most)) {
    return `k = ${c.k}: expected a whole number from 1 to ${most}${DRAFTERS[c.drafter].parts.includes('heads') ? ` (the model has ${most} draft heads)` : ''}.`;
  }
  if (usesKnob(c.drafter, 'tree') && numHeads !== null) {
    const depth = Math.max(...DEFAULT_TREES[c.tree].spec.map((p) => p.length));
    if (depth > numHeads) return `${c.tree} is ${depth} deep, but the model has ${numHeads} draft heads: choose a shallower tree.`;
  }
  if (!(c.temperature >= 0 && c.temperature <= MAX_TEMPERATURE)) return `temperature ${c.temperature}: expected a number from 0 (greedy) to ${MAX_TEMPERATURE}.`;
  return null;
}

/** Why Run cannot go, or null: no rows, a duplicate, a row that cannot run, a suite the model lacks. */
export function compareProblem(s: CompareSettings, limits: { numHeads: number; suiteSizes: Record<SuiteName, number> | null } | null): string | null {
  if (s.configs.length === 0) return 'No configurations: add a row or choose a preset.';
  if (s.configs.length > MAX_CONFIGS) return `${s.configs.length} configurations: at most ${MAX_CONFIGS} fit one comparison; remove some rows.`;
  const seen = new Set<string>();
  for (const [i, c] of s.configs.entries()) {
    const problem = configProblem(c, limits?.numHeads ?? null);
    if (problem) return `Row ${i + 1} (${configLabel(c)}): ${problem}`;
    const label = configLabel(c);
    if (seen.has(label)) return `Row ${i + 1} repeats "${label}": remove it or change it.`;
    seen.add(label);
  }
  if (limits && limits.suiteSizes === null) return 'This model has no prompt suites (prompts.json), so there is nothing to compare on.';
  return null;
}
