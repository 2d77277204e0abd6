/**
 * No import cycle in src/engine: every module's imports (type-only ones and re-exports
 * included, as TypeScript's own pre-processor reads them) form a graph that must have no
 * loop, so each folder reads from the bottom up. A cycle is named file by file.
 */
import { readdirSync, readFileSync } from 'node:fs';
import { dirname, join, relative, resolve } from 'node:path';
import ts from 'typescript';
import { describe, expect, it } from 'vitest';

import { ROOT } from './model-paths.ts';

const ENGINE = join(ROOT, 'src/engine');

function sources(dir: string): string[] {
  return readdirSync(dir, { withFileTypes: true }).flatMap((e) => {
    const path = join(dir, e.name);
    if (e.isDirectory()) return sources(path);
    return /\.tsx?$/.test(e.name) && !e.name.endsWith('.d.ts') ? [path] : [];
  });
}

/** Engine file (relative to src/engine) -> the engine files it imports. */
function importGraph(): Map<string, string[]> {
  const graph = new Map<string, string[]>();
  for (const path of sources(ENGINE)) {
    const { importedFiles } = ts.preProcessFile(readFileSync(path, 'utf8'), true, true);
    const targets = importedFiles
      .map((f) => f.fileName)
      .filter((spec) => spec.startsWith('.'))
      .map((spec) => relative(ENGINE, resolve(dirname(path), spec)))
      .filter((to) => !to.startsWith('..'));
    graph.set(relative(ENGINE, path), [...new Set(targets)]);
  }
  return graph;
}

/** Every cycle's files in import order, each found once from its first file in sorted order: a -> b -> a gives [['a', 'b']]. */
export function cyclesOf(graph: ReadonlyMap<string, readonly string[]>): string[][] {
  const state = new Map<string, 'open' | 'done'>();
  const stack: string[] = [];
  const found: string[][] = [];
  const visit = (node: string) => {
    state.set(node, 'open');
    stack.push(node);
    for (const next of graph.get(node) ?? []) {
      if (state.get(next) === 'open') found.push(stack.slice(stack.indexOf(next)));
      else if (!state.has(next)) visit(next);
    }
    stack.pop();
    state.set(node, 'done');
  };
  for (const node of [...graph.keys()].sort()) if (!state.has(node)) visit(node);
  return found;
}

describe('engine imports', () => {
  it('finds a cycle where there is one, and names its files', () => {
    const g = new Map([['a.ts', ['b.ts']], ['b.ts', ['c.ts', 'd.ts']], ['c.ts', ['a.ts']], ['d.ts', []]]);
    expect(cyclesOf(g)).toEqual([['a.ts', 'b.ts', 'c.ts']]);
    expect(cyclesOf(new Map([['a.ts', ['b.ts']], ['b.ts', []]]))).toEqual([]);
  });

  it('reads every engine file and its imports, type-only ones included', () => {
    const g = importGraph();
    expect(g.size).toBeGreaterThan(40);
    // trace.ts imports its schema; metrics.ts has an `import type` of it
    expect(g.get(join('trace', 'trace.ts'))).toContain(join('trace', 'schema.ts'));
    expect(g.get(join('trace', 'metrics.ts'))).toContain(join('trace', 'schema.ts'));
  });

  it('has no import cycle in src/engine', () => {
    const shown = cyclesOf(importGraph()).map((c) => [...c, c[0]].join(' -> '));
    expect(shown, `import cycles in src/engine:\n${shown.join('\n')}`).toEqual([]);
  });
});
