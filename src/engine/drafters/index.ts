/**
 * Building a drafter from user-facing settings (CLI flags, page controls, trace configs),
 * with errors that say which setting is wrong and what would work.
 */
import type { LoadedModel } from '../runtime/model.ts';
import { DraftModelDrafter } from './draft-model.ts';
import { HeadsDrafter } from './heads.ts';
import { PromptLookupDrafter } from './prompt-lookup.ts';
import { defaultK, resolveTree, type DrafterSettings } from './settings.ts';
import { DRAFTER_NAMES, type Drafter } from './types.ts';

/** null for 'none' (plain autoregressive decoding). */
export function createDrafter(model: Pick<LoadedModel, 'config' | 'heads' | 'draftModel'>, s: DrafterSettings): Drafter | null {
  if (!DRAFTER_NAMES.includes(s.drafter)) {
    throw new Error(`unknown drafter '${String(s.drafter)}'; choose one of ${DRAFTER_NAMES.join(', ')}`);
  }
  const pMin = s.pMin ?? 0;
  if (!(pMin >= 0 && pMin < 1)) throw new Error(`pMin must be in [0, 1) (0 = off), got ${pMin}`);
  const k = s.k ?? defaultK(model, s.drafter);
  switch (s.drafter) {
    case 'none':
      return null;
    case 'heads':
    case 'heads-tree': {
      if (!model.heads) throw new Error(`the '${s.drafter}' drafter needs the Medusa heads: load the model with them (heads.onnx)`);
      const shape = s.drafter === 'heads'
        ? { kind: 'chain' as const, k }
        : { kind: 'tree' as const, tree: resolveTree(s.tree, model.heads.numHeads) };
      return new HeadsDrafter(model.heads, shape, pMin);
    }
    case 'draft-model':
      if (!model.draftModel) throw new Error("the 'draft-model' drafter needs the draft model: load the model with it (draft_model.onnx)");
      return new DraftModelDrafter(model.draftModel, k, pMin);
    case 'prompt-lookup':
      return new PromptLookupDrafter(k);
  }
}

export type { Drafter, DrafterName } from './types.ts';
export { defaultK, DEFAULT_TREE, resolveTree, type DrafterSettings } from './settings.ts';
export { DRAFTER_NAMES } from './types.ts';
