/**
 * The page's main thread must not load the inference runtime: onnxruntime-web (and the
 * engine modules that import it) belong to the worker. Walks the value imports (not
 * `import type`) reachable from src/ui/main.tsx.
 */
import { existsSync, readFileSync } from 'node:fs';
import { dirname, join, relative, resolve } from 'node:path';
import { describe, expect, it } from 'vitest';
import { ROOT } from './model-paths.ts';

function valueImports(path: string): string[] {
  const src = readFileSync(path, 'utf8');
  const out: string[] = [];
  for (const m of src.matchAll(/^\s*(import|export)\s+(type\s+)?([^'"]*?)from\s+['"]([^'"]+)['"]/gm)) {
    if (!m[2]) out.push(m[4]!);
  }
  for (const m of src.matchAll(/^\s*import\s+['"]([^'"]+)['"]/gm)) out.push(m[1]!);
  for (const m of src.matchAll(/import\(\s*['"]([^'"]+)['"]\s*\)/g)) out.push(m[1]!);
  return out;
}

describe('main-thread bundle', () => {
  it('src/ui reaches neither onnxruntime-web nor engine/index.ts', () => {
    const seen = new Set<string>();
    const bad: string[] = [];
    const visit = (path: string) => {
      if (seen.has(path)) return;
      seen.add(path);
      for (const spec of valueImports(path)) {
        const from = relative(ROOT, path);
        if (spec.startsWith('onnxruntime')) bad.push(`${from} imports ${spec}`);
        if (!spec.startsWith('.')) continue;
        const target = resolve(dirname(path), spec);
        if (target.endsWith('.css')) continue;
        if (target === join(ROOT, 'src/engine/index.ts')) bad.push(`${from} imports the engine's index (use the pure module it re-exports)`);
        if (!existsSync(target)) bad.push(`${from} imports ${spec}, which does not exist`);
        else visit(target);
      }
    };
    visit(join(ROOT, 'src/ui/main.tsx'));
    expect(bad).toEqual([]);
    expect(seen.size).toBeGreaterThan(15);
  });
});
