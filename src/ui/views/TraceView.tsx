/**
 * The trace stepper: the trace on show (the recorded example, an imported file, or the
 * current run), its output up to the position, and the step there in full; import and
 * export as files.
 */
import { useMemo } from 'react';
import { BackToRun } from '../components/BackToRun.tsx';
import { ChipLegend, TokenStream } from '../components/TokenStream.tsx';
import { CurrentStep } from '../components/CurrentStep.tsx';
import { TraceFileControls } from '../components/TraceFileControls.tsx';
import { selectPosition, selectSteps, selectTextNote, selectVocab, useStore } from '../store/index.ts';
import { outputChips } from '../tokens.ts';

function TraceHeader() {
  const source = useStore((s) => s.stepper.source);
  const trace = useStore((s) => s.stepper.trace);
  const runSettings = useStore((s) => s.run.settings);
  const vocab = useStore(selectVocab);
  const textNote = useStore(selectTextNote);
  if (!source) return <p className="muted">No trace on show yet: run a decode, or import a trace file.</p>;
  const c = trace?.config ?? runSettings;
  const shape = c ? (c.drafter === 'heads-tree' ? ` ${String(c.tree)}` : 'k' in c && c.k !== null && c.drafter !== 'none' ? ` k=${c.k}` : '') : '';
  const processors = c
    ? [c.repetitionPenalty !== 1 ? `repetition_penalty ${c.repetitionPenalty}` : '', c.noRepeatNgramSize > 0 ? `no_repeat_ngram_size ${c.noRepeatNgramSize}` : '']
    : [];
  const sampling = c ? [...processors, c.temperature === 0 ? 'greedy' : `temperature ${c.temperature}`].filter(Boolean).join(', ') : '';
  return (
    <div className="trace-header" data-testid="trace-source" data-kind={source.kind}>
      <p>
        <strong>{source.kind === 'example' ? 'Recorded example' : source.kind === 'import' ? `Imported: ${source.label}` : 'This run'}</strong>
        {trace ? ` · model ${trace.model.id}` : ''}
        {c ? ` · ${c.drafter}${shape} · ${sampling}${c.acceptance === 'typical' ? ' · typical acceptance (LOSSY)' : ''}` : ''}
        {trace ? ` · ${trace.steps.length} steps, ${trace.result.tokens.length} tokens, stopped by ${trace.result.stopReason}` : ''}
      </p>
      <BackToRun />
      {trace && !textNote && (
        <p className="muted">
          Prompt: <q className="tok">{trace.prompt.text}</q>
          {vocab ? '' : ' — token text is shown as ids: this trace comes from another model than the one loaded.'}
        </p>
      )}
      {trace && textNote && (
        <p className="muted" data-testid="trace-text-note">
          Prompt: {trace.prompt.ids.length - 1} tokens. {textNote}
        </p>
      )}
    </div>
  );
}

function TraceOutput() {
  const steps = useStore(selectSteps);
  const position = useStore(selectPosition);
  const vocab = useStore(selectVocab);
  const chips = useMemo(() => outputChips(steps, position), [steps, position]);
  return <TokenStream chips={chips} vocab={vocab} currentStep={position} label="output up to this step" testId="trace-output" />;
}

export function TraceView() {
  return (
    <div className="trace-view">
      <TraceFileControls />
      <TraceHeader />
      <TraceOutput />
      <ChipLegend />
      <CurrentStep />
    </div>
  );
}
