/**
 * The trace stepper: which trace is on show (the recorded example, an imported file, or
 * the current run, live while it streams), the step position, and playback. `follow`
 * keeps the position on the newest step of a live run; Pause turns it off, Step moves one
 * step at a time. Positions are clamped to the steps there are.
 */
import type { StateCreator } from 'zustand';
import type { Trace, TraceStep } from '../../engine/trace.ts';
import type { UiState } from './index.ts';

export type TraceSourceKind = 'example' | 'import' | 'run';

export interface StepperState {
  source: { kind: TraceSourceKind; label: string } | null;
  /** The trace on show; for a run, null until the run completes (its steps are in run.spec). */
  trace: Trace | null;
  /** Its JSON text, for export. */
  traceJson: string | null;
  position: number;
  follow: boolean;
  playing: boolean;
  /** Playback speed in steps per second. */
  speed: number;
  importError: string | null;
}

export interface StepperSlice {
  stepper: StepperState;
  showTrace: (kind: TraceSourceKind, label: string, trace: Trace, json: string) => void;
  setPosition: (position: number) => void;
  moveBy: (delta: number) => void;
  setFollow: (follow: boolean) => void;
  setPlaying: (playing: boolean) => void;
  setSpeed: (speed: number) => void;
  setImportError: (message: string | null) => void;
}

export const PLAY_SPEEDS = [0.5, 1, 2, 4, 8] as const;

export const INITIAL_STEPPER: StepperState = {
  source: null,
  trace: null,
  traceJson: null,
  position: 0,
  follow: false,
  playing: false,
  speed: 2,
  importError: null,
};

const NO_STEPS: readonly TraceStep[] = [];

/** The steps on show: a trace's, or the live run's while its trace is not in yet. */
export function selectSteps(s: UiState): readonly TraceStep[] {
  const { source, trace } = s.stepper;
  if (trace) return trace.steps;
  return source?.kind === 'run' ? s.run.spec.steps : NO_STEPS;
}

/** The position on show: the newest step while following, else the stored one, clamped. */
export function selectPosition(s: UiState): number {
  const last = selectSteps(s).length - 1;
  if (last < 0) return 0;
  return s.stepper.follow ? last : Math.min(Math.max(0, s.stepper.position), last);
}

export const createStepperSlice: StateCreator<UiState, [], [], StepperSlice> = (set, get) => {
  const patch = (p: Partial<StepperState>) => set((s) => ({ stepper: { ...s.stepper, ...p } }));
  return {
    stepper: INITIAL_STEPPER,
    showTrace: (kind, label, trace, json) =>
      patch({ source: { kind, label }, trace, traceJson: json, position: 0, follow: false, playing: false, importError: null }),
    setPosition: (position) => {
      const last = selectSteps(get()).length - 1;
      patch({ position: Math.max(0, Math.min(Math.round(position), Math.max(0, last))), follow: false });
    },
    moveBy: (delta) => get().setPosition(selectPosition(get()) + delta),
    setFollow: (follow) => patch(follow ? { follow } : { follow, position: selectPosition(get()) }),
    setPlaying: (playing) => patch(playing ? { playing, follow: false, position: selectPosition(get()) } : { playing }),
    setSpeed: (speed) => patch({ speed }),
    setImportError: (importError) => patch({ importError }),
  };
};

/** Token text for the trace on show: the loaded model's, if the trace was decoded by that model; else ids. */
export function selectVocab(s: UiState): readonly string[] | null {
  const info = s.model.info;
  if (!info) return null;
  const trace = s.stepper.trace;
  if (!trace) return s.stepper.source?.kind === 'run' ? info.vocab : null;
  return trace.model.id === info.id && trace.model.vocab_size === info.vocabSize ? info.vocab : null;
}
