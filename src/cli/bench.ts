/**
 * Benchmark drafters against autoregressive decoding on a prompt suite:
 *
 *   npm run bench -- --suite prose --prompts 8 --configs heads:k=3,heads-tree:tree=tree-12 --out bench/
 *
 * The interleaved bench of engine/bench/interleave.ts (the loop the page's Compare runs):
 * every configuration and its autoregressive baseline on every prompt, interleaved per
 * prompt, after one untimed warm-up run of each. Figures are medians over prompts
 * (engine/bench/summary.ts, the page's rows too), shown by bench-report.ts; each output's
 * distinct-4 splits the prompts into natural and collapsed outputs, stated apart. The JSON
 * report carries the results file (engine/bench/results-file.ts) the Compare view imports;
 * --out also writes it alone, as DIR/results.json.
 */
import { mkdirSync, writeFileSync } from 'node:fs';
import { join, resolve } from 'node:path';

import { baselinesFor, interleavedBench } from '../engine/bench/interleave.ts';
import { benchConfigOf, parseBenchResults, RESULTS_FORMAT, RESULTS_VERSION, resultsToJson, type BenchResults } from '../engine/bench/results-file.ts';
import { baselineLabel, summariseBench } from '../engine/bench/summary.ts';
import { loadPromptSuites, SUITE_CHOICES, suitePrompts, type SuitePrompt } from '../engine/bench/suites.ts';
import { isCollapsed } from '../engine/bench/text-quality.ts';
import { configLabel, type DecodeConfig } from '../engine/decoding/decode-config.ts';
import { preparePrompt } from '../engine/decoding/prompt.ts';
import type { SpecResult } from '../engine/decoding/speculative.ts';
import { defaultK, DRAFTER_NAMES, partsFor, usesKnob } from '../engine/drafters/registry.ts';
import { measureCostCurve, measureKvKeep } from '../engine/runtime/cost-probe.ts';
import { loadModel, type LoadedModel } from '../engine/runtime/model.ts';
import { nodeFiles } from '../engine/runtime/node-files.ts';
import { computeMetrics } from '../engine/trace/metrics.ts';
import { choiceFlag, intFlag, parseFlags, runMain, UsageError, type FlagSpecs } from './args.ts';
import { defaultConfigs, parseConfigList } from './bench-configs.ts';
import { environment, markdownReport, targetFigures, textTable } from './bench-report.ts';
import { checkWritableDir } from './input-files.ts';
import { resolveModelDir } from './model-arg.ts';
import { makeDrafter, neededParts } from './run-config.ts';

const USAGE = `Usage: npm run bench -- [flags]

Runs autoregressive decoding and each drafter configuration on every prompt of a suite,
interleaved, and prints each output's distinct-4 (unique / all token 4-grams) and how many
collapsed (below 0.5: the text repeats itself), then acceptance, τ, target forwards per
token, tokens/s and speedup over the natural outputs, with the collapsed ones apart.

--configs is a comma-separated list of DRAFTER[:key=value...] with keys k, tree,
t (temperature), top-p, top-k, p-min, acceptance, repetition-penalty,
no-repeat-ngram-size and the switch adaptive, e.g.
  heads:k=3:t=0.7:top-p=0.9,draft-model:k=4,heads-tree:tree=tree-12,prompt-lookup:k=4
Default: heads k=1..K, heads-tree tree-8/12/16, draft-model k=2,4, prompt-lookup k=4,
heads k=K at t=0.7.`;

const FLAGS = {
  model: { type: 'string', value: 'ID|DIR', help: 'model id under public/models/ or a model folder (default toy, else the smoke model)' },
  suite: { type: 'string', value: 'NAME', help: `${SUITE_CHOICES.join(' | ')} (default all: the suites dealt out in turn)` },
  configs: { type: 'string', value: 'LIST', help: 'configurations to compare (see above)' },
  prompts: { type: 'string', value: 'N', help: 'first N prompts of the suite (default 12)' },
  'max-tokens': { type: 'string', value: 'N', help: 'new tokens per run at most (default 64)' },
  json: { type: 'boolean', help: 'print every figure as one JSON object instead of the table' },
  out: { type: 'string', value: 'DIR', help: 'also write DIR/bench.json, DIR/bench.md (table, command line, machine) and DIR/results.json (for the Compare view)' },
} satisfies FlagSpecs;

/** The configuration with the drafter's default k filled in from the model, so its label says which k ran. */
function withDefaults(c: DecodeConfig, model: LoadedModel): DecodeConfig {
  return usesKnob(c.drafter, 'k') && c.k === undefined ? { ...c, k: defaultK(model, c.drafter) } : c;
}

async function main(): Promise<void> {
  const argv = process.argv.slice(2);
  const f = parseFlags(argv, FLAGS, USAGE);
  const suite = choiceFlag('suite', f.suite, 'all', SUITE_CHOICES);
  const nPrompts = intFlag('prompts', f.prompts, 12, 1);
  const maxTokens = intFlag('max-tokens', f['max-tokens'], 64, 1);
  const userConfigs = f.configs !== undefined ? parseConfigList(f.configs) : null;
  if (f.out !== undefined) checkWritableDir('out', f.out, ['bench.json', 'bench.md', 'results.json']);
  const { dir, note } = resolveModelDir(f.model);
  const log = (s: string) => process.stderr.write(`${s}\n`);
  if (note) log(note);

  const files = nodeFiles(dir);
  const available = suitePrompts(await loadPromptSuites(files), suite);
  const prompts: SuitePrompt[] = available.slice(0, nPrompts);
  if (available.length < nPrompts) log(`note: suite ${suite} has ${available.length} prompts; running all of them`);
  const model = await loadModel(files, { parts: userConfigs ? neededParts(userConfigs) : partsFor(DRAFTER_NAMES) });
  try {
    for (const p of prompts) {
      try {
        preparePrompt(model.tokenizer, model.config.n_positions, p.text);
      } catch (e) {
        throw new Error(`prompt ${p.id} (suite ${p.suite}) does not fit this model: ${(e as Error).message}`);
      }
    }
    const configs = (userConfigs ?? defaultConfigs(model)).map((c) => withDefaults({ ...c, maxTokens }, model));
    const drafters = configs.map((c) => makeDrafter(model, c));
    const { baselines, baselineIndex } = baselinesFor(configs);
    // every decode's steps, for metrics pooled over prompts (vLLM's sum-then-divide): [run][prompt]
    const decodes: SpecResult[][] = [...baselines, ...configs].map(() => []);
    const done = await interleavedBench(model, {
      prompts,
      configs,
      drafters,
      label: (c) => (c.drafter === 'none' ? baselineLabel(c) : configLabel(c)),
      onProgress: (p) => {
        if (p.run === 1) log(p.prompt === 0 ? `warm-up: ${p.runs} runs on ${prompts[0]!.id}` : `prompt ${p.prompt}/${p.prompts} ${prompts[p.prompt - 1]!.id}`);
      },
      onDecode: (run, _prompt, r) => void decodes[run]!.push(r),
    });
    const results: BenchResults = {
      format: RESULTS_FORMAT,
      version: RESULTS_VERSION,
      created: new Date().toISOString(),
      model: { id: model.id, threads: null },
      suite,
      max_tokens: maxTokens,
      configs: configs.map(benchConfigOf),
      prompts: done,
    };
    const rows = summariseBench(results);
    const cellsOf = (run: number) => done.map((p) => (run < baselines.length ? p.baselines[run]!.cell : p.cells[run - baselines.length]!));

    log(`KV cache at context ${model.config.n_positions}: truncate and gather after 5-token verify forwards`);
    const kv = await measureKvKeep(model, { reps: 30 });
    log('cost curve: bare forwards over n new tokens after 128 cached');
    const curve = await measureCostCurve(model, { context: 128 });
    const targets = targetFigures(rows, kv, suite);
    const env = environment(argv);
    const report = {
      ...env,
      model: { id: model.id, dir },
      suite,
      max_tokens: maxTokens,
      prompts: prompts.map((p) => ({ id: p.id, suite: p.suite })),
      targets,
      kv_keep: kv,
      cost_curve: curve,
      configs: rows.map((row, i) => ({
        ...row,
        baseline: rows[i < baselines.length ? i : baselineIndex[i - baselines.length]!]!.label,
        pooled: computeMetrics(decodes[i]!),
        per_prompt: cellsOf(i).map((cell, j) => ({
          prompt: done[j]!.id,
          suite: done[j]!.suite,
          ...cell,
          metrics: computeMetrics(decodes[i]![j]!),
          collapsed: cell.distinct4 !== null && isCollapsed(cell.distinct4),
        })),
      })),
      results,
    };
    if (f.json) process.stdout.write(`${JSON.stringify(report)}\n`);
    else process.stdout.write(`${model.id}, suite ${suite}, ${prompts.length} prompts, ${maxTokens} new tokens at most\n\n${textTable(rows, targets, curve)}\n`);
    if (f.out !== undefined) {
      const out = resolve(f.out);
      try {
        mkdirSync(out, { recursive: true });
        writeFileSync(join(out, 'bench.json'), `${JSON.stringify(report, null, 2)}\n`);
        writeFileSync(join(out, 'bench.md'), markdownReport(rows, targets, curve, env, { model: model.id, suite, prompts: prompts.length, maxTokens }));
        writeFileSync(join(out, 'results.json'), resultsToJson(results));
      } catch (e) {
        throw new UsageError(`--out ${f.out}: cannot write the report there (${(e as NodeJS.ErrnoException).code ?? (e as Error).message})`);
      }
      log(`wrote ${join(out, 'bench.json')}, ${join(out, 'bench.md')} and ${join(out, 'results.json')}`);
      try {
        parseBenchResults(resultsToJson(results), 'results.json');
      } catch (e) {
        log(`note: the Compare view will not import results.json: ${(e as Error).message}`);
      }
    }
  } finally {
    await model.release();
  }
}

runMain('bench', main);
