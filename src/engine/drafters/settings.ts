/**
 * Drafter settings as users give them (CLI flags, page controls, trace configs), their
 * defaults, and turning a tree name or index paths into a Tree. No runtime here, so the
 * trace format and the page can use it without pulling in onnxruntime-web.
 */
import type { LoadedModel } from '../runtime/model.ts';
import { buildTree, DEFAULT_TREES, type DefaultTreeName, type Tree, type TreeSpec } from '../decoding/tree.ts';
import type { DrafterName } from './types.ts';

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
