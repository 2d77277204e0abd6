/**
 * Building a drafter from user-facing settings (CLI flags, page controls, trace configs)
 * through its registry entry, with errors that say which setting is wrong and what would work.
 */
import type { DrafterSettings } from '../decoding/decode-config.ts';
import { defaultK, drafterEntry, MODEL_PARTS, type DrafterModel } from './registry.ts';
import { DEFAULT_TREE } from './settings.ts';
import type { Drafter } from './types.ts';

/** null for 'none' (plain autoregressive decoding). */
export function createDrafter(model: DrafterModel, s: DrafterSettings): Drafter | null {
  const entry = drafterEntry(s.drafter);
  const pMin = s.pMin ?? 0;
  if (!(pMin >= 0 && pMin < 1)) throw new Error(`pMin must be in [0, 1) (0 = off), got ${pMin}`);
  for (const part of entry.parts) {
    const { label, file, loaded } = MODEL_PARTS[part];
    if (!loaded(model)) {
      throw new Error(`the '${entry.name}' drafter needs ${label} (${file(model.config)}): load the model with that graph, or choose another drafter`);
    }
  }
  const knob = (name: 'branch' | 'draftTokens', v: number | undefined): number => {
    const spec = entry.knobs[name];
    const value = v ?? spec?.default ?? 1;
    if (spec && !(Number.isInteger(value) && value >= 1 && value <= spec.max)) {
      throw new Error(`${name} for '${entry.name}' must be an integer in [1, ${spec.max}] (default ${spec.default}), got ${value}`);
    }
    return value;
  };
  return entry.create(model, {
    k: s.k ?? defaultK(model, entry.name),
    tree: s.tree ?? entry.knobs.tree?.default ?? DEFAULT_TREE,
    pMin,
    branch: knob('branch', s.branch),
    draftTokens: knob('draftTokens', s.draftTokens),
    sampleDrafts: s.sampleDrafts ?? false,
  });
}

export type { Drafter, DrafterName } from './types.ts';
export type { DrafterSettings } from '../decoding/decode-config.ts';
export { DEFAULT_TREE, resolveTree } from './settings.ts';
export { defaultK, DRAFTER_NAMES } from './registry.ts';
