/**
 * The UI's state: two small zustand slices (the model's lifecycle, and the current
 * generation) combined into one store. Only serialisable data lives here; the Worker and
 * everything inside it (sessions, tensors) stay outside, in useEngine.ts and the worker.
 * `receive` folds each worker message into the state, so the protocol is handled in one place.
 */
import { create, type StateCreator } from 'zustand';
import type { ErrorPhase, GenerationSummary, WorkerResponse } from '../worker/protocol.ts';

export type Phase = 'idle' | 'loading' | 'ready' | 'generating' | 'error';

export interface FileProgress {
  loaded: number;
  total: number | null;
}

/** 'crash': the worker itself died (its `error` event); Retry starts a fresh one. */
export interface UiError {
  phase: ErrorPhase | 'crash';
  message: string;
}

interface ModelSlice {
  phase: Phase;
  modelId: string;
  files: Record<string, FileProgress>;
  threads: number | null;
  crossOriginIsolated: boolean;
  contextLength: number | null;
  error: UiError | null;
  startLoading: (modelId: string) => void;
  fail: (error: UiError) => void;
  receive: (msg: WorkerResponse) => void;
}

interface GenerationSlice {
  prompt: string;
  maxNewTokens: number;
  /** Id of the generation whose updates we show; messages for older ids are ignored. */
  requestId: number;
  /** The prompt the shown output continues (the textarea may have changed since). */
  outputPrompt: string;
  output: string;
  newTokens: number;
  last: GenerationSummary | null;
  setPrompt: (prompt: string) => void;
  setMaxNewTokens: (n: number) => void;
  /** Clears the output and returns the id to send with the `generate` message. */
  startGenerating: () => number;
}

export type UiState = ModelSlice & GenerationSlice;

export const MAX_NEW_TOKENS_LIMIT = 1024;

const createModelSlice: StateCreator<UiState, [], [], ModelSlice> = (set, get) => ({
  phase: 'idle',
  modelId: '',
  files: {},
  threads: null,
  crossOriginIsolated: false,
  contextLength: null,
  error: null,
  startLoading: (modelId) => set({ phase: 'loading', modelId, files: {}, error: null, threads: null }),
  fail: (error) => set({ phase: 'error', error }),
  receive: (msg) => {
    switch (msg.status) {
      case 'loading':
        set({ phase: 'loading', modelId: msg.modelId, error: null });
        break;
      case 'progress':
        set({ files: { ...get().files, [msg.file]: { loaded: msg.loaded, total: msg.total } } });
        break;
      case 'ready':
        set({
          phase: 'ready',
          modelId: msg.modelId,
          threads: msg.threads,
          crossOriginIsolated: msg.crossOriginIsolated,
          contextLength: msg.contextLength,
          error: null,
        });
        break;
      case 'update':
        if (msg.requestId !== get().requestId) break;
        set({ output: get().output + msg.delta, newTokens: msg.newTokens });
        break;
      case 'complete':
        if (msg.requestId !== get().requestId) break;
        // The final text is authoritative: streamed pieces may split a multi-byte character.
        set({ phase: 'ready', output: msg.result.text, newTokens: msg.result.newTokens, last: msg.result });
        break;
      case 'error':
        if (msg.requestId !== undefined && msg.requestId !== get().requestId) break;
        set({ phase: 'error', error: { phase: msg.phase, message: msg.message } });
        break;
      default: {
        const unknown: never = msg;
        set({ phase: 'error', error: { phase: 'crash', message: `Unknown message from the engine worker: ${JSON.stringify(unknown)}` } });
      }
    }
  },
});

const createGenerationSlice: StateCreator<UiState, [], [], GenerationSlice> = (set, get) => ({
  prompt: 'In the beginning',
  maxNewTokens: 64,
  requestId: 0,
  outputPrompt: '',
  output: '',
  newTokens: 0,
  last: null,
  setPrompt: (prompt) => set({ prompt }),
  setMaxNewTokens: (n) => set({ maxNewTokens: Math.min(MAX_NEW_TOKENS_LIMIT, Math.max(1, Math.floor(n) || 1)) }),
  startGenerating: () => {
    const requestId = get().requestId + 1;
    set({ phase: 'generating', requestId, outputPrompt: get().prompt, output: '', newTokens: 0, last: null, error: null });
    return requestId;
  },
});

export const useUiStore = create<UiState>()((...a) => ({
  ...createModelSlice(...a),
  ...createGenerationSlice(...a),
}));

/** Bytes loaded and expected over all model files so far (total is null until every size is known). */
export function totalProgress(files: Record<string, FileProgress>): { loaded: number; total: number | null } {
  let loaded = 0;
  let total: number | null = 0;
  for (const f of Object.values(files)) {
    loaded += f.loaded;
    total = total === null || f.total === null ? null : total + f.total;
  }
  return { loaded, total };
}
