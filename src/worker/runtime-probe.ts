/**
 * The runtime measurement, inside the engine worker: for each candidate runtime
 * (runtime-choice.ts nextCandidate: the other thread count, then WebGPU) a nested engine
 * worker loads the model on it, and the same bare forwards are timed there and here, one
 * worker after the other. A clearly faster candidate is adopted (this worker then relays to
 * it; it has the model loaded already); otherwise it is closed. It runs only while the
 * engine is idle: the worker aborts it when a job arrives (the candidate is closed at once)
 * and starts it over once idle again, so no decode is ever timed beside it.
 * Not here: the rule (runtime-choice.ts) and the worker's jobs (engine.worker.ts).
 */
import type { CostPoint, RuntimeSetting, WorkerRequest, WorkerResponse } from './protocol.ts';
import { nextCandidate, preferCandidate, PROBE_CONTEXT, PROBE_REPS, PROBE_TOKENS, type Machine, type RuntimeChoice, type RuntimeTimes } from './runtime-choice.ts';

type Ready = Extract<WorkerResponse, { status: 'ready' }>;
type TimeForwards = Extract<WorkerRequest, { type: 'time-forwards' }>;

/** What the probe needs of the engine worker. */
export interface ProbeHost {
  machine: Machine;
  /** The runtime this worker decodes on. */
  current: RuntimeSetting;
  /** Times `req` on this worker's own model (the engine is idle meanwhile). */
  timeHere(req: TimeForwards, signal: AbortSignal): Promise<CostPoint[]>;
  /** A nested engine worker, sent `load` for the same model on `runtime`, measuring nothing itself. */
  spawn(runtime: RuntimeSetting): Worker;
  /** Make `worker` (loaded, idle) the one that decodes from now on. */
  adopt(worker: Worker, ready: Ready): void;
  report(choice: RuntimeChoice): void;
}

/** A candidate that has not said ready by then counts as failed. */
const LOAD_TIMEOUT_MS = 120_000;
let nextRequestId = 1;

/** The request every runtime is timed with. */
const timeRequest = (): TimeForwards => ({ type: 'time-forwards', requestId: nextRequestId++, context: PROBE_CONTEXT, tokens: PROBE_TOKENS, reps: PROBE_REPS });

/** The next message from `worker` that `pick` maps to a value (or rejects), or a crash, timeout or abort. */
function nextMessage<T>(worker: Worker, signal: AbortSignal, pick: (m: WorkerResponse) => T | undefined): Promise<T> {
  return new Promise<T>((resolve, reject) => {
    const done = () => {
      clearTimeout(timer);
      worker.removeEventListener('message', onMessage);
      worker.removeEventListener('error', onError);
      signal.removeEventListener('abort', onAbort);
    };
    const onMessage = (e: MessageEvent<WorkerResponse>) => {
      try {
        const v = pick(e.data);
        if (v === undefined) return;
        done();
        resolve(v);
      } catch (err) {
        done();
        reject(err);
      }
    };
    const onError = (e: ErrorEvent) => {
      e.preventDefault();
      done();
      reject(new Error(`the candidate worker stopped${e.message ? `: ${e.message}` : ''}`));
    };
    const onAbort = () => {
      done();
      reject(new Error('aborted'));
    };
    const timer = setTimeout(() => {
      done();
      reject(new Error(`no answer within ${LOAD_TIMEOUT_MS / 1000} s`));
    }, LOAD_TIMEOUT_MS);
    worker.addEventListener('message', onMessage);
    worker.addEventListener('error', onError);
    if (signal.aborted) onAbort();
    else signal.addEventListener('abort', onAbort);
  });
}

/** Times `runtime` by `measure`; a failure other than the abort becomes the result's `error`. */
async function timed(runtime: RuntimeSetting, signal: AbortSignal, measure: () => Promise<CostPoint[]>): Promise<RuntimeTimes> {
  try {
    const points = await measure();
    return { runtime, points: points.map((p) => ({ n: p.n, ms: p.ms })) };
  } catch (e) {
    if (signal.aborted) throw new Error('aborted');
    return { runtime, error: (e as Error).message };
  }
}

/** Why there is nothing to measure, for the page; null when the page says so already (not isolated). */
export function offNote(m: Machine): string | null {
  if (!m.crossOriginIsolated) return null;
  if (m.hardwareConcurrency < 2) return 'this machine reports one core and no WebGPU';
  return 'nothing to compare';
}

/**
 * Measures the candidates against `host.current`, adopting a clearly faster one. Resolves
 * with the runtime decoding at the end and what was measured, or rejects with 'aborted'.
 */
export async function probeRuntime(host: ProbeHost, signal: AbortSignal): Promise<{ chosen: RuntimeSetting; measured: RuntimeTimes[] }> {
  let current = host.current;
  const tried: RuntimeSetting[] = [];
  const measured: RuntimeTimes[] = [];
  const report = () => host.report({ status: 'measuring', note: null, measured: [...measured], chosen: null, at: null });
  report();
  let currentTimes: RuntimeTimes | null = null;
  for (let candidate = nextCandidate(host.machine, current, tried); candidate; candidate = nextCandidate(host.machine, current, tried)) {
    tried.push(candidate);
    const worker = host.spawn(candidate);
    let adopted = false;
    try {
      let ready: Ready;
      try {
        ready = await nextMessage(worker, signal, (m) => {
          if (m.status === 'ready') return m;
          if (m.status === 'error' && m.phase === 'load') throw new Error(m.message);
          return undefined;
        });
      } catch (e) {
        if (signal.aborted) throw new Error('aborted');
        measured.push({ runtime: candidate, error: (e as Error).message });
        report();
        continue;
      }
      // The candidate's latest `ready` (its draft model follows the first one) is what the page is told on adoption.
      const keepLatest = (e: MessageEvent<WorkerResponse>) => {
        if (e.data.status === 'ready') ready = e.data;
      };
      worker.addEventListener('message', keepLatest);
      const got: RuntimeSetting = { backend: ready.backend, threads: ready.threads };
      // The candidate first: its time-forwards waits for its own second stage, which then cannot overlap this worker's timing.
      const req = timeRequest();
      const times = await timed(got, signal, () => {
        const answer = nextMessage(worker, signal, (m): CostPoint[] | undefined => {
          if (m.status === 'forward-times' && m.requestId === req.requestId) return m.points;
          if (m.status === 'error' && m.requestId === req.requestId) throw new Error(m.message);
          return undefined;
        });
        worker.postMessage(req);
        return answer;
      });
      if (!currentTimes) {
        const here = timeRequest();
        currentTimes = await timed(current, signal, () => host.timeHere(here, signal));
        measured.push(currentTimes);
      }
      measured.push(times);
      report();
      worker.removeEventListener('message', keepLatest);
      if (preferCandidate(currentTimes, times)) {
        host.adopt(worker, ready);
        adopted = true;
        current = got;
        currentTimes = times;
      }
    } finally {
      if (!adopted) worker.terminate();
    }
  }
  return { chosen: current, measured };
}
