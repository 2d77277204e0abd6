/**
 * Turning a tree as users give it (a default tree's name, or index paths) into a Tree. No
 * runtime here, so the trace format and the page can use it without pulling in onnxruntime-web.
 */
import { buildTree, DEFAULT_TREES, type DefaultTreeName, type Tree, type TreeSpec } from '../decoding/tree.ts';

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
