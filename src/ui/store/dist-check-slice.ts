/**
 * The Decode view's distribution check: the samples and positions asked for, progress, and
 * the worker's verdict (src/worker/dist-check-run.ts). Not in the link: a check is a
 * measurement of the settings on show, made on request.
 */
import type { StateCreator } from 'zustand';
import { DIST_POSITIONS, DIST_SAMPLES, type DistCheckResult, type RunSettings, type WorkerResponse } from '../../worker/protocol.ts';
import type { UiState } from './index.ts';

export interface DistCheckState {
  status: 'idle' | 'running' | 'done' | 'stopped' | 'error';
  requestId: number;
  samples: number;
  positions: number;
  done: number;
  total: number;
  /** The settings the result was measured at, so a changed control does not relabel it. */
  settings: RunSettings | null;
  result: DistCheckResult | null;
  error: string | null;
}

export interface DistCheckSlice {
  distCheck: DistCheckState;
  setDistCheck: (patch: Partial<Pick<DistCheckState, 'samples' | 'positions'>>) => void;
  /** Returns the id to send with the `dist-check` message. */
  startDistCheck: (settings: RunSettings) => number;
  failDistCheck: (message: string) => void;
}

export const INITIAL_DIST_CHECK: DistCheckState = {
  status: 'idle',
  requestId: 0,
  samples: DIST_SAMPLES.default,
  positions: DIST_POSITIONS.default,
  done: 0,
  total: 0,
  settings: null,
  result: null,
  error: null,
};

export const createDistCheckSlice: StateCreator<UiState, [], [], DistCheckSlice> = (set, get) => {
  const patch = (p: Partial<DistCheckState>) => set((s) => ({ distCheck: { ...s.distCheck, ...p } }));
  return {
    distCheck: INITIAL_DIST_CHECK,
    setDistCheck: (p) => patch(p),
    startDistCheck: (settings) => {
      const requestId = get().distCheck.requestId + 1;
      patch({ status: 'running', requestId, done: 0, total: get().distCheck.samples, settings, result: null, error: null });
      return requestId;
    },
    failDistCheck: (error) => patch({ status: 'error', error }),
  };
};

/** Folds a distribution check's messages into the state; null for messages that are not one's. */
export function receiveDistCheck(s: UiState, msg: WorkerResponse): Partial<UiState> | null {
  const d = s.distCheck;
  const with_ = (p: Partial<DistCheckState>) => ({ distCheck: { ...d, ...p } });
  switch (msg.status) {
    case 'dist-progress':
      return msg.requestId === d.requestId ? with_({ done: msg.done, total: msg.total }) : {};
    case 'dist-check-complete':
      if (msg.requestId !== d.requestId) return {};
      return with_(msg.stopped ? { status: 'stopped' } : { status: 'done', result: msg.result });
    case 'error':
      if (msg.phase !== 'dist-check' || (msg.requestId !== undefined && msg.requestId !== d.requestId)) return null;
      return with_({ status: 'error', error: msg.message });
    default:
      return null;
  }
}
