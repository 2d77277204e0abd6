/**
 * One line on the run: decoding which part, paused, stopped, or its error with Retry (a new
 * run). Retry is offered only when the settings pass the page's checks: a failure those
 * checks explain (a prompt that does not fit the context) would only repeat.
 */
import { useStore } from '../store/index.ts';
import { selectRunProblem } from '../store/run-problem.ts';

export function RunStatus({ onRetry }: { onRetry?: () => void }) {
  const status = useStore((s) => s.run.status);
  const active = useStore((s) => s.run.active);
  const error = useStore((s) => s.run.error);
  const follow = useStore((s) => s.stepper.follow);
  const problem = useStore(selectRunProblem);
  if (status === 'error' && error) {
    return (
      <div className="alert" role="alert" data-testid="run-error">
        <p>{error}</p>
        {onRetry && problem === null && (
          <button type="button" onClick={onRetry}>
            Retry
          </button>
        )}
        {onRetry && problem !== null && (
          <p className="muted" data-testid="retry-off">
            {problem === error ? 'No Retry: it would fail the same way. Change the settings, then press Run.' : `No Retry until the settings change: ${problem}`}
          </p>
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
