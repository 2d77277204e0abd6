/**
 * The UI's handle on the engine worker: starts it, sends it typed requests, and feeds its
 * messages (and crashes) into the store. The Worker object lives in a ref, never in the store.
 * The worker chooses its runtime and measures the alternatives itself (src/worker/runtime-probe.ts);
 * the page only hands it what localStorage remembers and keeps what it says to remember.
 * `?backend=wasm|webgpu` in the page URL fixes the backend instead (no measurement).
 * Which model: `?model=<id>` in the page URL, else `toy`; it is fetched from models/<id>/
 * next to the page, so the site works from any folder of a static host.
 */
import { useCallback, useEffect, useRef } from 'react';
import type { Backend, ModelInfo, WorkerRequest, WorkerResponse } from '../worker/protocol.ts';
import { compareProblem } from './compare/configs.ts';
import { FIRST_RUNTIME, STORAGE_KEY } from '../worker/runtime-choice.ts';
import { selectEngineBusy, useStore } from './store/index.ts';
import { selectPosition, selectSteps } from './store/stepper-slice.ts';
import { selectRunProblem } from './store/run-problem.ts';
import { writeUrlNow } from './store/url-sync.ts';

export const DEFAULT_MODEL_ID = 'toy';
/** Where vite.config.ts serves onnxruntime-web's runtime files, relative to the page. */
const ORT_DIR = 'ort/';
const MODEL_ID = /^[A-Za-z0-9_-][A-Za-z0-9._-]*$/;
/** The cost curve: forwards over n = 1..20 new tokens after 128 cached ones (mid-decode for a suite prompt), median of 7. */
export const COST_CONTEXT = 128;
export const COST_MAX_N = 20;
export const COST_REPS = 7;

/** What compareProblem needs to know of the model (null while unknown). */
export function limitsOf(info: ModelInfo | null) {
  if (!info) return null;
  const suiteSizes = info.suites ? { prose: info.suites.prose.length, code: info.suites.code.length, repetitive: info.suites.repetitive.length } : null;
  return { numHeads: info.numHeads, suiteSizes };
}

export function modelIdFromPage(): string {
  return new URLSearchParams(window.location.search).get('model') ?? DEFAULT_MODEL_ID;
}

const BACKENDS: readonly Backend[] = ['wasm', 'webgpu'];

/** `?backend=` in the page URL: the backend to use without measuring; null when absent; a string when not valid. */
export function backendFromPage(): Backend | null | { invalid: string } {
  const b = new URLSearchParams(window.location.search).get('backend');
  if (b === null) return null;
  return (BACKENDS as readonly string[]).includes(b) ? (b as Backend) : { invalid: b };
}

export interface EngineHandle {
  /** Decode the current settings: speculative, then the baseline; the view follows live. */
  run: () => void;
  /** Show the next step of the run on show, or start a new run paused at its prefill. */
  step: () => void;
  /** Stop the job in progress: a decode, a comparison or a cost measurement. */
  stop: () => void;
  /** Run the Compare view's comparison. */
  compare: () => void;
  /** Measure the cost curve t(n) for the Speedup simulator. */
  measureCost: () => void;
  /** Sample the next tokens speculatively and autoregressively and compare their laws (Decode view). */
  checkDistribution: () => void;
  /** Load the model again in a fresh worker (after a load error or a crash). */
  reload: () => void;
}

function send(worker: Worker, msg: WorkerRequest): void {
  worker.postMessage(msg);
}

/**
 * Feeds a worker's messages and crashes into the store, keeps in localStorage what the
 * worker's runtime choice says to keep, and calls `restart` when it asks for a fresh worker.
 */
function wire(worker: Worker, restart: () => void): void {
  worker.addEventListener('message', (e: MessageEvent<WorkerResponse>) => {
    const msg = e.data;
    if (msg.status === 'runtime-choice' && msg.stored !== undefined) {
      try {
        localStorage.setItem(STORAGE_KEY, msg.stored);
      } catch {
        // Private browsing may refuse storage: the next visit measures again.
      }
    }
    useStore.getState().receive(msg);
    if (msg.status === 'runtime-choice' && msg.restart) restart();
  });
  worker.addEventListener('error', (e: ErrorEvent) => {
    e.preventDefault();
    const detail = e.message ? `: ${e.message}` : ' (its script failed to load or threw)';
    useStore.getState().failModel({
      kind: 'crash',
      message: `The engine worker stopped unexpectedly${detail}. Retry starts a new one; if it fails again, the browser console has details.`,
    });
  });
  worker.addEventListener('messageerror', () => {
    useStore.getState().failModel({ kind: 'crash', message: 'A message from the engine worker could not be read. Retry starts a new worker.' });
  });
}

type RuntimeRequest = Extract<WorkerRequest, { type: 'load' }>['runtime'];

/** How the worker is to pick its runtime: the link's backend, else its own choice from what localStorage remembers. */
function runtimeRequest(forced: Backend | null): RuntimeRequest {
  if (forced) return { fixed: { backend: forced, threads: FIRST_RUNTIME.threads }, note: `the link fixes ?backend=${forced}` };
  let remembered: string | null = null;
  try {
    remembered = localStorage.getItem(STORAGE_KEY);
  } catch {
    // Storage refused: nothing remembered, the worker measures.
  }
  return { remembered };
}

/**
 * The first engine worker, spawned by main.tsx before React's first render, so the model's
 * download starts that much sooner (the render takes ~100 ms on a slow machine); the first
 * spawn() of the same model and runtime takes it over, with what it said meanwhile.
 */
let early: { modelId: string; runtime: RuntimeRequest; worker: Worker; said: Event[]; keep: (e: Event) => void } | null = null;
const EARLY_EVENTS = ['message', 'error', 'messageerror'] as const;

export function spawnEarly(modelId: string): void {
  const forced = backendFromPage();
  if (early || !MODEL_ID.test(modelId) || (forced !== null && typeof forced === 'object')) return;
  const runtime = runtimeRequest(forced);
  const worker = newWorker(modelId, runtime);
  const said: Event[] = [];
  const keep = (e: Event) => {
    if (e.type === 'error') e.preventDefault();
    said.push(e);
  };
  for (const type of EARLY_EVENTS) worker.addEventListener(type, keep);
  early = { modelId, runtime, worker, said, keep };
}

/** The early worker if it is the one asked for (its events replayed once the caller has wired it), else null. */
function takeEarly(modelId: string, runtime: RuntimeRequest): Worker | null {
  const e = early;
  early = null;
  if (!e) return null;
  if (e.modelId !== modelId || JSON.stringify(e.runtime) !== JSON.stringify(runtime)) {
    e.worker.terminate();
    return null;
  }
  // A microtask: after the caller's listeners, before the worker's next event.
  queueMicrotask(() => {
    for (const type of EARLY_EVENTS) e.worker.removeEventListener(type, e.keep);
    for (const ev of e.said) {
      const copy =
        ev instanceof MessageEvent ? new MessageEvent(ev.type, { data: ev.data }) : new ErrorEvent('error', { message: (ev as ErrorEvent).message, cancelable: true });
      e.worker.dispatchEvent(copy);
    }
  });
  return e.worker;
}

/** A new engine worker, sent `load` for `modelId` on `runtime`: the early one when it matches. */
function spawn(modelId: string, runtime: RuntimeRequest): Worker {
  return takeEarly(modelId, runtime) ?? newWorker(modelId, runtime);
}

function newWorker(modelId: string, runtime: RuntimeRequest): Worker {
  const worker = new Worker(new URL('../worker/engine.worker.ts', import.meta.url), { type: 'module' });
  const base = document.baseURI;
  send(worker, {
    type: 'load',
    modelId,
    modelUrl: new URL(`models/${modelId}/`, base).href,
    ortUrl: new URL(ORT_DIR, base).href,
    runtime,
  });
  return worker;
}

export function useEngine(modelId: string): EngineHandle {
  const workerRef = useRef<Worker | null>(null);

  const start = useCallback(() => {
    const store = useStore.getState();
    workerRef.current?.terminate();
    workerRef.current = null;
    store.startLoading(modelId);
    if (!MODEL_ID.test(modelId)) {
      store.failModel({
        kind: 'load',
        message: `The model id '${modelId}' is not valid: expected letters, digits, '.', '_' or '-' (a folder name under models/). Fix ?model= in the address.`,
      });
      return;
    }
    const forced = backendFromPage();
    if (forced !== null && typeof forced === 'object') {
      store.failModel({ kind: 'load', message: `The backend '${forced.invalid}' is not known: expected ?backend=wasm or ?backend=webgpu, or none to let the page measure. Fix the address.` });
      return;
    }
    const worker = spawn(modelId, runtimeRequest(forced));
    wire(worker, start);
    workerRef.current = worker;
  }, [modelId]);

  useEffect(() => {
    start();
    return () => {
      workerRef.current?.terminate();
      workerRef.current = null;
    };
  }, [start]);

  const begin = useCallback((mode: 'run' | 'step') => {
    const worker = workerRef.current;
    const s = useStore.getState();
    if (!worker || s.model.phase !== 'ready' || selectEngineBusy(s)) return;
    const problem = selectRunProblem(s);
    if (problem) return s.failRun(problem);
    writeUrlNow();
    const { requestId, settings } = s.startRun(mode);
    send(worker, { type: 'run', requestId, settings });
  }, []);

  const run = useCallback(() => begin('run'), [begin]);

  const step = useCallback(() => {
    const s = useStore.getState();
    const last = selectSteps(s).length - 1;
    const onRun = s.stepper.source?.kind === 'run';
    if (onRun && (selectPosition(s) < last || s.run.status === 'running')) s.moveBy(1);
    else begin('step');
  }, [begin]);

  const stop = useCallback(() => {
    if (workerRef.current) send(workerRef.current, { type: 'stop' });
  }, []);

  const compare = useCallback(() => {
    const worker = workerRef.current;
    const s = useStore.getState();
    if (!worker || s.model.phase !== 'ready' || selectEngineBusy(s)) return;
    const problem = compareProblem(s.compare.settings, limitsOf(s.model.info));
    if (problem) return s.failCompare(problem);
    const { requestId, settings } = s.startCompare();
    send(worker, { type: 'compare', requestId, settings });
  }, []);

  const measureCost = useCallback(() => {
    const worker = workerRef.current;
    const s = useStore.getState();
    if (!worker || s.model.phase !== 'ready' || selectEngineBusy(s)) return;
    const requestId = s.startMeasure();
    send(worker, { type: 'measure-cost', requestId, context: COST_CONTEXT, maxN: COST_MAX_N, reps: COST_REPS });
  }, []);

  const checkDistribution = useCallback(() => {
    const worker = workerRef.current;
    const s = useStore.getState();
    if (!worker || s.model.phase !== 'ready' || selectEngineBusy(s)) return;
    const problem = selectRunProblem(s);
    if (problem) return s.failDistCheck(problem);
    const { samples, positions } = s.distCheck;
    const settings = { ...s.settings };
    const requestId = s.startDistCheck(settings);
    send(worker, { type: 'dist-check', requestId, settings, samples, positions });
  }, []);

  return { run, step, stop, compare, measureCost, checkDistribution, reload: start };
}
