/**
 * The engine must run in a Web Worker: nothing reachable from src/engine/index.ts may
 * import node:* modules or node-files.ts (Node-only code lives in node-files.ts and src/cli).
 */
import { readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';

import { ROOT } from './model-paths.ts';

const ENGINE = join(ROOT, 'src/engine');

function importsOf(file: string): string[] {
  const src = readFileSync(join(ENGINE, file), 'utf8');
  return [...src.matchAll(/^\s*(?:import|export)[^'"]*from\s+'([^']+)'/gm)].map((m) => m[1]!);
}

describe('browser safety', () => {
  it('index.ts reaches no node:* module and not node-files.ts', () => {
    const seen = new Set<string>();
    const bad: string[] = [];
    const visit = (file: string) => {
      if (seen.has(file)) return;
      seen.add(file);
      for (const spec of importsOf(file)) {
        if (spec.startsWith('node:') || spec.endsWith('node-files.ts')) bad.push(`${file} imports ${spec}`);
        else if (spec.startsWith('./')) visit(spec.slice(2));
      }
    };
    visit('index.ts');
    expect(bad).toEqual([]);
    expect(seen.size).toBeGreaterThan(8);
    expect(readdirSync(ENGINE)).toContain('node-files.ts');
  });
});
