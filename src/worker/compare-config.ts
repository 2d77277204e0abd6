/**
 * A comparison's configurations as both sides name them: labels ('heads k=3, greedy', by
 * decode-config.ts's one label function), the temperatures whose autoregressive baselines
 * a comparison needs, and the DecodeConfig each row stands for. Plain data and types only,
 * so the page can import it without pulling in the runtime (compare-run.ts decodes).
 */
import {
  decodeConfig,
  drafterSettingsOf as drafterSettingsOfConfig,
  samplingLabel,
  type DecodeConfig,
  type DrafterSettings,
} from '../engine/decoding/decode-config.ts';
import type { CompareConfig } from './protocol.ts';

export { configLabel, samplingLabel, shapeLabel } from '../engine/decoding/decode-config.ts';

export const baselineLabel = (temperature: number) => `autoregressive, ${samplingLabel({ temperature })}`;

/** The distinct temperatures of the configurations, in first-use order: one baseline each. */
export function baselineTemperatures(configs: readonly CompareConfig[]): number[] {
  return [...new Set(configs.map((c) => c.temperature))];
}

/** The whole decoding configuration a row stands for: its drafter, shape and temperature, the rest at their defaults. */
export function decodeConfigOf(c: CompareConfig, limits: Partial<Pick<DecodeConfig, 'maxTokens' | 'seed'>> = {}): DecodeConfig {
  return decodeConfig({ drafter: c.drafter, k: c.k, tree: c.tree, temperature: c.temperature, ...limits });
}

/** The engine's drafter settings for a configuration: only what applies to its drafter. */
export const drafterSettingsOf = (c: CompareConfig): DrafterSettings => drafterSettingsOfConfig(decodeConfigOf(c));
