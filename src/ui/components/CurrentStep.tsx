/** The stepper's controls and the step under its position, for whichever trace is on show. */
import { selectPosition, selectSteps, selectTextNote, selectVocab, useStore } from '../store/index.ts';
import { StepDetail } from './StepDetail.tsx';
import { StepperNav } from './StepperNav.tsx';

export function CurrentStep({ compact = false }: { compact?: boolean }) {
  const steps = useStore(selectSteps);
  const position = useStore(selectPosition);
  const vocab = useStore(selectVocab);
  const textShown = useStore((s) => selectTextNote(s) === null);
  const step = steps[position];
  return (
    <section className="current-step" aria-label="Step detail">
      <h3>{compact ? 'Step by step' : 'Step'}</h3>
      <StepperNav />
      {step ? <StepDetail step={step} vocab={vocab} textShown={textShown} /> : <p className="muted">No step to show yet.</p>}
    </section>
  );
}
