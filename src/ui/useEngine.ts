/**
 * The UI's handle on the engine worker: starts it, sends it typed requests, and feeds its
 * messages (and crashes) into the store. The Worker object lives in a ref, never in the store.
 * Which model: `?model=<id>` in the page URL, else `toy`; it is fetched from models/<id>/
 * next to the page, so the site works from any folder of a static host.
 */
import { useCallback, useEffect, useRef } from 'react';
import type { WorkerRequest, WorkerResponse } from '../worker/protocol.ts';
import { useUiStore } from './store.ts';

export const DEFAULT_MODEL_ID = 'toy';
/** Where vite.config.ts serves onnxruntime-web's runtime files, relative to the page. */
const ORT_DIR = 'ort/';
const MODEL_ID = /^[A-Za-z0-9_-][A-Za-z0-9._-]*$/;

export function modelIdFromPage(): string {
  return new URLSearchParams(window.location.search).get('model') ?? DEFAULT_MODEL_ID;
}

export interface EngineHandle {
  generate: () => void;
  stop: () => void;
  /** Repeats the step that failed: generation, or (after a load error or crash) a fresh worker. */
  retry: () => void;
}

function send(worker: Worker, msg: WorkerRequest): void {
  worker.postMessage(msg);
}

export function useEngine(modelId: string): EngineHandle {
  const workerRef = useRef<Worker | null>(null);

  const start = useCallback(() => {
    const store = useUiStore.getState();
    workerRef.current?.terminate();
    workerRef.current = null;
    store.startLoading(modelId);
    if (!MODEL_ID.test(modelId)) {
      store.fail({
        phase: 'load',
        message: `The model id '${modelId}' is not valid: expected letters, digits, '.', '_' or '-' (a folder name under models/). Fix ?model= in the address.`,
      });
      return;
    }
    const worker = new Worker(new URL('../worker/engine.worker.ts', import.meta.url), { type: 'module' });
    worker.addEventListener('message', (e: MessageEvent<WorkerResponse>) => useUiStore.getState().receive(e.data));
    worker.addEventListener('error', (e: ErrorEvent) => {
      e.preventDefault();
      const detail = e.message ? `: ${e.message}` : ' (its script failed to load or threw)';
      useUiStore.getState().fail({
        phase: 'crash',
        message: `The engine worker stopped unexpectedly${detail}. Retry starts a new one; if it fails again, the browser console has details.`,
      });
    });
    worker.addEventListener('messageerror', () => {
      useUiStore.getState().fail({ phase: 'crash', message: 'A message from the engine worker could not be read. Retry starts a new worker.' });
    });
    workerRef.current = worker;
    const base = document.baseURI;
    send(worker, {
      type: 'load',
      modelId,
      modelUrl: new URL(`models/${modelId}/`, base).href,
      ortUrl: new URL(ORT_DIR, base).href,
    });
  }, [modelId]);

  useEffect(() => {
    start();
    return () => {
      workerRef.current?.terminate();
      workerRef.current = null;
    };
  }, [start]);

  const generate = useCallback(() => {
    const worker = workerRef.current;
    if (!worker) return;
    const { prompt, maxNewTokens, startGenerating } = useUiStore.getState();
    send(worker, { type: 'generate', requestId: startGenerating(), prompt, maxNewTokens });
  }, []);

  const stop = useCallback(() => {
    if (workerRef.current) send(workerRef.current, { type: 'stop' });
  }, []);

  const retry = useCallback(() => {
    if (useUiStore.getState().error?.phase === 'generate' && workerRef.current) generate();
    else start();
  }, [generate, start]);

  return { generate, stop, retry };
}
