/**
 * The engine must run in a Web Worker: nothing reachable from src/engine/index.ts may
 * import node:* modules or node-files.ts (Node-only code lives in node-files.ts and src/cli).
 */
import { existsSync, readFileSync } from 'node:fs';
import { dirname, join, relative, resolve } from 'node:path';
import { describe, expect, it } from 'vitest';

import { ROOT } from './model-paths.ts';

const ENGINE = join(ROOT, 'src/engine');

/** Module specifiers a file imports or re-exports, static and dynamic. */
function importsOf(path: string): string[] {
  const src = readFileSync(path, 'utf8');
  const staticOnes = [...src.matchAll(/^\s*(?:import|export)\s[^'"]*?from\s+['"]([^'"]+)['"]/gm)].map((m) => m[1]!);
  const bare = [...src.matchAll(/^\s*import\s+['"]([^'"]+)['"]/gm)].map((m) => m[1]!);
  const dynamic = [...src.matchAll(/import\(\s*['"]([^'"]+)['"]\s*\)/g)].map((m) => m[1]!);
  return [...staticOnes, ...bare, ...dynamic];
}

describe('browser safety', () => {
  it('index.ts reaches no node:* module and not node-files.ts', () => {
    const seen = new Set<string>();
    const bad: string[] = [];
    const visit = (path: string) => {
      if (seen.has(path)) return;
      seen.add(path);
      for (const spec of importsOf(path)) {
        const from = relative(ENGINE, path);
        if (spec.startsWith('node:') || /^(fs|path|os|url|child_process|worker_threads)(\/|$)/.test(spec)) {
          bad.push(`${from} imports ${spec}`);
        } else if (spec.startsWith('.')) {
          const target = resolve(dirname(path), spec);
          if (target.endsWith('node-files.ts')) bad.push(`${from} imports ${spec}`);
          else if (!existsSync(target)) bad.push(`${from} imports ${spec}, which does not exist`);
          else visit(target);
        }
      }
    };
    visit(join(ENGINE, 'index.ts'));
    expect(bad).toEqual([]);
    expect(seen.size).toBeGreaterThan(8);
    expect(seen.has(join(ENGINE, 'node-files.ts'))).toBe(false);
  });
});
