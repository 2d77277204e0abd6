/**
 * One `run` request in the worker: the speculative decode, then the autoregressive baseline
 * (drafter none, the same sampling settings and seed), each streaming its step records in
 * time-batched `steps` messages, then more pairs for the speedup alone (speedup-repeats.ts),
 * then the speedup and the speculative run's trace.
 * Not here: loading (engine.worker.ts) and anything the UI does with the records.
 */
import {
  buildTrace,
  computeMetrics,
  createDrafter,
  speculativeGenerate,
  speedup,
  traceToJson,
  type LoadedModel,
  type SpecOptions,
  type SpecResult,
  type StepRecord,
} from '../engine/index.ts';
import { pairFigures, runCost } from '../engine/bench/figures.ts';
import { applicableConfig, baselineOf, drafterSettingsOf, specOptionsOf, type DrafterSettings } from '../engine/decoding/decode-config.ts';
import type { RunKind, RunSettings, RunSummary, WorkerResponse } from './protocol.ts';
import { repeatPairs, type SpeedupFigures, type SpeedupPair } from './speedup-repeats.ts';

/** How often step records are posted: often enough to look live, rarely enough not to flood React. */
const BATCH_INTERVAL_MS = 50;

/** The interrupt a Stop flips; the loop reads `signal` between steps. */
export interface RunControl {
  controller: AbortController;
  /** Steps finished when Stop arrived (counted over both runs), or null before a Stop. */
  stepsAtStop: number | null;
  /** Steps finished so far, over both runs. */
  steps: number;
}

/** The drafter's settings as the engine takes them: only what applies to this drafter. */
export const drafterSettings = (s: RunSettings): DrafterSettings => drafterSettingsOf(s);

/** The baseline has no drafts to adapt or accept; its verifier is plain sampling either way. */
export const specOptions = (s: RunSettings, kind: RunKind): SpecOptions => specOptionsOf(kind === 'spec' ? s : baselineOf(s));

function summarize(r: SpecResult): RunSummary {
  return {
    tokens: r.tokens,
    text: r.text,
    promptTokens: r.promptIds.length - 1,
    stopReason: r.stopReason,
    forwards: r.forwards,
    elapsedMs: r.elapsedMs,
    lossy: r.lossy,
    metrics: computeMetrics(r),
    cost: runCost(r),
  };
}

export async function decodeRun(
  model: LoadedModel,
  requestId: number,
  settings: RunSettings,
  control: RunControl,
  post: (msg: WorkerResponse) => void,
): Promise<void> {
  const signal = control.controller.signal;
  const stream = async (kind: RunKind): Promise<SpecResult> => {
    const drafter = kind === 'spec' ? createDrafter(model, drafterSettings(settings)) : null;
    let batch: StepRecord[] = [];
    // -Infinity: the prefill step, which emits the first token, goes out at once.
    let last = Number.NEGATIVE_INFINITY;
    const flush = () => {
      if (batch.length === 0) return;
      post({ status: 'steps', requestId, run: kind, steps: batch });
      batch = [];
      last = performance.now();
    };
    const result = await speculativeGenerate(model, drafter, settings.prompt, {
      ...specOptions(settings, kind),
      signal,
      onStep: (step) => {
        control.steps++;
        batch.push(step);
        if (performance.now() - last >= BATCH_INTERVAL_MS) flush();
      },
    });
    flush();
    post({ status: 'run-result', requestId, run: kind, result: summarize(result) });
    return result;
  };

  const spec = await stream('spec');
  const baseline = spec.stopReason === 'aborted' ? null : await stream('baseline');
  const finished = (r: SpecResult | null): r is SpecResult => r !== null && r.stopReason !== 'aborted' && r.tokens.length > 0;
  const config = applicableConfig(settings);
  let figures: SpeedupFigures | null = null;
  if (finished(spec) && finished(baseline)) {
    // Timing only: no step records, the same settings and seed, so the same tokens as the pair on show.
    const decodeOnce = (kind: RunKind) =>
      speculativeGenerate(model, kind === 'spec' ? createDrafter(model, drafterSettings(settings)) : null, settings.prompt, {
        ...specOptions(settings, kind),
        signal,
        onStep: () => control.steps++,
      });
    const timed = async (): Promise<SpeedupPair | null> => {
      const s = await decodeOnce('spec');
      const b = finished(s) ? await decodeOnce('baseline') : null;
      return finished(s) && finished(b) ? pairOf(s, b) : null;
    };
    figures = await repeatPairs(pairOf(spec, baseline), timed, (f) => post({ status: 'speedup-progress', requestId, speedup: f }));
  }
  post({
    status: 'complete',
    requestId,
    stopped: control.stepsAtStop !== null,
    stepsAfterStop: control.stepsAtStop === null ? null : control.steps - control.stepsAtStop,
    speedup: figures,
    traceJson: traceToJson(buildTrace(spec, config, model), { timings: true }),
  });
}

/** One pair's end-to-end and decode-phase speedups. */
function pairOf(spec: SpecResult, baseline: SpecResult): SpeedupPair {
  return { endToEnd: speedup(spec, baseline), decode: pairFigures(runCost(spec), runCost(baseline))?.speedup_decode ?? null };
}
