/**
 * A Compare row (drafter x k or tree x temperature, protocol.ts CompareConfig) as the
 * DecodeConfig it stands for, and the labels every table uses (decode-config.ts's one label
 * function). Plain data and types only, so the page can import it without pulling in the
 * runtime (compare-run.ts decodes).
 */
import { decodeConfig, type DecodeConfig } from '../engine/decoding/decode-config.ts';
import type { CompareConfig } from './protocol.ts';

export { configLabel, samplingLabel, shapeLabel } from '../engine/decoding/decode-config.ts';

/** The whole decoding configuration a row stands for: its drafter, shape and temperature, the rest at their defaults. */
export function decodeConfigOf(c: CompareConfig, limits: Partial<Pick<DecodeConfig, 'maxTokens' | 'seed'>> = {}): DecodeConfig {
  return decodeConfig({ drafter: c.drafter, k: c.k, tree: c.tree, temperature: c.temperature, ...limits });
}

