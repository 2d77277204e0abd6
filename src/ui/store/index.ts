/**
 * The page's one zustand store, combined from slices: model (load status), settings (the
 * controls, mirrored in the link), run (the current decode and its baseline), stepper (the
 * trace on show and the position in it), compare (the Compare view's comparison and
 * results), simulator (the Speedup simulator's inputs and the measured cost curve),
 * distCheck (the Decode view's distribution check).
 * `receive` folds every worker message into the state, so the protocol is handled in one
 * place (the compare, cost and distribution-check messages by their slices' receive functions).
 *
 * Only serialisable data lives here: no Worker, no onnxruntime objects. Components read it
 * with one selector per value (useShallow when a selector builds an object or array).
 */
import { create } from 'zustand';
import type { WorkerResponse } from '../../worker/protocol.ts';
import { parseTraceText } from '../trace-file.ts';
import { createCompareSlice, receiveCompare, type CompareSlice } from './compare-slice.ts';
import { createDistCheckSlice, receiveDistCheck, type DistCheckSlice } from './dist-check-slice.ts';
import { createModelSlice, type ModelSlice } from './model-slice.ts';
import { appendSteps, createRunSlice, type RunSlice } from './run-slice.ts';
import { createSettingsSlice, type SettingsSlice } from './settings-slice.ts';
import { createSimulatorSlice, receiveCost, type SimulatorSlice } from './simulator-slice.ts';
import { createStepperSlice, recheckText, type StepperSlice } from './stepper-slice.ts';

export interface ReceiveSlice {
  receive: (msg: WorkerResponse) => void;
}

export type UiState = ModelSlice & SettingsSlice & RunSlice & StepperSlice & CompareSlice & SimulatorSlice & DistCheckSlice & ReceiveSlice;

/** Whether the worker is busy with a job (it does one at a time): a decode, a comparison, a cost measurement, a distribution check (its runtime measurement gives way to any of them). */
export const selectEngineBusy = (s: UiState) =>
  s.run.status === 'running' ||
  s.compare.status === 'running' ||
  s.simulator.cost.status === 'measuring' ||
  s.distCheck.status === 'running';

export const useStore = create<UiState>()((set, get, api) => ({
  ...createModelSlice(set, get, api),
  ...createSettingsSlice(set, get, api),
  ...createRunSlice(set, get, api),
  ...createStepperSlice(set, get, api),
  ...createCompareSlice(set, get, api),
  ...createSimulatorSlice(set, get, api),
  ...createDistCheckSlice(set, get, api),
  receive: (msg) => {
    const s = get();
    const handled = receiveCompare(s, msg) ?? receiveCost(s, msg) ?? receiveDistCheck(s, msg);
    if (handled) {
      set(handled);
      return;
    }
    switch (msg.status) {
      case 'loading':
        set({ model: { ...s.model, phase: 'loading', modelId: msg.modelId, error: null } });
        break;
      case 'model-info':
        set({ model: { ...s.model, info: msg.info }, stepper: recheckText(s.stepper, msg.info) });
        break;
      case 'progress':
        set({ model: { ...s.model, files: { ...s.model.files, [msg.file]: { loaded: msg.loaded, total: msg.total } } } });
        break;
      case 'ready':
        set({
          model: {
            ...s.model,
            phase: 'ready',
            modelId: msg.modelId,
            threads: msg.threads,
            backend: msg.backend,
            crossOriginIsolated: msg.crossOriginIsolated,
            parts: msg.parts,
            error: null,
          },
        });
        break;
      case 'runtime-choice':
        set({ model: { ...s.model, runtimeProbe: msg.choice } });
        break;
      case 'steps':
        if (msg.requestId !== s.run.requestId) break;
        set({ run: appendSteps(s.run, msg.run, msg.steps) });
        break;
      case 'run-result':
        if (msg.requestId !== s.run.requestId) break;
        set({ run: { ...s.run, [msg.run]: { ...s.run[msg.run], result: msg.result } } });
        break;
      case 'speedup-progress':
        if (msg.requestId !== s.run.requestId) break;
        set({ run: { ...s.run, active: null, speedup: msg.speedup } });
        break;
      case 'complete': {
        if (msg.requestId !== s.run.requestId) break;
        let trace;
        try {
          trace = parseTraceText(msg.traceJson, "This run's trace");
        } catch (e) {
          s.failRun(`The engine produced a trace the page cannot read (a bug worth reporting): ${(e as Error).message}`);
          break;
        }
        const showing = s.stepper.source?.kind === 'run';
        set({
          run: {
            ...s.run,
            status: msg.stopped ? 'stopped' : 'done',
            active: null,
            speedup: msg.speedup,
            stepsAfterStop: msg.stepsAfterStop,
            trace,
            traceJson: msg.traceJson,
          },
          stepper: showing ? { ...s.stepper, trace, traceJson: msg.traceJson } : s.stepper,
        });
        break;
      }
      case 'error':
        if (msg.phase === 'load') {
          set({ model: { ...s.model, phase: 'error', error: { kind: 'load', message: msg.message } } });
        } else if (msg.phase === 'run' && (msg.requestId === undefined || msg.requestId === s.run.requestId)) {
          s.failRun(msg.message);
        }
        break;
      case 'compare-progress':
      case 'compare-prompt':
      case 'compare-complete':
      case 'cost-progress':
      case 'cost-curve':
      case 'cost-stopped':
      case 'forward-times':
      case 'dist-progress':
      case 'dist-check-complete':
        break;
      default: {
        const unknown: never = msg;
        s.failModel({ kind: 'crash', message: `Unknown message from the engine worker: ${JSON.stringify(unknown)}` });
      }
    }
  },
}));

export { totalProgress, type FileProgress, type ModelPhase } from './model-slice.ts';
export { selectPosition, selectSteps, selectTextNote, selectVocab, PLAY_SPEEDS, type TraceSourceKind } from './stepper-slice.ts';
export type { RunStatus, RunData } from './run-slice.ts';
export type { CompareStatus, CompareProgress } from './compare-slice.ts';
export type { CostCurve } from './simulator-slice.ts';
