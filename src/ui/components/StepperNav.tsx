/**
 * Moving through the steps on show: first / previous / next / last, a slider, and play at
 * a chosen speed. ← and → (Home, End) work anywhere on the page (hooks/useStepper.ts).
 */
import { useId } from 'react';
import { PLAY_SPEEDS, selectPosition, selectSteps, useStore } from '../store/index.ts';

export function StepperNav() {
  const id = useId();
  const count = useStore((s) => selectSteps(s).length);
  const position = useStore(selectPosition);
  const playing = useStore((s) => s.stepper.playing);
  const speed = useStore((s) => s.stepper.speed);
  const { setPosition, moveBy, setPlaying, setSpeed } = useStore.getState();
  const last = Math.max(0, count - 1);
  const none = count === 0;
  return (
    <div className="stepper-nav" role="group" aria-label="Trace steps">
      <div className="buttons">
        <button type="button" onClick={() => setPosition(0)} disabled={none || position === 0} aria-label="First step">
          « First
        </button>
        <button type="button" onClick={() => moveBy(-1)} disabled={none || position === 0} aria-label="Previous step">
          ‹ Prev
        </button>
        <button type="button" onClick={() => moveBy(1)} disabled={none || position >= last} aria-label="Next step">
          Next ›
        </button>
        <button type="button" onClick={() => setPosition(last)} disabled={none || position >= last} aria-label="Last step">
          Last »
        </button>
        <button type="button" onClick={() => setPlaying(!playing)} disabled={none} data-testid="play">
          {playing ? 'Pause' : 'Play'}
        </button>
        <label className="inline">
          Speed{' '}
          <select value={speed} onChange={(e) => setSpeed(Number(e.target.value))}>
            {PLAY_SPEEDS.map((v) => (
              <option key={v} value={v}>
                {v} step{v === 1 ? '' : 's'}/s
              </option>
            ))}
          </select>
        </label>
      </div>
      <div className="slider-row">
        <label htmlFor={id} className="visually-hidden">
          Step
        </label>
        <input id={id} type="range" min={0} max={last} value={position} disabled={none} onChange={(e) => setPosition(e.target.valueAsNumber)} />
        <span data-testid="step-position" aria-live="polite">
          {none ? 'No steps' : `Step ${position} of ${last}${position === 0 ? ' (prefill)' : ''}`}
        </span>
      </div>
      <p className="muted keys-hint">Keys: ← → step, Home / End jump.</p>
    </div>
  );
}
