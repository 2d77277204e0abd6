/**
 * One `compare` request in the worker: the interleaved bench (engine/bench/interleave.ts,
 * the loop `npm run bench` runs) over the page's rows, one `compare-prompt` message per
 * finished prompt. A Stop ends the decode in progress within one step and drops that prompt.
 * Medians and charts are the page's (engine/bench/summary.ts, src/ui/compare/).
 */
import { createDrafter, type LoadedModel } from '../engine/index.ts';
import { configLabel, drafterSettingsOf } from '../engine/decoding/decode-config.ts';
import { interleavedBench } from '../engine/bench/interleave.ts';
import { baselineLabel } from '../engine/bench/summary.ts';
import { suitePrompts, type PromptSuites } from '../engine/bench/suites.ts';
import { decodeConfigOf } from './compare-config.ts';
import type { RunControl } from './decode-run.ts';
import type { CompareSettings, WorkerResponse } from './protocol.ts';

/** New tokens of each warm-up decode: enough to run every graph and shape once, cheap next to the timed runs. */
const WARMUP_TOKENS = 8;

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
  const configs = settings.configs.map((c) => decodeConfigOf(c, { maxTokens: settings.maxTokens }));
  const drafters = configs.map((c) => {
    try {
      return createDrafter(model, drafterSettingsOf(c));
    } catch (e) {
      throw new Error(`Configuration "${configLabel(c)}" cannot run on this model: ${(e as Error).message}. Change or remove that row.`);
    }
  });
  await interleavedBench(model, {
    prompts: suitePrompts(suites, settings.suite).slice(0, Math.max(1, settings.prompts)),
    configs,
    drafters,
    label: (c) => (c.drafter === 'none' ? baselineLabel(c) : configLabel(c)),
    warmupTokens: WARMUP_TOKENS,
    signal: control.controller.signal,
    onStep: () => void control.steps++,
    onProgress: (p) => post({ status: 'compare-progress', requestId, ...p }),
    onPrompt: (prompt) => post({ status: 'compare-prompt', requestId, prompt }),
  });
  post({
    status: 'compare-complete',
    requestId,
    stopped: control.stepsAtStop !== null,
    stepsAfterStop: control.stepsAtStop === null ? null : control.steps - control.stepsAtStop,
  });
}
