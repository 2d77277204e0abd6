/**
 * The current run: the speculative decode and its autoregressive baseline, their step
 * records as the worker streams them, their totals, the speedup over repeated pairs. Step records
 * arrive in batches (one store update per batch, not per token). The settings a run was
 * started with are kept, so editing the controls afterwards does not relabel its results.
 */
import type { StateCreator } from 'zustand';
import type { StepRecord } from '../../engine/decoding/speculative.ts';
import type { Trace } from '../../engine/trace/trace.ts';
import type { RunKind, RunSummary } from '../../worker/protocol.ts';
import type { SpeedupFigures } from '../../worker/speedup-repeats.ts';
import type { UiState } from './index.ts';
import type { Settings } from './settings.ts';

export type RunStatus = 'idle' | 'running' | 'done' | 'stopped' | 'error';

export interface RunData {
  steps: StepRecord[];
  result: RunSummary | null;
}

export interface RunState {
  status: RunStatus;
  /** Id of the run whose messages we show; messages for older ids are ignored. */
  requestId: number;
  settings: Settings | null;
  /** The run the worker is decoding now. */
  active: RunKind | null;
  spec: RunData;
  baseline: RunData;
  /** The speedup over interleaved repeated pairs; not yet settled while the worker is still timing them. */
  speedup: SpeedupFigures | null;
  /** Decode steps finished after Stop arrived (the interrupt's latency, in steps). */
  stepsAfterStop: number | null;
  /** The speculative run as a checked trace, and its JSON (for export), once complete. */
  trace: Trace | null;
  traceJson: string | null;
  error: string | null;
}

export interface RunSlice {
  run: RunState;
  /** Clears the last run and returns the id and settings to send with the `run` message. */
  startRun: (mode: 'run' | 'step') => { requestId: number; settings: Settings };
  failRun: (message: string) => void;
  /** Put the last run back on show in the stepper (after an import or the example). */
  showRun: () => void;
}

const EMPTY_RUN: RunData = { steps: [], result: null };

export const INITIAL_RUN: RunState = {
  status: 'idle',
  requestId: 0,
  settings: null,
  active: null,
  spec: EMPTY_RUN,
  baseline: EMPTY_RUN,
  speedup: null,
  stepsAfterStop: null,
  trace: null,
  traceJson: null,
  error: null,
};

export const createRunSlice: StateCreator<UiState, [], [], RunSlice> = (set, get) => ({
  run: INITIAL_RUN,
  startRun: (mode) => {
    const { settings, run, stepper } = get();
    const requestId = run.requestId + 1;
    set({
      run: { ...INITIAL_RUN, status: 'running', requestId, settings, active: 'spec' },
      // The stepper shows this run as it streams: following it live, or paused at the prefill for Step.
      stepper: {
        ...stepper,
        source: { kind: 'run', label: 'this run' },
        trace: null,
        traceJson: null,
        textCheck: 'checked',
        position: 0,
        follow: mode === 'run',
        playing: false,
      },
    });
    return { requestId, settings };
  },
  failRun: (message) => set((s) => ({ run: { ...s.run, status: 'error', active: null, error: message } })),
  showRun: () =>
    set((s) => ({
      stepper: {
        ...s.stepper,
        source: { kind: 'run', label: 'this run' },
        trace: s.run.trace,
        traceJson: s.run.traceJson,
        textCheck: 'checked',
        position: 0,
        follow: s.run.status === 'running',
        playing: false,
        importError: null,
      },
    })),
});

/** Append a batch of streamed steps to one run. */
export function appendSteps(run: RunState, kind: RunKind, steps: StepRecord[]): RunState {
  const data = run[kind];
  return { ...run, active: kind, [kind]: { ...data, steps: data.steps.concat(steps) } };
}
