/**
 * A comparison's configurations as both sides name them: labels ('heads k=3, greedy'),
 * the temperatures whose autoregressive baselines a comparison needs, and what the engine
 * takes for each. Plain data and types only, so the page can import it without pulling
 * in the runtime (the worker's compare-run.ts does the decoding).
 */
import type { DrafterSettings } from '../engine/drafters/settings.ts';
import type { CompareConfig } from './protocol.ts';

/** 'greedy' at temperature 0, else 't=0.7'. */
export const samplingLabel = (temperature: number) => (temperature === 0 ? 'greedy' : `t=${temperature}`);

/** The drafter's shape: 'tree-8' for heads-tree, else 'k=3'. */
export const shapeLabel = (c: CompareConfig) => (c.drafter === 'heads-tree' ? c.tree : `k=${c.k}`);

/** 'heads k=3, greedy', 'heads-tree tree-12, t=0.7'. */
export const configLabel = (c: CompareConfig) => `${c.drafter} ${shapeLabel(c)}, ${samplingLabel(c.temperature)}`;

export const baselineLabel = (temperature: number) => `autoregressive, ${samplingLabel(temperature)}`;

/** The distinct temperatures of the configurations, in first-use order: one baseline each. */
export function baselineTemperatures(configs: readonly CompareConfig[]): number[] {
  return [...new Set(configs.map((c) => c.temperature))];
}

/** The engine's drafter settings for a configuration: only what applies to its drafter. */
export function drafterSettingsOf(c: CompareConfig): DrafterSettings {
  return c.drafter === 'heads-tree' ? { drafter: c.drafter, tree: c.tree } : { drafter: c.drafter, k: c.k };
}
