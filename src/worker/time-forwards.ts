/**
 * One `time-forwards` request in the worker: the median wall time of a bare target forward
 * over each requested number of new tokens (e.g. 1 and 5) after `context` cached tokens, on
 * whatever runtime this worker's onnxruntime runs. The runtime measurement (runtime-probe.ts)
 * times it here and in a candidate worker and keeps the faster (runtime-choice.ts). Sizes
 * alternate within each round so drift hits both alike; the first round is untimed.
 */
import type { LoadedModel } from '../engine/index.ts';
import type { RunControl } from './decode-run.ts';
import { median, prefilled, timeForward } from '../engine/runtime/cost-probe.ts';
import type { CostPoint, RuntimeSetting, WorkerResponse } from './protocol.ts';

export async function timeForwards(
  model: LoadedModel,
  runtime: RuntimeSetting,
  req: { requestId: number; context: number; tokens: number[]; reps: number },
  control: RunControl,
  post: (msg: WorkerResponse) => void,
): Promise<void> {
  const sizes = req.tokens.map((n) => Math.floor(n));
  if (sizes.length === 0 || sizes.some((n) => n < 1 || n > 64)) {
    throw new Error(`time-forwards: expected token counts in [1, 64], found [${req.tokens.join(', ')}]`);
  }
  const reps = Math.max(1, Math.min(Math.floor(req.reps), 50));
  const P = Math.max(1, Math.min(Math.floor(req.context), model.config.n_positions - Math.max(...sizes)));
  const times: number[][] = sizes.map(() => []);
  const cache = await prefilled(model.base, P, model.config.bos_token_id);
  try {
    for (let r = 0; r <= reps && !control.controller.signal.aborted; r++) {
      for (const [i, n] of sizes.entries()) {
        const ms = await timeForward(model.base, cache, n);
        control.steps++;
        if (r > 0) times[i]!.push(ms);
      }
    }
  } finally {
    cache.release();
  }
  if (control.controller.signal.aborted) throw new Error('time-forwards: stopped before the measurement finished');
  const points: CostPoint[] = sizes.map((n, i) => ({ n, ms: median(times[i]!), minMs: Math.min(...times[i]!), maxMs: Math.max(...times[i]!) }));
  post({ status: 'forward-times', requestId: req.requestId, runtime, context: P, reps, points });
}
