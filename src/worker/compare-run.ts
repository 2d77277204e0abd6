/**
 * One `compare` request in the worker: the bench (src/cli/bench.ts) in the page. For each
 * prompt of the suite, the autoregressive baseline at every temperature in use, then each
 * configuration, interleaved per prompt so machine drift hits all alike, after a short
 * untimed warm-up of each; one `compare-prompt` message per finished prompt. A Stop ends
 * the decode in progress within one step and drops that prompt (its speedups would lack a
 * baseline or a configuration). Medians and charts are the page's (src/ui/compare/).
 */
import {
  computeMetrics,
  createDrafter,
  speculativeGenerate,
  speedup,
  type Drafter,
  type LoadedModel,
  type SpecResult,
} from '../engine/index.ts';
import { arOverhead, pairFigures, runCost, stepProfile, type PairFigures } from '../engine/bench/figures.ts';
import { suitePrompts, type PromptSuites } from '../engine/bench/suites.ts';
import { continuationOf, distinct4 } from '../engine/bench/text-quality.ts';
import { baselineLabel, baselineTemperatures, configLabel, drafterSettingsOf } from './compare-config.ts';
import type { RunControl } from './decode-run.ts';
import type { CompareCell, ComparePrompt, CompareSettings, WorkerResponse } from './protocol.ts';

/** New tokens of each warm-up decode: enough to run every graph and shape once, cheap next to the timed runs. */
const WARMUP_TOKENS = 8;

interface Contender {
  label: string;
  temperature: number;
  drafter: Drafter | null;
}

/** [a] = decode steps that accepted a drafted tokens. */
export function acceptLengthHistogram(r: Pick<SpecResult, 'steps'>): number[] {
  const h: number[] = [];
  for (const s of r.steps) {
    if (s.kind !== 'decode') continue;
    const a = s.verify.acceptLength;
    while (h.length <= a) h.push(0);
    h[a]!++;
  }
  return h;
}

const finished = (r: SpecResult) => r.stopReason !== 'aborted' && r.tokens.length > 0 && r.elapsedMs > 0;

/** Pair figures only when every one is a finite number (a timer too coarse for a step gives 0 and then Infinity). */
function finitePair(p: PairFigures | null): PairFigures | null {
  return p && Object.values(p).every(Number.isFinite) ? p : null;
}

const sameTokens = (a: readonly number[], b: readonly number[]) => a.length === b.length && a.every((t, i) => t === b[i]);

/**
 * A decode's figures; `baseline` is the autoregressive run it is measured against (null for
 * a baseline itself); `greedy` runs must match the baseline token for token.
 */
export function cellOf(r: SpecResult, baseline: SpecResult | null, greedy: boolean): CompareCell {
  const m = computeMetrics(r);
  const cost = runCost(r);
  const ar = arOverhead(cost);
  return {
    tokens: r.tokens.length,
    stop_reason: r.stopReason,
    elapsed_ms: r.elapsedMs,
    speedup: baseline && finished(r) && finished(baseline) ? speedup(r, baseline) : null,
    draft_acceptance_rate: m.draft_acceptance_rate,
    mean_acceptance_length: m.mean_acceptance_length,
    acceptance_rate_per_position: m.acceptance_rate_per_position,
    target_forwards_per_token: m.target_forwards_per_token,
    tokens_per_second: m.tokens_per_second ?? null,
    alpha: m.alpha,
    gamma: m.gamma,
    cost_coefficient: m.cost_coefficient ?? null,
    predicted_speedup: m.predicted_speedup ?? null,
    accept_length_histogram: acceptLengthHistogram(r),
    profile: stepProfile(cost),
    ar_overhead: baseline === null && ar !== null && Number.isFinite(ar) ? ar : null,
    pair: baseline ? finitePair(pairFigures(cost, runCost(baseline))) : null,
    matches_baseline: baseline && greedy && finished(r) && finished(baseline) ? sameTokens(r.tokens, baseline.tokens) : null,
    distinct4: distinct4(continuationOf(r)),
  };
}

function contenders(model: LoadedModel, settings: CompareSettings): { baselines: Contender[]; configs: Contender[] } {
  const baselines = baselineTemperatures(settings.configs).map((t) => ({ label: baselineLabel(t), temperature: t, drafter: null }));
  const configs = settings.configs.map((c) => {
    try {
      return { label: configLabel(c), temperature: c.temperature, drafter: createDrafter(model, drafterSettingsOf(c)) };
    } catch (e) {
      throw new Error(`Configuration "${configLabel(c)}" cannot run on this model: ${(e as Error).message}. Change or remove that row.`);
    }
  });
  return { baselines, configs };
}

export async function compareRun(
  model: LoadedModel,
  suites: PromptSuites | null,
  requestId: number,
  settings: CompareSettings,
  control: RunControl,
  post: (msg: WorkerResponse) => void,
): Promise<void> {
  if (!suites) {
    throw new Error(`Model '${model.id}' has no prompts.json, so there are no prompt suites to compare on. Re-export it with \`npm run train\`.`);
  }
  if (settings.configs.length === 0) throw new Error('A comparison needs at least one configuration: add a row or choose a preset.');
  const prompts = suitePrompts(suites, settings.suite).slice(0, Math.max(1, settings.prompts));
  const { baselines, configs } = contenders(model, settings);
  const all = [...baselines, ...configs];
  const signal = control.controller.signal;
  const decode = async (c: Contender, text: string, seed: number, maxTokens: number, where: string) => {
    try {
      return await speculativeGenerate(model, c.drafter, text, {
        maxNewTokens: maxTokens,
        temperature: c.temperature,
        seed,
        signal,
        onStep: () => void control.steps++,
      });
    } catch (e) {
      throw new Error(`${c.label} on ${where}: ${(e as Error).message}`);
    }
  };
  const progress = (prompt: number, run: number, label: string) =>
    post({ status: 'compare-progress', requestId, prompt, prompts: prompts.length, run, runs: all.length, label });

  const first = prompts[0]!;
  for (const [j, c] of all.entries()) {
    if (signal.aborted) break;
    progress(0, j + 1, c.label);
    await decode(c, first.text, 0, Math.min(WARMUP_TOKENS, settings.maxTokens), `prompt ${first.id} (warm-up)`);
  }

  for (const [i, p] of prompts.entries()) {
    if (signal.aborted) break;
    const results: SpecResult[] = [];
    for (const [j, c] of all.entries()) {
      if (signal.aborted) break;
      progress(i + 1, j + 1, c.label);
      results.push(await decode(c, p.text, i, settings.maxTokens, `prompt ${p.id}`));
    }
    if (signal.aborted || results.length < all.length) break;
    const baseOf = (t: number) => results[baselines.findIndex((b) => b.temperature === t)]!;
    const prompt: ComparePrompt = {
      id: p.id,
      suite: p.suite,
      baselines: baselines.map((b, j) => ({ temperature: b.temperature, cell: cellOf(results[j]!, null, b.temperature === 0) })),
      cells: configs.map((c, j) => cellOf(results[baselines.length + j]!, baseOf(c.temperature), c.temperature === 0)),
    };
    post({ status: 'compare-prompt', requestId, prompt });
  }
  post({
    status: 'compare-complete',
    requestId,
    stopped: control.stepsAtStop !== null,
    stepsAfterStop: control.stepsAtStop === null ? null : control.steps - control.stepsAtStop,
  });
}
