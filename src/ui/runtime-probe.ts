/**
 * The start-up runtime measurement, after the engine worker is ready (so the first token
 * never waits for it): for each candidate runtime (runtime-choice.ts nextCandidate: the
 * other thread count, then WebGPU) start a second engine worker on it, and once it is
 * loaded time the same bare forwards in both, one worker after the other, while the page
 * holds its own jobs back. A clearly faster candidate becomes the engine worker (it has the
 * model loaded already); otherwise it is closed. The outcome goes to the store and to
 * localStorage.
 */
import type { CostPoint, RuntimeSetting, WorkerResponse } from '../worker/protocol.ts';
import {
  forgetRemembered,
  machineKey,
  nextCandidate,
  preferCandidate,
  PROBE_CONTEXT,
  PROBE_REPS,
  PROBE_TOKENS,
  readRemembered,
  STORAGE_KEY,
  writeRemembered,
  type Machine,
  type RememberedChoice,
  type RuntimeTimes,
} from './runtime-choice.ts';
import { selectEngineBusy, useStore } from './store/index.ts';

type Ready = Extract<WorkerResponse, { status: 'ready' }>;

/** What the probe needs of useEngine: the engine worker now, new workers, and the switch. */
export interface ProbeHost {
  active(): Worker | null;
  /** A new engine worker, sent `load` for the same model on `runtime`; its messages do not reach the store. */
  spawn(runtime: RuntimeSetting): Worker;
  /** Make `worker` (loaded, idle) the engine worker and close the old one. */
  adopt(worker: Worker, ready: Ready): void;
}

/** A candidate that has not said ready by then counts as failed. */
const LOAD_TIMEOUT_MS = 120_000;
let nextRequestId = 1;

/** The localStorage entry for this model on this machine (WebGPU: whether the browser has the API). */
function storageKey(modelId: string): string {
  return machineKey(modelId, { crossOriginIsolated: self.crossOriginIsolated, hardwareConcurrency: navigator.hardwareConcurrency || 1, webgpu: 'gpu' in navigator });
}

/** What an earlier visit measured for this model on this machine, or null. */
export function rememberedRuntime(modelId: string): RememberedChoice | null {
  try {
    return readRemembered(localStorage.getItem(STORAGE_KEY), storageKey(modelId));
  } catch {
    return null;
  }
}

/** Forgets the remembered choice (it failed to load), so the next start measures again. */
export function forgetRuntime(modelId: string): void {
  try {
    localStorage.setItem(STORAGE_KEY, forgetRemembered(localStorage.getItem(STORAGE_KEY), storageKey(modelId)));
  } catch {
    // Storage refused: nothing was remembered either.
  }
}

/** navigator.gpu gives an adapter (WebGPU is worth trying). */
export async function hasWebGpu(): Promise<boolean> {
  const gpu = (navigator as Navigator & { gpu?: { requestAdapter(): Promise<unknown> } }).gpu;
  if (!gpu) return false;
  try {
    return (await gpu.requestAdapter()) !== null;
  } catch {
    return false;
  }
}

/** The next message from `worker` that `pick` maps to a value (or rejects), or a crash, timeout or abort. */
function nextMessage<T>(worker: Worker, signal: AbortSignal, timeoutMs: number, pick: (m: WorkerResponse) => T | undefined): Promise<T> {
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
      done();
      reject(new Error(`the worker stopped${e.message ? `: ${e.message}` : ''}`));
    };
    const onAbort = () => {
      done();
      reject(new Error('aborted'));
    };
    const timer = setTimeout(() => {
      done();
      reject(new Error(`no answer within ${timeoutMs / 1000} s`));
    }, timeoutMs);
    worker.addEventListener('message', onMessage);
    worker.addEventListener('error', onError);
    signal.addEventListener('abort', onAbort);
  });
}

function waitReady(worker: Worker, signal: AbortSignal): Promise<Ready> {
  return nextMessage(worker, signal, LOAD_TIMEOUT_MS, (m) => {
    if (m.status === 'ready') return m;
    if (m.status === 'error' && m.phase === 'load') throw new Error(m.message);
    return undefined;
  });
}

/** Times PROBE_TOKENS forwards in `worker`; an error becomes the result's `error`. */
async function timeIn(worker: Worker, runtime: RuntimeSetting, signal: AbortSignal): Promise<RuntimeTimes> {
  const requestId = nextRequestId++;
  const answer = nextMessage(worker, signal, LOAD_TIMEOUT_MS, (m): CostPoint[] | undefined => {
    if (m.status === 'forward-times' && m.requestId === requestId) return m.points;
    if (m.status === 'error' && m.requestId === requestId) throw new Error(m.message);
    return undefined;
  });
  worker.postMessage({ type: 'time-forwards', requestId, context: PROBE_CONTEXT, tokens: PROBE_TOKENS, reps: PROBE_REPS });
  try {
    const points = await answer;
    return { runtime, points: points.map((p) => ({ n: p.n, ms: p.ms })) };
  } catch (e) {
    if (signal.aborted) throw e;
    return { runtime, error: (e as Error).message };
  }
}

/** Resolves when the page has no job on the engine worker. */
function idle(signal: AbortSignal): Promise<void> {
  if (!selectEngineBusy(useStore.getState())) return Promise.resolve();
  return new Promise((resolve, reject) => {
    const stop = useStore.subscribe((s) => {
      if (selectEngineBusy(s)) return;
      stop();
      signal.removeEventListener('abort', onAbort);
      resolve();
    });
    const onAbort = () => {
      stop();
      reject(new Error('aborted'));
    };
    signal.addEventListener('abort', onAbort);
  });
}

/** Why there is nothing to measure, for the page; null when the page says so already (not isolated). */
function offNote(m: Machine): string | null {
  if (!m.crossOriginIsolated) return null;
  if (m.hardwareConcurrency < 2) return 'this machine reports one core and no WebGPU';
  return 'nothing to compare';
}

/**
 * Measures the candidates against the runtime `current` the engine worker runs, switching
 * to a clearly faster one. Resolves when done (or rejects with 'aborted' when `signal` fires).
 */
export async function probeRuntime(host: ProbeHost, modelId: string, current: RuntimeSetting, signal: AbortSignal): Promise<void> {
  const store = () => useStore.getState();
  const machine: Machine = {
    crossOriginIsolated: self.crossOriginIsolated,
    hardwareConcurrency: navigator.hardwareConcurrency || 1,
    webgpu: await hasWebGpu(),
  };
  if (signal.aborted) throw new Error('aborted');
  if (nextCandidate(machine, current, []) === null) {
    store().setRuntimeProbe({ status: 'off', note: offNote(machine), chosen: current });
    return;
  }
  store().setRuntimeProbe({ status: 'measuring', note: null, measured: [], chosen: null });
  const tried: RuntimeSetting[] = [];
  const measured: RuntimeTimes[] = [];
  let currentTimes: RuntimeTimes | null = null;
  for (let candidate = nextCandidate(machine, current, tried); candidate; candidate = nextCandidate(machine, current, tried)) {
    tried.push(candidate);
    const worker = host.spawn(candidate);
    let adopted = false;
    try {
      let ready: Ready;
      try {
        ready = await waitReady(worker, signal);
      } catch (e) {
        if (signal.aborted) throw e;
        measured.push({ runtime: candidate, error: (e as Error).message });
        store().setRuntimeProbe({ measured: [...measured] });
        continue;
      }
      const got: RuntimeSetting = { backend: ready.backend, threads: ready.threads };
      await idle(signal);
      store().setRuntimeProbe({ timing: true });
      try {
        const active = host.active();
        if (!currentTimes && active) {
          currentTimes = await timeIn(active, current, signal);
          measured.push(currentTimes);
        }
        const times = await timeIn(worker, got, signal);
        measured.push(times);
        if (currentTimes && preferCandidate(currentTimes, times)) {
          host.adopt(worker, ready);
          adopted = true;
          current = got;
          currentTimes = times;
        }
      } finally {
        store().setRuntimeProbe({ timing: false, measured: [...measured] });
      }
    } finally {
      if (!adopted) worker.terminate();
    }
  }
  const at = new Date().toISOString();
  store().setRuntimeProbe({ status: 'done', chosen: current, at });
  try {
    localStorage.setItem(STORAGE_KEY, writeRemembered(localStorage.getItem(STORAGE_KEY), storageKey(modelId), { runtime: current, measured, at }));
  } catch {
    // Private browsing may refuse storage: the next visit measures again.
  }
}
