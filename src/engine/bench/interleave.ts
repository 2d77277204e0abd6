/**
 * The interleaved bench, one loop for `npm run bench`, the page's Compare and so
 * `npm run bench:browser`: every configuration and its autoregressive baseline (drafter none
 * through the same loop, at the same sampling and processors) on every prompt, interleaved
 * per prompt (baselines, then configuration 1, 2, ...) so machine drift hits all alike,
 * after one untimed warm-up decode of each on the first prompt. Prompt i decodes with seed i.
 * A signal ends the decode in progress within one step and drops that prompt (its speedups
 * would lack a baseline or a configuration).
 */
import { baselineOf, samplingLabel, specOptionsOf, type DecodeConfig } from '../decoding/decode-config.ts';
import { speculativeGenerate, type SpecResult } from '../decoding/speculative.ts';
import type { Drafter } from '../drafters/types.ts';
import type { LoadedModel } from '../runtime/model.ts';
import { cellOf } from './cell.ts';
import { baselineEntryOf, type BenchPrompt } from './results-file.ts';
import type { SuitePrompt } from './suites.ts';

/** The baselines a set of configurations needs: one per distinct sampling, in first-use order, and each configuration's. */
export function baselinesFor(configs: readonly DecodeConfig[]): { baselines: DecodeConfig[]; baselineIndex: number[] } {
  const keys: string[] = [];
  const baselines: DecodeConfig[] = [];
  const baselineIndex = configs.map((c) => {
    const key = samplingLabel(c);
    let j = keys.indexOf(key);
    if (j < 0) {
      j = keys.push(key) - 1;
      baselines.push(baselineOf(c));
    }
    return j;
  });
  return { baselines, baselineIndex };
}

/** Whether a run's tokens must equal its baseline's: greedy with lossless acceptance. */
export const checksTokens = (c: DecodeConfig) => c.drafter !== 'none' && c.temperature === 0 && c.acceptance === 'lossless';

export interface BenchProgress {
  /** 1-based; 0 while warming up. */
  prompt: number;
  prompts: number;
  /** 1-based over baselines then configurations. */
  run: number;
  runs: number;
  label: string;
}

export interface InterleaveOptions {
  prompts: readonly SuitePrompt[];
  /** The drafting configurations (their baselines are added); each with its own maxTokens. */
  configs: readonly DecodeConfig[];
  /** Each configuration's drafter, made before any decode so a bad one fails first. */
  drafters: readonly (Drafter | null)[];
  /** How a run is named in progress and errors. */
  label: (c: DecodeConfig) => string;
  /** New tokens of each warm-up decode; undefined = the run's own maxTokens. */
  warmupTokens?: number;
  signal?: AbortSignal;
  onStep?: () => void;
  onProgress?: (p: BenchProgress) => void;
  /** Every timed decode: `run` indexes baselines then configurations. */
  onDecode?: (run: number, prompt: number, r: SpecResult) => void;
  /** Each finished prompt's cells. */
  onPrompt?: (p: BenchPrompt) => void;
}

/** Runs the bench; returns the finished prompts (fewer than asked after a stop). */
export async function interleavedBench(model: LoadedModel, o: InterleaveOptions): Promise<BenchPrompt[]> {
  if (o.drafters.length !== o.configs.length) throw new Error(`interleavedBench: ${o.configs.length} configurations but ${o.drafters.length} drafters`);
  const { baselines, baselineIndex } = baselinesFor(o.configs);
  const runs = [...baselines.map((config) => ({ config, drafter: null })), ...o.configs.map((config, j) => ({ config, drafter: o.drafters[j]! }))];
  const decode = async (j: number, text: string, seed: number, maxTokens: number, where: string) => {
    const { config, drafter } = runs[j]!;
    try {
      return await speculativeGenerate(model, drafter, text, {
        ...specOptionsOf({ ...config, seed, maxTokens }),
        ...(o.signal ? { signal: o.signal } : {}),
        ...(o.onStep ? { onStep: o.onStep } : {}),
      });
    } catch (e) {
      throw new Error(`${o.label(config)} on ${where}: ${(e as Error).message}`);
    }
  };
  const progress = (prompt: number, run: number) => o.onProgress?.({ prompt, prompts: o.prompts.length, run: run + 1, runs: runs.length, label: o.label(runs[run]!.config) });
  const stopped = () => o.signal?.aborted === true;

  const first = o.prompts[0];
  if (!first) return [];
  for (const [j, run] of runs.entries()) {
    if (stopped()) return [];
    progress(0, j);
    await decode(j, first.text, 0, Math.min(o.warmupTokens ?? run.config.maxTokens, run.config.maxTokens), `prompt ${first.id} (warm-up)`);
  }

  const done: BenchPrompt[] = [];
  for (const [i, p] of o.prompts.entries()) {
    const results: SpecResult[] = [];
    for (const [j, run] of runs.entries()) {
      if (stopped()) return done;
      progress(i + 1, j);
      results.push(await decode(j, p.text, i, run.config.maxTokens, `prompt ${p.id}`));
    }
    if (stopped()) return done;
    results.forEach((r, j) => o.onDecode?.(j, i, r));
    const prompt: BenchPrompt = {
      id: p.id,
      suite: p.suite,
      baselines: baselines.map((b, j) => ({ ...baselineEntryOf(b), cell: cellOf(results[j]!, null, false) })),
      cells: o.configs.map((c, j) => cellOf(results[baselines.length + j]!, results[baselineIndex[j]!]!, checksTokens(c))),
    };
    done.push(prompt);
    o.onPrompt?.(prompt);
  }
  return done;
}
