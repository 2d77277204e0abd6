/**
 * Before/after of an optimisation in one interleaved run: the same decodes on several
 * checkouts of the engine, loaded side by side in one process and alternated prompt by
 * prompt, so machine drift hits every version alike (two separate bench runs on a shared
 * machine differ by more than most optimisations). Each version uses its own checkout's
 * model folder. Times are decode-phase (after the prefill step).
 *
 *   git worktree add /tmp/before <rev> && ln -s "$PWD/node_modules" /tmp/before/node_modules
 *   npx tsx src/cli/bench-ab.ts --roots /tmp/before,. [--prompts 12]
 */
import { resolve } from 'node:path';

import { measureKvKeep } from '../engine/runtime/cost-probe.ts';
import type * as Engine from '../engine/index.ts';
import type * as Files from '../engine/runtime/node-files.ts';
import type * as Suites from '../engine/bench/suites.ts';
import { intFlag, parseFlags, runMain, UsageError, type FlagSpecs } from './args.ts';

const USAGE = `Usage: npx tsx src/cli/bench-ab.ts --roots DIR,DIR[,...] [--prompts N]

Each DIR is a checkout of this repository (with node_modules reachable from it).`;

const FLAGS = {
  roots: { type: 'string', value: 'DIR,DIR', help: 'the checkouts to compare, comma-separated' },
  prompts: { type: 'string', value: 'N', help: 'prose prompts per version (default 12)' },
} satisfies FlagSpecs;

/** A decode configuration, identical across versions: [label, drafter settings or null, temperature]. */
const CONFIGS: Array<[string, { drafter: 'heads' | 'draft-model'; k: number } | null, number]> = [
  ['AR greedy', null, 0],
  ['heads k=4 greedy', { drafter: 'heads', k: 4 }, 0],
  ['AR t=0.7', null, 0.7],
  ['draft-model k=4 t=0.7', { drafter: 'draft-model', k: 4 }, 0.7],
];

interface Version {
  root: string;
  engine: typeof Engine;
  model: Engine.LoadedModel;
  prompts: string[];
  /** ms inside the base model's session.run since last reset. */
  meter: { ms: number };
  sums: Map<string, { ms: number; tokens: number; steps: number; runMs: number }>;
}

async function load(root: string, nPrompts: number): Promise<Version> {
  const engine = (await import(resolve(root, 'src/engine/index.ts'))) as typeof Engine;
  const { nodeFiles } = (await import(resolve(root, 'src/engine/runtime/node-files.ts'))) as typeof Files;
  const { loadPromptSuites, suitePrompts } = (await import(resolve(root, 'src/engine/bench/suites.ts'))) as typeof Suites;
  const files = nodeFiles(resolve(root, 'public/models/toy'));
  const model = await engine.loadModel(files);
  const prompts = suitePrompts(await loadPromptSuites(files), 'prose').slice(0, nPrompts).map((p) => p.text);
  // Older checkouts have no run meter of their own: time the base session's run from outside.
  const session = (model.base as unknown as { session: { run: (...a: unknown[]) => Promise<unknown> } }).session;
  const run = session.run.bind(session);
  const meter = { ms: 0 };
  session.run = async (...a: unknown[]) => {
    const t0 = performance.now();
    try {
      return await run(...a);
    } finally {
      meter.ms += performance.now() - t0;
    }
  };
  return { root, engine, model, prompts, meter, sums: new Map() };
}

async function main(): Promise<void> {
  const argv = process.argv.slice(2);
  const f = parseFlags(argv, FLAGS, USAGE);
  const roots = (f.roots ?? '').split(',').filter(Boolean);
  if (roots.length === 0) throw new UsageError(`--roots: give at least one checkout\n\n${USAGE}`);
  const nPrompts = intFlag('prompts', f.prompts, 12, 1);
  const versions: Version[] = [];
  for (const r of roots) versions.push(await load(r, nPrompts));
  const drafters = versions.map((v) => CONFIGS.map(([, d]) => (d ? v.engine.createDrafter(v.model, d) : null)));

  for (let i = -1; i < nPrompts; i++) {
    const order = i % 2 === 0 ? versions.map((_, j) => j) : versions.map((_, j) => versions.length - 1 - j);
    for (const j of order) {
      const v = versions[j]!;
      for (const [c, [label, , temperature]] of CONFIGS.entries()) {
        v.meter.ms = 0;
        // older checkouts read maxNewTokens and time the target forward as forwardMs
        const opts = { maxTokens: 128, maxNewTokens: 128, seed: Math.max(0, i), temperature };
        const r = await v.engine.speculativeGenerate(v.model, drafters[j]![c]!, v.prompts[Math.max(0, i)]!, opts);
        if (i < 0) continue; // warm-up
        const pre = r.steps[0]!.timings;
        const s = v.sums.get(label) ?? { ms: 0, tokens: 0, steps: 0, runMs: 0 };
        s.ms += r.elapsedMs - pre.totalMs;
        s.tokens += r.tokens.length - 1;
        s.steps += r.steps.length - 1;
        s.runMs += v.meter.ms - (pre.verifyForwardMs ?? (pre as unknown as { forwardMs: number }).forwardMs);
        v.sums.set(label, s);
      }
    }
  }
  const f3 = (x: number) => x.toFixed(3);
  for (const v of versions) {
    const perToken = (label: string) => v.sums.get(label)!.ms / v.sums.get(label)!.tokens;
    const ar = v.sums.get('AR greedy')!;
    const kv = await measureKvKeep(v.model, { reps: 30 });
    process.stdout.write(
      `${v.root}\n` +
        CONFIGS.map(([label]) => `  ${label}: ${f3(perToken(label))} ms/token\n`).join('') +
        `  AR greedy: bare base session.run ${f3(ar.runMs / ar.steps)} ms/step, overhead ${f3(ar.ms / ar.runMs)}\n` +
        `  speedup heads k=4 greedy ${f3(perToken('AR greedy') / perToken('heads k=4 greedy'))}, draft-model k=4 t=0.7 ${f3(perToken('AR t=0.7') / perToken('draft-model k=4 t=0.7'))}\n` +
        `  KV keep at context ${kv.context}: truncate ${f3(kv.truncate_ms)} ms (${(100 * kv.truncate_share).toFixed(1)}%), tree gather ${f3(kv.gather_ms)} ms (${(100 * kv.gather_share).toFixed(1)}%)\n`,
    );
  }
  for (const v of versions) await v.model.release();
}

runMain('bench-ab', main);
