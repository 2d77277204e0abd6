/**
 * The model's lifecycle as the page sees it: loading with byte progress per file, what the
 * worker told us about the model (vocabulary text, prompt suites, heads), ready, or a load
 * error / worker crash that Retry answers with a fresh worker, and the start-up measurement
 * that picks the runtime (the worker's, src/worker/runtime-probe.ts). Serialisable data only: the Worker and
 * everything inside it stay in useEngine.ts and the worker.
 */
import type { StateCreator } from 'zustand';
import type { ModelPart } from '../../engine/runtime/model.ts';
import type { Backend, ModelInfo, RuntimeSetting } from '../../worker/protocol.ts';
import { NO_CHOICE, type RuntimeChoice } from '../../worker/runtime-choice.ts';
import type { UiState } from './index.ts';

export type ModelPhase = 'idle' | 'loading' | 'ready' | 'error';

export interface FileProgress {
  loaded: number;
  total: number | null;
}

/** 'crash': the worker itself died (its `error` event); Retry starts a fresh one. */
export interface ModelError {
  kind: 'load' | 'crash';
  message: string;
}

/** What the engine worker says of its runtime choice (src/worker/runtime-choice.ts). */
export type RuntimeProbe = RuntimeChoice;

export interface ModelState {
  phase: ModelPhase;
  modelId: string;
  files: Record<string, FileProgress>;
  info: ModelInfo | null;
  threads: number | null;
  backend: Backend | null;
  crossOriginIsolated: boolean;
  runtimeProbe: RuntimeProbe;
  parts: ModelPart[];
  error: ModelError | null;
}

export interface ModelSlice {
  model: ModelState;
  startLoading: (modelId: string) => void;
  failModel: (error: ModelError) => void;
}

export const INITIAL_MODEL: ModelState = {
  phase: 'idle',
  modelId: '',
  files: {},
  info: null,
  threads: null,
  backend: null,
  crossOriginIsolated: false,
  runtimeProbe: NO_CHOICE,
  parts: [],
  error: null,
};

export const createModelSlice: StateCreator<UiState, [], [], ModelSlice> = (set) => ({
  model: INITIAL_MODEL,
  startLoading: (modelId) => set({ model: { ...INITIAL_MODEL, phase: 'loading', modelId } }),
  failModel: (error) =>
    set((s) => ({
      model: { ...s.model, phase: 'error', error },
      // a crash ends any job in flight: nothing more will arrive for it
      run: s.run.status === 'running' ? { ...s.run, status: 'error', error: error.message } : s.run,
      compare: s.compare.status === 'running' ? { ...s.compare, status: 'error', progress: null, error: error.message } : s.compare,
      simulator:
        s.simulator.cost.status === 'measuring' ? { ...s.simulator, cost: { ...s.simulator.cost, status: 'error', error: error.message } } : s.simulator,
      distCheck: s.distCheck.status === 'running' ? { ...s.distCheck, status: 'error', error: error.message } : s.distCheck,
    })),
});

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
