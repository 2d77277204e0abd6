/**
 * One `dist-check` request in the worker: the next few tokens after the prompt decoded N times
 * speculatively (the chosen drafter and acceptance; seeds 0..N-1) and N times autoregressively
 * (the same sampling settings; seeds N..2N-1, so the two samples are independent, as the
 * two-sample test assumes), then per position the two marginal histograms and their
 * test (src/engine/bench/dist-check.ts). Lossless speculative sampling draws every token from the
 * target's law, so the histograms should differ only by sampling noise. A Stop ends the check
 * within one decode and posts no verdict (a part of the seeds would test a smaller N).
 */
import { createDrafter, speculativeGenerate, type LoadedModel } from '../engine/index.ts';
import { checkPosition, DIST_ALPHA, distVerdict } from '../engine/bench/dist-check.ts';
import { drafterSettings, specOptions, type RunControl } from './decode-run.ts';
import { DIST_POSITIONS, DIST_SAMPLES, type DistCheckResult, type RunKind, type RunSettings, type WorkerResponse } from './protocol.ts';

const PROGRESS_INTERVAL_MS = 50;

/** Why a check cannot run as asked (null when it can): what was expected, what was found, what to do. */
export function distCheckProblem(settings: Pick<RunSettings, 'temperature'>, samples: number, positions: number): string | null {
  if (!(settings.temperature > 0)) {
    return 'The distribution check is for sampling: set a temperature above 0 (a greedy run is checked token for token instead).';
  }
  if (!(Number.isInteger(samples) && samples >= DIST_SAMPLES.min && samples <= DIST_SAMPLES.max)) {
    return `Samples must be a whole number from ${DIST_SAMPLES.min} to ${DIST_SAMPLES.max}, got ${samples}: choose one in that range.`;
  }
  if (!(Number.isInteger(positions) && positions >= DIST_POSITIONS.min && positions <= DIST_POSITIONS.max)) {
    return `Positions must be a whole number from ${DIST_POSITIONS.min} to ${DIST_POSITIONS.max}, got ${positions}: choose one in that range.`;
  }
  return null;
}

export async function distCheckRun(
  model: LoadedModel,
  req: { requestId: number; settings: RunSettings; samples: number; positions: number },
  control: RunControl,
  post: (msg: WorkerResponse) => void,
): Promise<void> {
  const { requestId, settings, samples, positions } = req;
  const problem = distCheckProblem(settings, samples, positions);
  if (problem) throw new Error(problem);
  const signal = control.controller.signal;
  const drafter = createDrafter(model, drafterSettings(settings));
  // counts[kind][i]: token -> samples that emitted it at position i + 1
  const counts: Record<RunKind, Map<number, number>[]> = {
    spec: Array.from({ length: positions }, () => new Map()),
    baseline: Array.from({ length: positions }, () => new Map()),
  };
  let lossy = false;
  let lastPost = Number.NEGATIVE_INFINITY;
  let done = 0;
  for (let seed = 0; seed < samples && !signal.aborted; seed++) {
    for (const kind of ['spec', 'baseline'] as const) {
      const r = await speculativeGenerate(model, kind === 'spec' ? drafter : null, settings.prompt, {
        ...specOptions({ ...settings, seed: kind === 'spec' ? seed : samples + seed, maxTokens: positions }, kind),
        // An EOS is a token like any other here: every sample must reach every position.
        stopAtEos: false,
        signal,
        onStep: () => void control.steps++,
      });
      if (r.stopReason === 'aborted') break;
      if (r.tokens.length < positions) {
        throw new Error(
          `Seed ${seed} gave ${r.tokens.length} tokens where the check needs ${positions} (stop: ${r.stopReason}): ` +
            'shorten the prompt so the context has room, or check fewer positions.',
        );
      }
      if (kind === 'spec') lossy ||= r.lossy;
      for (let i = 0; i < positions; i++) {
        const m = counts[kind][i]!;
        const t = r.tokens[i]!;
        m.set(t, (m.get(t) ?? 0) + 1);
      }
    }
    if (signal.aborted) break;
    done = seed + 1;
    if (performance.now() - lastPost >= PROGRESS_INTERVAL_MS || done === samples) {
      lastPost = performance.now();
      post({ status: 'dist-progress', requestId, done, total: samples });
    }
  }
  if (signal.aborted || done < samples) {
    post({ status: 'dist-check-complete', requestId, stopped: true, result: null });
    return;
  }
  const checks = counts.spec.map((spec, i) => checkPosition(i + 1, spec, counts.baseline[i]!));
  const result: DistCheckResult = { samples, positions: checks, alpha: DIST_ALPHA, ...distVerdict(checks), lossy };
  post({ status: 'dist-check-complete', requestId, stopped: false, result });
}
