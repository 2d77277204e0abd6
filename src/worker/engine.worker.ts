/**
 * The engine worker: owns the one loaded model and runs every decode off the main thread.
 * `load` reads config.json, tokenizer.json and prompts.json and sends them as `model-info`
 * (so the page can show token text and prompt presets while the graphs download); the base
 * model's and the heads' downloads start as soon as config.json names them, onnxruntime
 * starts meanwhile (runtime-start.ts), each session is made as its graph arrives, the
 * smallest decodes warm them up, and the worker says `ready`; the draft model follows
 * (staged-load.ts) and a second `ready` lists it. `run` is decode-run.ts, `compare` compare-run.ts, `measure-cost`
 * measure-cost.ts, `time-forwards` time-forwards.ts, `dist-check` dist-check-run.ts; one job at a time, and `stop` aborts it
 * between two steps (or forwards). The runtime (backend, threads) is the load request's, for
 * the worker's lifetime: onnxruntime fixes it when it initialises.
 */
import {
  configureOrt,
  createDrafter,
  createTokenizer,
  loadModel,
  MissingModelFileError,
  parseConfig,
  speculativeGenerate,
  urlFiles,
  type LoadedModel,
  type ModelFiles,
  type ModelPart,
} from '../engine/index.ts';
import { setOrtRuntime } from '../engine/runtime/session.ts';
import { startRuntime } from '../engine/runtime/runtime-start.ts';
import { parsePromptSuites, type PromptSuites } from '../engine/bench/suites.ts';
import { compareRun } from './compare-run.ts';
import { decodeRun, type RunControl } from './decode-run.ts';
import { distCheckRun } from './dist-check-run.ts';
import { measureCost } from './measure-cost.ts';
import { loadLater, missingOnDemand, splitParts, usesLater, waitsForLater, type Exclusive } from './staged-load.ts';
import { addModelPart, hasPart, MODEL_PART_NAMES } from '../engine/runtime/model.ts';
import type { CostPoint, ErrorPhase, ModelInfo, RuntimeSetting, WorkerRequest, WorkerResponse } from './protocol.ts';
import {
  forgetRemembered,
  machineKey,
  nextCandidate,
  runtimeLabel,
  startingRuntime,
  writeRemembered,
  type Machine,
  type RememberedChoice,
  type RuntimeChoice,
  type RuntimeTimes,
} from './runtime-choice.ts';
import { offNote, probeRuntime, type ProbeHost } from './runtime-probe.ts';
import { timeForwards } from './time-forwards.ts';

const PROGRESS_INTERVAL_MS = 50;
const WARMUP_PROMPT = 'The';
/** How long the engine must have been idle before the runtime measurement (re)starts. */
const PROBE_IDLE_MS = 1000;
const ALL_PARTS: ModelPart[] = ['heads', 'draft_model'];

const scope = globalThis as unknown as DedicatedWorkerGlobalScope;

let model: LoadedModel | null = null;
let loading = false;
/** The job in progress and what it is, for Stop and for the refusal of a second job. */
let running: (RunControl & { what: string }) | null = null;
let suites: PromptSuites | null = null;
let runtime: RuntimeSetting = { backend: 'wasm', threads: 1 };
/** The load's second stage (staged-load.ts): its parts, and why one failed (null once all are in). */
let laterParts: ModelPart[] = [];
/** The model folder's files, fetched once each: on-demand parts (staged-load.ts) come from here. */
let modelFiles: ModelFiles | null = null;
let laterLoaded: Promise<string | null> = Promise.resolve(null);
let idleWaiters: Array<() => void> = [];
const whenIdle = () => (running ? new Promise<void>((resolve) => idleWaiters.push(resolve)) : Promise.resolve());
/** The second stage's piece in progress, which a job starting now waits for. */
let stagePiece: Promise<unknown> | null = null;
const exclusive: Exclusive = async (piece) => {
  await whenIdle();
  // no task can run between whenIdle's resolution and here, so no job has started
  const p = piece();
  stagePiece = p.catch(() => undefined);
  try {
    return await p;
  } finally {
    stagePiece = null;
  }
};

/** The load request, for the runtime measurement's candidates (the same model, another runtime). */
let loadRequest: Extract<WorkerRequest, { type: 'load' }> | null = null;
/** The runtime measurement still to do (what localStorage held, and this model and machine's key), or null. */
let probeWanted: { stored: string | null; key: string } | null = null;
let probing: { controller: AbortController; done: Promise<void> } | null = null;
let probeTimer: ReturnType<typeof setTimeout> | null = null;
/** A faster candidate adopted by the measurement: every request goes to it, every answer comes back. */
let relay: Worker | null = null;
/** Requests on their way to `relay`, in order (a job first stops the measurement of further candidates). */
let relaying: Promise<void> = Promise.resolve();

function post(msg: WorkerResponse): void {
  scope.postMessage(msg);
}

function messageOf(e: unknown): string {
  return e instanceof Error ? e.message : String(e);
}

/**
 * Points ORT at our runtime files; threads need SharedArrayBuffer, i.e. a cross-origin
 * isolated page. WebGPU loads onnxruntime-web's WebGPU build (and its larger runtime) here,
 * by a dynamic import, so a wasm-only visit never downloads it.
 */
async function configureRuntime(ortUrl: string, wanted: RuntimeSetting): Promise<void> {
  const threads = scope.crossOriginIsolated ? Math.max(1, Math.min(16, Math.floor(wanted.threads))) : 1;
  if (wanted.backend === 'webgpu') {
    const gpu = (navigator as WorkerNavigator & { gpu?: { requestAdapter(): Promise<unknown> } }).gpu;
    const adapter = gpu ? await gpu.requestAdapter().catch(() => null) : null;
    if (!adapter) {
      throw new Error(`expected a WebGPU adapter, found ${gpu ? 'none (navigator.gpu.requestAdapter() gave null)' : 'no navigator.gpu'}: open the page without ?backend=webgpu to decode on wasm`);
    }
    setOrtRuntime(await import('onnxruntime-web/webgpu'), 'webgpu');
  }
  runtime = { backend: wanted.backend, threads };
  configureOrt({ wasmPaths: ortUrl, numThreads: threads });
}

/**
 * Every file fetched once: texts are read twice (here for model-info, then by loadModel), and
 * the graphs are fetched ahead of loadModel (prefetchGraphs), which then gets the same
 * download. Byte progress of every file goes to `onProgress` (a caller's own is not called).
 */
function cachedFiles(files: ModelFiles, onProgress: (file: string, loaded: number, total: number | null) => void): ModelFiles {
  const texts = new Map<string, Promise<string>>();
  const bytes = new Map<string, Promise<Uint8Array>>();
  const once = <T>(cache: Map<string, Promise<T>>, rel: string, get: () => Promise<T>) => {
    let v = cache.get(rel);
    if (!v) cache.set(rel, (v = get()));
    return v;
  };
  return {
    where: files.where,
    bytes: (rel) => once(bytes, rel, () => files.bytes(rel, (loaded, total) => onProgress(rel, loaded, total))),
    text: (rel) => once(texts, rel, () => files.text(rel)),
  };
}

/**
 * Starts the graphs' downloads as soon as config.json names them, before the tokenizer is
 * parsed. Failures are left to loadModel, which fetches the same files and explains them.
 */
async function prefetchGraphs(files: ModelFiles, parts: readonly ModelPart[]): Promise<void> {
  const config = parseConfig(await files.text('config.json'), `config.json in ${files.where}`);
  const rels = [config.model.file, ...(parts.includes('heads') ? [config.heads.file] : []), ...(parts.includes('draft_model') ? [config.draft_model.file] : [])];
  for (const rel of rels) files.bytes(rel).catch(() => undefined);
}

/** Every token's text on its own; the special token shows by name. */
function vocabText(tok: ReturnType<typeof createTokenizer>): string[] {
  const dec = new TextDecoder('utf-8', { fatal: false });
  return Array.from({ length: tok.vocabSize }, (_, id) => (id === tok.eosId || id === tok.bosId ? '<|endoftext|>' : dec.decode(tok.tokenBytes(id))));
}

async function modelInfo(files: ModelFiles): Promise<ModelInfo> {
  const config = parseConfig(await files.text('config.json'), `config.json in ${files.where}`);
  const tokenizerJson = await files.text('tokenizer.json');
  const tok = createTokenizer(
    tokenizerJson,
    { vocabSize: config.vocab_size, bosId: config.bos_token_id, eosId: config.eos_token_id },
    `tokenizer.json in ${files.where}`,
  );
  let suites: PromptSuites | null = null;
  try {
    suites = parsePromptSuites(await files.text('prompts.json'), `prompts.json in ${files.where}`);
  } catch (e) {
    // Presets are a convenience: a folder without prompts.json still decodes.
    if (!(e instanceof MissingModelFileError)) throw e;
  }
  return {
    id: config.id,
    vocabSize: config.vocab_size,
    contextLength: config.n_positions,
    eosId: config.eos_token_id,
    numHeads: config.heads.num_heads,
    vocab: vocabText(tok),
    tokenizerJson,
    bosId: config.bos_token_id,
    suites,
  };
}

/**
 * The smallest decode that runs a graph once at the shapes a Run uses (a prefill, then a
 * k+1-token verify, or a 1-token step for the base model alone), so the first Run does not
 * pay for ORT's lazy setup: a graph's first run costs far more than the next.
 */
async function warm(m: LoadedModel, graph: 'model' | ModelPart): Promise<void> {
  const drafter =
    graph === 'heads' ? createDrafter(m, { drafter: 'heads' })
    : graph === 'draft_model' ? createDrafter(m, { drafter: 'draft-model', k: 2 })
    : graph === 'eagle' ? createDrafter(m, { drafter: 'eagle', k: 2 })
    : null;
  await speculativeGenerate(m, drafter, WARMUP_PROMPT, { maxTokens: 2, temperature: 0 });
}

/** A named instant of the load (space:*), for the browser bench's cold-load profile. */
const mark = (name: string) => performance.mark(`space:${name}`);

async function load(req: Extract<WorkerRequest, { type: 'load' }>): Promise<void> {
  if (loading || model) {
    // One model per worker: the UI starts a fresh worker to load another one or to retry.
    if (model?.id === req.modelId) announceReady(model);
    return;
  }
  loading = true;
  loadRequest = req;
  post({ status: 'loading', modelId: req.modelId });
  let wanted: RuntimeSetting;
  let remembered: RememberedChoice | null = null;
  let key: string | null = null;
  if ('fixed' in req.runtime) wanted = req.runtime.fixed;
  else {
    // The key's WebGPU part is whether the API exists, known at once; the measurement asks for an adapter.
    key = machineKey(req.modelId, machineNow('gpu' in navigator));
    ({ runtime: wanted, remembered } = startingRuntime(req.runtime.remembered, key));
  }
  const parts = req.parts ?? ALL_PARTS;
  const { first, later } = splitParts(parts);
  let loaded: Promise<LoadedModel> | undefined;
  try {
    await configureRuntime(req.ortUrl, wanted);
    // onnxruntime starts (wasm fetched, compiled, threads up) while the graphs download; if it
    // cannot, the model's own sessions fail below with the full explanation.
    const runtimeStarted = startRuntime().then(() => mark('runtime-started'), () => undefined);
    let lastProgress = 0;
    const files = cachedFiles(urlFiles(req.modelUrl), (file, bytes, total) => {
      if (bytes === total) mark(`downloaded ${file}`);
      const now = performance.now();
      if (now - lastProgress < PROGRESS_INTERVAL_MS && bytes !== total) return;
      lastProgress = now;
      post({ status: 'progress', file, loaded: bytes, total });
    });
    modelFiles = files;
    prefetchGraphs(files, first).catch(() => undefined);
    // The sessions are made while model-info is read (both read config.json and tokenizer.json
    // through the same cache), but not before the runtime has started: WebGPU refuses a session
    // made beside another. The downloads do not wait.
    const afterStart: ModelFiles = { where: files.where, text: (rel) => files.text(rel), bytes: (rel) => runtimeStarted.then(() => files.bytes(rel)) };
    loaded = loadModel(afterStart, { parts: first });
    loaded.catch(() => undefined); // awaited below; this only keeps an early failure from counting as unhandled
    const info = await modelInfo(files);
    suites = info.suites;
    post({ status: 'model-info', info });
    mark('model-info');
    const m = await loaded;
    mark('sessions');
    if (m.heads) await warm(m, 'heads');
    await warm(m, 'model');
    mark('warm-up');
    model = m;
    // Before `ready`, so the page never shows a ready runtime without its choice.
    if ('fixed' in req.runtime) {
      if (req.runtime.note !== null) choose({ status: 'off', note: req.runtime.note, measured: [], chosen: runtime, at: null });
    } else if (remembered) {
      choose({ status: 'remembered', note: null, measured: remembered.measured, chosen: remembered.runtime, at: remembered.at });
    } else {
      probeWanted = { stored: req.runtime.remembered, key: key! };
      choose({ status: 'measuring', note: 'once the engine is idle', measured: [], chosen: null, at: null });
    }
    announceReady(m, first);
    laterParts = later;
    if (later.length) {
      laterLoaded = loadLater(m, files, later, exclusive, (part) => warm(m, part)).then((failed) => {
        mark('later parts');
        if (!failed) announceReady(m, parts);
        return failed;
      });
    }
    void laterLoaded.then(scheduleProbe);
  } catch (e) {
    loading = false;
    await loaded?.then((m) => m.release()).catch(() => undefined);
    if (remembered && key !== null && !('fixed' in req.runtime)) {
      // The runtime an earlier visit chose does not load now (e.g. WebGPU is gone): forget it, and the page starts afresh.
      const note = `${runtimeLabel(remembered.runtime)}, chosen on ${remembered.at.slice(0, 10)}, did not load (${messageOf(e)}); measuring again`;
      post({ status: 'runtime-choice', choice: { status: 'off', note, measured: [], chosen: null, at: null }, stored: forgetRemembered(req.runtime.remembered, key), restart: true });
      return;
    }
    post({ status: 'error', phase: 'load', message: `Could not load model '${req.modelId}' from ${req.modelUrl}: ${messageOf(e)}` });
  }
}

function announceReady(m: LoadedModel, parts: ModelPart[] = ALL_PARTS): void {
  post({ status: 'ready', modelId: m.id, backend: runtime.backend, threads: runtime.threads, crossOriginIsolated: scope.crossOriginIsolated, parts });
}

function choose(choice: RuntimeChoice, stored?: string): void {
  post({ status: 'runtime-choice', choice, ...(stored !== undefined ? { stored } : {}) });
}

const machineNow = (webgpu: boolean): Machine => ({
  crossOriginIsolated: scope.crossOriginIsolated,
  hardwareConcurrency: navigator.hardwareConcurrency || 1,
  webgpu,
});

/** navigator.gpu gives an adapter (WebGPU is worth trying). */
async function hasWebGpu(): Promise<boolean> {
  const gpu = (navigator as WorkerNavigator & { gpu?: { requestAdapter(): Promise<unknown> } }).gpu;
  if (!gpu) return false;
  try {
    return (await gpu.requestAdapter()) !== null;
  } catch {
    return false;
  }
}

/** Starts the runtime measurement once the engine has been idle for PROBE_IDLE_MS, if one is still to do. */
function scheduleProbe(): void {
  if (!probeWanted || probing || relay || running || !model) return;
  if (probeTimer !== null) clearTimeout(probeTimer);
  probeTimer = setTimeout(() => {
    probeTimer = null;
    if (!running && !probing) startProbe();
  }, PROBE_IDLE_MS);
}

/** Stops the runtime measurement for a job (its candidate closes at once); scheduleProbe starts it over. */
async function stopProbe(): Promise<void> {
  if (probeTimer !== null) {
    clearTimeout(probeTimer);
    probeTimer = null;
  }
  const p = probing;
  if (!p) return;
  p.controller.abort();
  await p.done;
}

function startProbe(): void {
  const want = probeWanted;
  const m = model;
  const req = loadRequest;
  if (!want || !m || !req) return;
  const controller = new AbortController();
  let measuredSoFar: RuntimeTimes[] = [];
  let adopted: RuntimeSetting | null = null;
  const finish = (chosen: RuntimeSetting, measured: RuntimeTimes[]) => {
    probeWanted = null;
    const at = new Date().toISOString();
    choose({ status: 'done', note: null, measured, chosen, at }, writeRemembered(want.stored, want.key, { runtime: chosen, measured, at }));
  };
  const host: ProbeHost = {
    machine: machineNow(false),
    current: runtime,
    timeHere: async (request, signal) => {
      let points: CostPoint[] = [];
      const control: RunControl = { controller: new AbortController(), stepsAtStop: null, steps: 0 };
      signal.addEventListener('abort', () => control.controller.abort());
      await timeForwards(m, runtime, request, control, (msg) => {
        if (msg.status === 'forward-times') points = msg.points;
      });
      return points;
    },
    spawn: (candidate) => {
      // This worker's own script: the same engine, started on the candidate runtime.
      const w = new Worker(scope.location.href, { type: 'module' });
      w.postMessage({ type: 'load', modelId: req.modelId, modelUrl: req.modelUrl, ortUrl: req.ortUrl, parts: req.parts, runtime: { fixed: candidate, note: null } } satisfies WorkerRequest);
      return w;
    },
    adopt: (w, ready) => {
      relay = w;
      adopted = { backend: ready.backend, threads: ready.threads };
      w.addEventListener('message', (e: MessageEvent<WorkerResponse>) => post(e.data));
      w.addEventListener('error', (e: ErrorEvent) => {
        e.preventDefault();
        // A crash of the adopted worker is this worker's crash, which the page reports and answers with a fresh one.
        setTimeout(() => {
          throw new Error(`the engine's ${ready.backend} ${ready.threads}-thread worker stopped${e.message ? `: ${e.message}` : ''}`);
        });
      });
      model = null;
      void m.release();
      post(ready);
    },
    report: (choice) => {
      measuredSoFar = choice.measured;
      choose({ ...choice, note: null });
    },
  };
  const done = (async () => {
    host.machine = machineNow(await hasWebGpu());
    if (controller.signal.aborted) return;
    if (nextCandidate(host.machine, runtime, []) === null) {
      probeWanted = null;
      choose({ status: 'off', note: offNote(host.machine), measured: [], chosen: runtime, at: null });
      return;
    }
    const { chosen, measured } = await probeRuntime(host, controller.signal);
    finish(chosen, measured);
  })()
    .catch((e: unknown) => {
      // After a switch this worker only relays and cannot measure again: the switch stands.
      if (controller.signal.aborted && adopted) return finish(adopted, measuredSoFar);
      if (controller.signal.aborted) {
        choose({ status: 'measuring', note: 'a job came first; again once the engine is idle', measured: [], chosen: null, at: null });
        return;
      }
      probeWanted = null;
      choose({ status: 'off', note: `the measurement failed: ${messageOf(e)}`, measured: [], chosen: runtime, at: null });
    })
    .finally(() => {
      probing = null;
    });
  probing = { controller, done };
}

/**
 * Runs one job with a fresh interrupt, refusing it while another is in progress; a
 * measurement, or a job using the draft model, first waits for the load's second stage,
 * and any job for the second stage's piece in progress.
 */
async function job(
  phase: Exclude<ErrorPhase, 'load'>,
  what: string,
  req: Extract<WorkerRequest, { requestId: number }>,
  body: (m: LoadedModel, control: RunControl) => Promise<void>,
): Promise<void> {
  const fail = (message: string) => post({ status: 'error', phase, requestId: req.requestId, message });
  const busy = () => fail(`The engine is busy with ${running!.what}: wait for it to finish, or stop it first.`);
  if (!model) return fail('No model is loaded yet: wait for the progress bar to finish, or press Retry to load it again.');
  if (running) return busy();
  // A job goes first: nothing is ever timed or loaded beside it.
  await stopProbe();
  if (running) return busy();
  if (waitsForLater(req, laterParts)) {
    const failed = await laterLoaded;
    if (running) return busy();
    if (failed && usesLater(req, laterParts)) return fail(`This needs a graph that did not load: ${failed}. Choose another drafter, or reload the page to try again.`);
  }
  const control: RunControl & { what: string } = { controller: new AbortController(), stepsAtStop: null, steps: 0, what };
  running = control;
  try {
    if (stagePiece) await stagePiece;
    const missing = missingOnDemand(req, model);
    for (const part of missing) {
      await addModelPart(model, modelFiles!, part);
      await warm(model, part);
    }
    if (missing.length) announceReady(model, MODEL_PART_NAMES.filter((p) => hasPart(model!, p)));
    await body(model, control);
  } catch (e) {
    fail(messageOf(e));
  } finally {
    running = null;
    const waiting = idleWaiters;
    idleWaiters = [];
    for (const resume of waiting) resume();
    scheduleProbe();
  }
}

scope.addEventListener('message', (e: MessageEvent<WorkerRequest>) => {
  const req = e.data;
  if (relay) {
    const to = relay;
    relaying = relaying.then(async () => {
      if ('requestId' in req) await stopProbe();
      to.postMessage(req);
    });
    return;
  }
  switch (req.type) {
    case 'load':
      void load(req);
      break;
    case 'run':
      void job('run', 'a decode run', req, (m, c) => decodeRun(m, req.requestId, req.settings, c, post));
      break;
    case 'compare':
      void job('compare', 'a comparison', req, (m, c) => compareRun(m, suites, req.requestId, req.settings, c, post));
      break;
    case 'measure-cost':
      void job('cost', 'a cost measurement', req, (m, c) => measureCost(m, req, c, post));
      break;
    case 'time-forwards':
      void job('runtime', 'a runtime measurement', req, (m, c) => timeForwards(m, runtime, req, c, post));
      break;
    case 'dist-check':
      void job('dist-check', 'a distribution check', req, (m, c) => distCheckRun(m, req, c, post));
      break;
    case 'stop':
      if (running && running.stepsAtStop === null) {
        running.stepsAtStop = running.steps;
        running.controller.abort();
      }
      break;
    default: {
      const unknown: never = req;
      post({ status: 'error', phase: 'run', message: `Unknown message to the engine worker: ${JSON.stringify(unknown)}` });
    }
  }
});
