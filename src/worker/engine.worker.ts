/**
 * The engine worker: owns the one loaded model and runs every decode off the main thread.
 * `load` reads config.json, tokenizer.json and prompts.json first and sends them as
 * `model-info` (so the page can show token text and prompt presets while the graphs
 * download), then loads the graphs with byte progress, warms every session up with a short
 * decode, and says `ready`. `run` is decode-run.ts, `compare` compare-run.ts, `measure-cost`
 * measure-cost.ts, `time-forwards` time-forwards.ts; one job at a time, and `stop` aborts it
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
import { setOrtRuntime } from '../engine/session.ts';
import { parsePromptSuites, type PromptSuites } from '../engine/suites.ts';
import { compareRun } from './compare-run.ts';
import { decodeRun, type RunControl } from './decode-run.ts';
import { measureCost } from './measure-cost.ts';
import type { ErrorPhase, ModelInfo, RuntimeSetting, WorkerRequest, WorkerResponse } from './protocol.ts';
import { timeForwards } from './time-forwards.ts';

const PROGRESS_INTERVAL_MS = 50;
const WARMUP_PROMPT = 'The';
const ALL_PARTS: ModelPart[] = ['heads', 'draft_model'];

const scope = globalThis as unknown as DedicatedWorkerGlobalScope;

let model: LoadedModel | null = null;
let loading = false;
/** The job in progress and what it is, for Stop and for the refusal of a second job. */
let running: (RunControl & { what: string }) | null = null;
let suites: PromptSuites | null = null;
let runtime: RuntimeSetting = { backend: 'wasm', threads: 1 };

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

/** Text files are read twice (here for model-info, then by loadModel); the second read is the cached first. */
function cachedText(files: ModelFiles): ModelFiles {
  const texts = new Map<string, Promise<string>>();
  return {
    where: files.where,
    bytes: (rel, onProgress) => files.bytes(rel, onProgress),
    text: (rel) => {
      let t = texts.get(rel);
      if (!t) texts.set(rel, (t = files.text(rel)));
      return t;
    },
  };
}

/** Every token's text on its own; the special token shows by name. */
function vocabText(tok: ReturnType<typeof createTokenizer>): string[] {
  const dec = new TextDecoder('utf-8', { fatal: false });
  return Array.from({ length: tok.vocabSize }, (_, id) => (id === tok.eosId || id === tok.bosId ? '<|endoftext|>' : dec.decode(tok.tokenBytes(id))));
}

async function modelInfo(files: ModelFiles): Promise<ModelInfo> {
  const config = parseConfig(await files.text('config.json'), `config.json in ${files.where}`);
  const tok = createTokenizer(
    await files.text('tokenizer.json'),
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
    suites,
  };
}

/** A short decode with every loaded drafter, so the first Run does not pay for ORT's lazy setup. */
async function warmUp(m: LoadedModel): Promise<void> {
  const opts = { maxNewTokens: 4, temperature: 0 };
  await speculativeGenerate(m, null, WARMUP_PROMPT, opts);
  if (m.heads) await speculativeGenerate(m, createDrafter(m, { drafter: 'heads' }), WARMUP_PROMPT, opts);
  if (m.draftModel) await speculativeGenerate(m, createDrafter(m, { drafter: 'draft-model', k: 2 }), WARMUP_PROMPT, opts);
}

async function load(req: Extract<WorkerRequest, { type: 'load' }>): Promise<void> {
  if (loading || model) {
    // One model per worker: the UI starts a fresh worker to load another one or to retry.
    if (model?.id === req.modelId) announceReady(model);
    return;
  }
  loading = true;
  post({ status: 'loading', modelId: req.modelId });
  const parts = req.parts ?? ALL_PARTS;
  let m: LoadedModel | undefined;
  try {
    await configureRuntime(req.ortUrl, req.runtime);
    const files = cachedText(urlFiles(req.modelUrl));
    const info = await modelInfo(files);
    suites = info.suites;
    post({ status: 'model-info', info });
    let lastProgress = 0;
    m = await loadModel(files, {
      parts,
      onProgress: (p) => {
        const now = performance.now();
        if (now - lastProgress < PROGRESS_INTERVAL_MS && p.loaded !== p.total) return;
        lastProgress = now;
        post({ status: 'progress', file: p.file, loaded: p.loaded, total: p.total });
      },
    });
    await warmUp(m);
    model = m;
    announceReady(m, parts);
  } catch (e) {
    loading = false;
    await m?.release().catch(() => undefined);
    post({ status: 'error', phase: 'load', message: `Could not load model '${req.modelId}' from ${req.modelUrl}: ${messageOf(e)}` });
  }
}

function announceReady(m: LoadedModel, parts: ModelPart[] = ALL_PARTS): void {
  post({ status: 'ready', modelId: m.id, backend: runtime.backend, threads: runtime.threads, crossOriginIsolated: scope.crossOriginIsolated, parts });
}

/** Runs one job with a fresh interrupt, refusing it while another is in progress. */
async function job(phase: Exclude<ErrorPhase, 'load'>, what: string, requestId: number, body: (m: LoadedModel, control: RunControl) => Promise<void>): Promise<void> {
  const fail = (message: string) => post({ status: 'error', phase, requestId, message });
  if (!model) return fail('No model is loaded yet: wait for the progress bar to finish, or press Retry to load it again.');
  if (running) return fail(`The engine is busy with ${running.what}: wait for it to finish, or stop it first.`);
  const control: RunControl & { what: string } = { controller: new AbortController(), stepsAtStop: null, steps: 0, what };
  running = control;
  try {
    await body(model, control);
  } catch (e) {
    fail(messageOf(e));
  } finally {
    running = null;
  }
}

scope.addEventListener('message', (e: MessageEvent<WorkerRequest>) => {
  const req = e.data;
  switch (req.type) {
    case 'load':
      void load(req);
      break;
    case 'run':
      void job('run', 'a decode run', req.requestId, (m, c) => decodeRun(m, req.requestId, req.settings, c, post));
      break;
    case 'compare':
      void job('compare', 'a comparison', req.requestId, (m, c) => compareRun(m, suites, req.requestId, req.settings, c, post));
      break;
    case 'measure-cost':
      void job('cost', 'a cost measurement', req.requestId, (m, c) => measureCost(m, req, c, post));
      break;
    case 'time-forwards':
      void job('runtime', 'a runtime measurement', req.requestId, (m, c) => timeForwards(m, runtime, req, c, post));
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
