/**
 * The Trace stepper's draft tree (src/ui/components/DraftTree.tsx) drawn from each step's own
 * tree: an EAGLE-2 dynamic tree has a different shape from step to step, and every step's
 * drawing has exactly its nodes, its accepted path and its final token.
 */
import { renderToStaticMarkup } from 'react-dom/server';
import { describe, expect, it } from 'vitest';

import { DraftTree } from '../src/ui/components/DraftTree.tsx';
import { createDrafter } from '../src/engine/drafters/index.ts';
import { speculativeGenerate } from '../src/engine/decoding/speculative.ts';
import { tableModel } from './helpers/table-lm.ts';

describe('DraftTree with a dynamic tree', () => {
  it('draws each step with its own shape', async () => {
    const V = 6;
    const model = tableModel(5, V);
    const drafter = createDrafter(model, { drafter: 'eagle-tree', k: 3, branch: 2, draftTokens: 5 });
    const r = await speculativeGenerate(model, drafter, { ids: [0, 1, 2, 3] }, { maxTokens: 24, stopAtEos: false, temperature: 1, seed: 3 });
    const drafted = r.steps.filter((s) => s.draft);
    const shapes = new Set(drafted.map((s) => JSON.stringify(s.draft!.tree)));
    expect(shapes.size).toBeGreaterThan(1);
    const vocab = Array.from({ length: V }, (_, i) => `t${i}`);
    for (const step of drafted) {
      const html = renderToStaticMarkup(<DraftTree step={step} vocab={vocab} />);
      const N = step.draft!.tree.length + 1;
      // one box per node and one for the target's token; an edge per non-root node and the final one
      expect(html.match(/class="tnode /g)).toHaveLength(N + 1);
      expect(html.match(/<line /g)).toHaveLength(N);
      expect(html).toContain(`Draft of ${N - 1} candidate`);
      expect(html).toContain(`then the ${step.verify.final.kind} token t${step.verify.final.token}`);
      expect(html.match(/tnode-accepted/g)?.length ?? 0).toBe(step.verify.acceptLength);
    }
  });
});
