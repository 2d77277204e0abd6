/**
 * One `measure-cost` request in the worker: the cost curve t(n), the wall time of a bare
 * target forward over n new tokens (n = 1..maxN) after a context of P cached tokens, as
 * src/cli/forward-timing.ts measures it for n = 1 and 5. Rounds go over every n in turn
 * (n = 1..maxN, then again), so drift spreads over the whole curve instead of bending it;
 * the first round is untimed (kernels, allocations). Also times the drafting a step adds:
 * one Medusa heads forward and one 1-token draft-model forward.
 */
import { median, prefilled, timeForward } from '../engine/runtime/cost-probe.ts';
import type { LoadedModel } from '../engine/index.ts';
import type { RunControl } from './decode-run.ts';
import type { CostPoint, WorkerResponse } from './protocol.ts';

export async function measureCost(
  model: LoadedModel,
  req: { requestId: number; context: number; maxN: number; reps: number },
  control: RunControl,
  post: (msg: WorkerResponse) => void,
): Promise<void> {
  const { requestId } = req;
  const maxN = Math.max(1, Math.min(Math.floor(req.maxN), 64));
  const reps = Math.max(1, Math.min(Math.floor(req.reps), 50));
  const P = Math.max(1, Math.min(Math.floor(req.context), model.config.n_positions - maxN));
  const signal = control.controller.signal;
  const bos = model.config.bos_token_id;
  const total = (reps + 1) * maxN;
  const times: number[][] = Array.from({ length: maxN }, () => []);
  let headsMs: number | null = null;
  let draftModelMs: number | null = null;

  const cache = await prefilled(model.base, P, bos);
  try {
    let lastPost = 0;
    for (let r = 0; r <= reps && !signal.aborted; r++) {
      for (let n = 1; n <= maxN && !signal.aborted; n++) {
        const ms = await timeForward(model.base, cache, n);
        control.steps++;
        if (r > 0) times[n - 1]!.push(ms);
        const done = r * maxN + n;
        if (performance.now() - lastPost > 50 || done === total) {
          lastPost = performance.now();
          post({ status: 'cost-progress', requestId, done, total });
        }
      }
    }
    if (!signal.aborted && model.heads) {
      const { heads } = model;
      const hidden = new Float32Array(heads.config.n_embd); // [1, C]
      const hs: number[] = [];
      for (let r = 0; r <= reps && !signal.aborted; r++) {
        const t0 = performance.now();
        await heads.run(hidden, 1);
        if (r > 0) hs.push(performance.now() - t0);
      }
      if (hs.length) headsMs = median(hs);
    }
    if (!signal.aborted && model.draftModel) {
      const dm = model.draftModel;
      const dcache = await prefilled(dm, P, bos);
      try {
        const ds: number[] = [];
        for (let r = 0; r <= reps && !signal.aborted; r++) {
          const ms = await timeForward(dm, dcache, 1);
          if (r > 0) ds.push(ms);
        }
        if (ds.length) draftModelMs = median(ds);
      } finally {
        dcache.release();
      }
    }
  } finally {
    cache.release();
  }
  if (signal.aborted) {
    post({ status: 'cost-stopped', requestId });
    return;
  }
  const points: CostPoint[] = times.map((xs, i) => ({ n: i + 1, ms: median(xs), minMs: Math.min(...xs), maxMs: Math.max(...xs) }));
  post({ status: 'cost-curve', requestId, context: P, reps, points, headsMs, draftModelMs });
}
