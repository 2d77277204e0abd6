/**
 * The engine worker: owns the one loaded model and runs generation off the main thread.
 * The model is created lazily by the first `load` message and warmed up (one forward) before
 * the worker says `ready`, so the first Generate is not slowed by ORT's lazy initialisation.
 * A `stop` message aborts the running generation through its AbortController.
 * This page decodes greedily with the base model only; speculative decoding comes later.
 */
import { configureOrt, generate, loadModel, urlFiles, type LoadedModel } from '../engine/index.ts';
import type { WorkerRequest, WorkerResponse } from './protocol.ts';

/** How often streamed text is posted: often enough to look live, rarely enough not to flood React. */
const UPDATE_INTERVAL_MS = 50;
const PROGRESS_INTERVAL_MS = 50;
const WARMUP_PROMPT = 'The';

const scope = globalThis as unknown as DedicatedWorkerGlobalScope;

let model: LoadedModel | null = null;
let loading: Promise<LoadedModel> | null = null;
let running: AbortController | null = null;
let threads = 1;

function post(msg: WorkerResponse): void {
  scope.postMessage(msg);
}

function messageOf(e: unknown): string {
  return e instanceof Error ? e.message : String(e);
}

/** Points ORT at our runtime files; threads need SharedArrayBuffer, i.e. a cross-origin isolated page. */
function configureRuntime(ortUrl: string): void {
  threads = scope.crossOriginIsolated ? Math.min(4, navigator.hardwareConcurrency || 1) : 1;
  configureOrt({ wasmPaths: ortUrl, numThreads: threads });
}

async function load(req: Extract<WorkerRequest, { type: 'load' }>): Promise<void> {
  if (loading) {
    // One model per worker: the UI starts a fresh worker to load another one or to retry.
    if (model?.id === req.modelId) announceReady(model);
    return;
  }
  post({ status: 'loading', modelId: req.modelId });
  configureRuntime(req.ortUrl);
  let lastProgress = 0;
  loading = loadModel(urlFiles(req.modelUrl), {
    // Greedy decoding with the base model needs neither the heads nor the draft model.
    parts: [],
    onProgress: (p) => {
      const now = performance.now();
      if (now - lastProgress < PROGRESS_INTERVAL_MS && p.loaded !== p.total) return;
      lastProgress = now;
      post({ status: 'progress', file: p.file, loaded: p.loaded, total: p.total });
    },
  });
  let m: LoadedModel | undefined;
  try {
    m = await loading;
    await generate(m, WARMUP_PROMPT, { maxNewTokens: 1, temperature: 0 });
    model = m;
    announceReady(m);
  } catch (e) {
    loading = null;
    await m?.release().catch(() => undefined);
    post({
      status: 'error',
      phase: 'load',
      message: `Could not load model '${req.modelId}' from ${req.modelUrl}: ${messageOf(e)}`,
    });
  }
}

function announceReady(m: LoadedModel): void {
  post({
    status: 'ready',
    modelId: m.id,
    contextLength: m.config.n_positions,
    threads,
    crossOriginIsolated: scope.crossOriginIsolated,
  });
}

async function run(req: Extract<WorkerRequest, { type: 'generate' }>): Promise<void> {
  const fail = (message: string) => post({ status: 'error', phase: 'generate', requestId: req.requestId, message });
  if (!model) return fail('No model is loaded yet: wait for the progress bar to finish, or press Retry to load it again.');
  if (running) return fail('A generation is already running: press Stop first.');
  // The prompt itself (empty, too long for the context) is checked by the engine's preparePrompt.
  const controller = new AbortController();
  running = controller;
  let delta = '';
  let newTokens = 0;
  let lastFlush = performance.now();
  const flush = () => {
    if (delta === '') return;
    post({ status: 'update', requestId: req.requestId, delta, newTokens });
    delta = '';
    lastFlush = performance.now();
  };
  try {
    const result = await generate(model, req.prompt, {
      maxNewTokens: req.maxNewTokens,
      temperature: 0,
      signal: controller.signal,
      onToken: (_token, text) => {
        delta += text;
        newTokens += 1;
        if (performance.now() - lastFlush >= UPDATE_INTERVAL_MS) flush();
      },
    });
    flush();
    post({
      status: 'complete',
      requestId: req.requestId,
      result: {
        text: result.text,
        promptTokens: result.promptIds.length - 1, // without BOS
        newTokens: result.tokens.length,
        stopReason: result.stopReason,
        forwards: result.forwards,
        elapsedMs: result.elapsedMs,
      },
    });
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
    case 'generate':
      void run(req);
      break;
    case 'stop':
      running?.abort();
      break;
    default: {
      const unknown: never = req;
      post({ status: 'error', phase: 'generate', message: `Unknown message to the engine worker: ${JSON.stringify(unknown)}` });
    }
  }
});
