/**
 * Building a drafter from user-facing settings (CLI flags, page controls, trace configs),
 * with errors that say which setting is wrong and what would work.
 */
import type { LoadedModel } from '../model.ts';
import { buildTree, DEFAULT_TREES, type DefaultTreeName, type Tree, type TreeSpec } from '../tree.ts';
import { DraftModelDrafter } from './draft-model.ts';
import { HeadsDrafter } from './heads.ts';
import { PromptLookupDrafter } from './prompt-lookup.ts';
import { DRAFTER_NAMES, type Drafter, type DrafterName } from './types.ts';

export interface DrafterSettings {
  drafter: DrafterName;
  /** Chain length (heads: 1..K; draft-model and prompt-lookup: 1..32). Default: K for heads, 4 otherwise. */
  k?: number;
  /** heads-tree: a default tree's name or a list of index paths. Default 'tree-8'. */
  tree?: DefaultTreeName | TreeSpec;
  /** Confidence stopping: stop drafting below this top probability (0 = off). */
  pMin?: number;
}

export const DEFAULT_TREE: DefaultTreeName = 'tree-8';

export function resolveTree(tree: DefaultTreeName | TreeSpec | undefined, numHeads: number): Tree {
  const t = tree ?? DEFAULT_TREE;
  if (typeof t === 'string') {
    const found = (DEFAULT_TREES as Record<string, { spec: TreeSpec }>)[t];
    if (!found) throw new Error(`unknown tree '${t}'; choose one of ${Object.keys(DEFAULT_TREES).join(', ')} or give index paths`);
    return buildTree(found.spec, { numHeads });
  }
  return buildTree(t, { numHeads });
}

export function defaultK(model: Pick<LoadedModel, 'config'>, drafter: DrafterName): number {
  return drafter === 'heads' || drafter === 'heads-tree' ? model.config.heads.num_heads : 4;
}

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
export { DRAFTER_NAMES } from './types.ts';
