/**
 * Benchmark drafters against autoregressive decoding on a prompt suite:
 *
 *   npm run bench -- --suite prose --prompts 8 --configs heads:k=3,heads-tree:tree=tree-12 --out bench/
 *
 * Every configuration and its autoregressive baseline (drafter none through the same loop,
 * at the same temperature / top-k / top-p) runs on every prompt, interleaved per prompt
 * (AR, config 1, config 2, ...) so machine drift hits all alike, after one untimed warm-up
 * run of each. Figures are medians over prompts; see bench-report.ts. Each output's distinct-4
 * (engine/text-quality.ts) splits the prompts into natural and collapsed outputs, whose
 * figures the report states apart.
 */
import { mkdirSync, writeFileSync } from 'node:fs';
import { join, resolve } from 'node:path';

import { arOverhead, headlineOf, pairFigures, runCost, stepProfile, type HeadlineInput, type PairFigures, type RunCost, type StepProfile } from '../engine/bench/figures.ts';
import { measureCostCurve, measureKvKeep } from '../engine/runtime/cost-probe.ts';
import type { Drafter } from '../engine/drafters/types.ts';
import { computeMetrics, speedup, type Metrics } from '../engine/trace/metrics.ts';
import { loadModel } from '../engine/runtime/model.ts';
import { nodeFiles } from '../engine/runtime/node-files.ts';
import { preparePrompt } from '../engine/decoding/prompt.ts';
import { speculativeGenerate, type SpecResult } from '../engine/decoding/speculative.ts';
import { loadPromptSuites, SUITE_CHOICES, suitePrompts, type SuitePrompt } from '../engine/bench/suites.ts';
import { continuationOf, distinct4, isCollapsed, qualityFigures, splitCollapsed } from '../engine/bench/text-quality.ts';
import { choiceFlag, intFlag, parseFlags, runMain, UsageError, type FlagSpecs } from './args.ts';
import { baselineFor, baselineKey, defaultConfigs, parseConfigList } from './bench-configs.ts';
import { environment, markdownReport, spread, targetFigures, textTable, type BenchRow } from './bench-report.ts';
import { checkWritableDir } from './input-files.ts';
import { resolveModelDir } from './model-arg.ts';
import { configLabel, samplingLabel, shapeLabel, specOptionsOf, type DecodeConfig } from '../engine/decoding/decode-config.ts';
import { DRAFTER_NAMES, partsFor } from '../engine/drafters/registry.ts';
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
  out: { type: 'string', value: 'DIR', help: 'also write DIR/bench.json and DIR/bench.md (table, command line, machine)' },
} satisfies FlagSpecs;

interface Run {
  cfg: DecodeConfig;
  label: string;
  drafter: Drafter | null;
  /** The autoregressive run this one is compared with; itself for a baseline. */
  baseline: string;
  perPrompt: PromptFigures[];
  /** Every prompt's steps, for metrics pooled over prompts (vLLM's sum-then-divide). */
  results: SpecResult[];
}

interface PromptFigures {
  prompt: string;
  suite: string;
  tokens: number;
  stop_reason: string;
  elapsed_ms: number;
  metrics: Metrics;
  /** End to end (prefill included): tokens/s against the baseline's. */
  speedup: number | null;
  /** Per decode step, ms (bench-figures.ts). */
  profile: StepProfile | null;
  /** Baselines only: AR wall time per step / bare session.run per step. */
  ar_overhead: number | null;
  /** Speculative runs: decode-phase speedup, the bound the forward times allow, efficiency. */
  pair: PairFigures | null;
  /** Greedy lossless runs: whether the tokens equal the baseline's. */
  matches_baseline?: boolean;
  /** The output's unique / all token 4-grams; collapsed when below 0.5 (it repeats itself). */
  distinct4: number;
  collapsed: boolean;
}

const headlineInput = (p: PromptFigures): HeadlineInput => ({
  draft_acceptance_rate: p.metrics.draft_acceptance_rate,
  mean_acceptance_length: p.metrics.mean_acceptance_length,
  acceptance_rate_per_position: p.metrics.acceptance_rate_per_position,
  target_forwards_per_token: p.metrics.target_forwards_per_token,
  tokens_per_second: p.metrics.tokens_per_second ?? null,
  speedup: p.speedup,
  speedup_decode: p.pair?.speedup_decode ?? null,
  predicted_speedup: p.metrics.predicted_speedup ?? null,
  distinct4: p.distinct4,
});

function summarise(run: Run): BenchRow {
  const pp = run.perPrompt;
  const depth = Math.max(0, ...pp.map((p) => p.metrics.acceptance_rate_per_position.length));
  const greedyLossless = run.cfg.drafter !== 'none' && run.cfg.temperature === 0 && run.cfg.acceptance === 'lossless';
  const prof = (k: keyof StepProfile) => spread(pp.map((p) => p.profile?.[k] ?? null));
  const pair = (k: keyof PairFigures) => spread(pp.map((p) => p.pair?.[k] ?? null));
  const split = splitCollapsed(pp, (p) => p.distinct4);
  return {
    label: run.label,
    drafter: run.cfg.drafter,
    shape: shapeLabel(run.cfg),
    sampling: samplingLabel(run.cfg),
    lossy: run.cfg.acceptance === 'typical',
    draft_acceptance_rate: spread(pp.map((p) => p.metrics.draft_acceptance_rate)),
    mean_acceptance_length: spread(pp.map((p) => p.metrics.mean_acceptance_length)),
    acceptance_rate_per_position: Array.from({ length: depth }, (_, i) => spread(pp.map((p) => p.metrics.acceptance_rate_per_position[i] ?? null))),
    target_forwards_per_token: spread(pp.map((p) => p.metrics.target_forwards_per_token)),
    tokens_per_second: spread(pp.map((p) => p.metrics.tokens_per_second ?? null)),
    speedup: spread(pp.map((p) => p.speedup)),
    predicted_speedup: spread(pp.map((p) => p.metrics.predicted_speedup ?? null)),
    profile: {
      step_ms: prof('step_ms'), draft_ms: prof('draft_ms'), draft_run_ms: prof('draft_run_ms'), forward_ms: prof('forward_ms'),
      forward_run_ms: prof('forward_run_ms'), verify_ms: prof('verify_ms'), accept_ms: prof('accept_ms'), kv_ms: prof('kv_ms'),
      other_ms: prof('other_ms'),
    },
    ar_overhead: spread(pp.map((p) => p.ar_overhead)),
    speedup_decode: pair('speedup_decode'),
    speedup_bound: pair('speedup_bound'),
    efficiency: pair('efficiency'),
    ...(greedyLossless ? { mismatches: pp.filter((p) => p.matches_baseline === false).length } : {}),
    distinct4: spread(pp.map((p) => p.distinct4)),
    quality: qualityFigures(pp.map((p) => p.distinct4)),
    natural: headlineOf(split.natural.map(headlineInput)),
    collapsed: headlineOf(split.collapsed.map(headlineInput)),
  };
}

async function main(): Promise<void> {
  const argv = process.argv.slice(2);
  const f = parseFlags(argv, FLAGS, USAGE);
  const suite = choiceFlag('suite', f.suite, 'all', SUITE_CHOICES);
  const nPrompts = intFlag('prompts', f.prompts, 12, 1);
  const maxTokens = intFlag('max-tokens', f['max-tokens'], 64, 1);
  const userConfigs = f.configs !== undefined ? parseConfigList(f.configs) : null;
  if (f.out !== undefined) checkWritableDir('out', f.out, ['bench.json', 'bench.md']);
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
    const configs = (userConfigs ?? defaultConfigs(model)).map((c) => ({ ...c, maxTokens }));
    const baselines = new Map<string, Run>();
    for (const c of configs) {
      const key = baselineKey(c);
      if (!baselines.has(key)) {
        const cfg = baselineFor(c);
        baselines.set(key, { cfg, label: configLabel(cfg, model), drafter: null, baseline: configLabel(cfg, model), perPrompt: [], results: [] });
      }
    }
    const runs: Run[] = [
      ...baselines.values(),
      ...configs.map((cfg) => ({
        cfg, label: configLabel(cfg, model), drafter: makeDrafter(model, cfg), baseline: baselines.get(baselineKey(cfg))!.label, perPrompt: [], results: [],
      })),
    ];
    const decode = (run: Run, p: SuitePrompt, seed: number) => speculativeGenerate(model, run.drafter, p.text, specOptionsOf({ ...run.cfg, seed }));

    log(`warm-up: ${runs.length} runs on ${prompts[0]!.id}`);
    for (const run of runs) await decode(run, prompts[0]!, 0);

    for (const [i, p] of prompts.entries()) {
      log(`prompt ${i + 1}/${prompts.length} ${p.id}`);
      const baseResults = new Map<string, { r: SpecResult; cost: RunCost }>();
      for (const run of runs) {
        const r = await decode(run, p, i);
        run.results.push(r);
        const metrics = computeMetrics(r);
        const cost = runCost(r);
        const base = run.drafter === null ? null : baseResults.get(run.baseline)!;
        if (run.drafter === null) baseResults.set(run.label, { r, cost });
        const checkLossless = base && run.cfg.temperature === 0 && run.cfg.acceptance === 'lossless';
        const d4 = distinct4(continuationOf(r));
        run.perPrompt.push({
          prompt: p.id,
          suite: p.suite,
          tokens: r.tokens.length,
          stop_reason: r.stopReason,
          elapsed_ms: r.elapsedMs,
          metrics,
          speedup: base ? speedup(r, base.r) : 1,
          profile: stepProfile(cost),
          ar_overhead: base ? null : arOverhead(cost),
          pair: base ? pairFigures(cost, base.cost) : null,
          ...(checkLossless ? { matches_baseline: r.tokens.length === base.r.tokens.length && r.tokens.every((t, j) => t === base.r.tokens[j]) } : {}),
          distinct4: d4,
          collapsed: isCollapsed(d4),
        });
      }
    }

    log(`KV cache at context ${model.config.n_positions}: truncate and gather after 5-token verify forwards`);
    const kv = await measureKvKeep(model, { reps: 30 });
    log('cost curve: bare forwards over n new tokens after 128 cached');
    const curve = await measureCostCurve(model, { context: 128 });
    const rows = runs.map(summarise);
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
      configs: runs.map((run, i) => ({
        ...rows[i]!,
        config: run.cfg,
        baseline: run.baseline,
        pooled: computeMetrics(run.results),
        per_prompt: run.perPrompt,
      })),
    };
    if (f.json) process.stdout.write(`${JSON.stringify(report)}\n`);
    else process.stdout.write(`${model.id}, suite ${suite}, ${prompts.length} prompts, ${maxTokens} new tokens at most\n\n${textTable(rows, targets, curve)}\n`);
    if (f.out !== undefined) {
      const out = resolve(f.out);
      try {
        mkdirSync(out, { recursive: true });
        writeFileSync(join(out, 'bench.json'), `${JSON.stringify(report, null, 2)}\n`);
        writeFileSync(join(out, 'bench.md'), markdownReport(rows, targets, curve, env, { model: model.id, suite, prompts: prompts.length, maxTokens }));
      } catch (e) {
        throw new UsageError(`--out ${f.out}: cannot write the report there (${(e as NodeJS.ErrnoException).code ?? (e as Error).message})`);
      }
      log(`wrote ${join(out, 'bench.json')} and ${join(out, 'bench.md')}`);
    }
  } finally {
    await model.release();
  }
}

runMain('bench', main);
