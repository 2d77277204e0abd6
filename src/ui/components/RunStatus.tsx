/** One line on the run: decoding which part, paused, stopped, or its error with Retry (a new run). */
import { useStore } from '../store/index.ts';

export function RunStatus({ onRetry }: { onRetry?: () => void }) {
  const status = useStore((s) => s.run.status);
  const active = useStore((s) => s.run.active);
  const error = useStore((s) => s.run.error);
  const follow = useStore((s) => s.stepper.follow);
  if (status === 'error' && error) {
    return (
      <div className="alert" role="alert" data-testid="run-error">
        <p>{error}</p>
        {onRetry && (
          <button type="button" onClick={onRetry}>
            Retry
          </button>
        )}
      </div>
    );
  }
  if (status !== 'running') return null;
  return (
    <p className="run-status" role="status" data-testid="run-status">
      Decoding {active === 'baseline' ? 'the autoregressive baseline' : 'speculatively'}…{follow ? '' : ' (view paused: Step or Resume to see more)'}
    </p>
  );
}
