/**
 * The trace stepper: which trace is on show (the recorded example, an imported file, or
 * the current run, live while it streams), the step position, and playback. `follow`
 * keeps the position on the newest step of a live run; Pause turns it off, Step moves one
 * step at a time. Positions are clamped to the steps there are.
 *
 * A trace from a file or the example has its texts checked against its tokens when it is
 * shown, or, if the model's tokenizer is not in yet, when model-info arrives (recheckText);
 * until then `textCheck` is 'unchecked' and the page shows its tokens, not its texts.
 */
import type { StateCreator } from 'zustand';
import type { Trace, TraceStep } from '../../engine/trace/trace.ts';
import type { ModelInfo } from '../../worker/protocol.ts';
import { checkTraceText } from '../trace-file.ts';
import type { UiState } from './index.ts';

export type TraceSourceKind = 'example' | 'import' | 'run';

export interface StepperState {
  source: { kind: TraceSourceKind; label: string } | null;
  /** The trace on show; for a run, null until the run completes (its steps are in run.spec). */
  trace: Trace | null;
  /** Its JSON text, for export. */
  traceJson: string | null;
  /** Whether the trace's texts were checked against its tokens (a run's own trace always is). */
  textCheck: 'checked' | 'unchecked';
  position: number;
  follow: boolean;
  playing: boolean;
  /** Playback speed in steps per second. */
  speed: number;
  importError: string | null;
}

export interface StepperSlice {
  stepper: StepperState;
  /** Shows the trace, or, if its texts disagree with its tokens, keeps the one on show and sets importError; returns whether it is shown. */
  showTrace: (kind: TraceSourceKind, label: string, trace: Trace, json: string) => boolean;
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
  textCheck: 'checked',
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
    showTrace: (kind, label, trace, json) => {
      let textCheck: StepperState['textCheck'];
      try {
        textCheck = kind === 'run' ? 'checked' : checkTraceText(trace, get().model.info, traceWhere(kind, label));
      } catch (e) {
        patch({ importError: (e as Error).message });
        return false;
      }
      patch({ source: { kind, label }, trace, traceJson: json, textCheck, position: 0, follow: false, playing: false, importError: null });
      return true;
    },
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

const traceWhere = (kind: TraceSourceKind, label: string) =>
  kind === 'import' ? `The file "${label}"` : kind === 'example' ? 'The recorded example' : "This run's trace";

/**
 * The stepper once `info` has arrived: an unchecked trace of that model is checked now, and
 * taken off show (with importError saying why) if its texts disagree with its tokens.
 */
export function recheckText(stepper: StepperState, info: ModelInfo): StepperState {
  const { trace, source } = stepper;
  if (!trace || !source || stepper.textCheck === 'checked') return stepper;
  try {
    const textCheck = checkTraceText(trace, info, traceWhere(source.kind, source.label));
    return textCheck === stepper.textCheck ? stepper : { ...stepper, textCheck };
  } catch (e) {
    return {
      ...stepper, source: null, trace: null, traceJson: null, textCheck: 'checked', position: 0, follow: false, playing: false,
      importError: `${(e as Error).message} (It was shown while the model loaded, before its text could be checked; it is no longer shown.)`,
    };
  }
}

/** Why the trace on show has its texts hidden, or null when they are shown (checked, or a run of this page). */
export function selectTextNote(s: UiState): string | null {
  const { trace, textCheck } = s.stepper;
  if (!trace || textCheck === 'checked') return null;
  const info = s.model.info;
  if (!info) return 'Its text is shown once the model has loaded and the text has been checked against the tokens; until then tokens show as ids.';
  return `Its text cannot be checked: it comes from model ${trace.model.id}, not the loaded ${info.id}, so only its tokens are shown, as ids.`;
}

/** Token text for the trace on show: the loaded model's, if the trace was decoded by that model; else ids. */
export function selectVocab(s: UiState): readonly string[] | null {
  const info = s.model.info;
  if (!info) return null;
  const trace = s.stepper.trace;
  if (!trace) return s.stepper.source?.kind === 'run' ? info.vocab : null;
  return trace.model.id === info.id && trace.model.vocab_size === info.vocabSize ? info.vocab : null;
}
