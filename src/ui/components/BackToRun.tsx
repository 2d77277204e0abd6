/** After an import or the example took its place, puts the last run back on show. */
import { useStore } from '../store/index.ts';

export function BackToRun() {
  const canShowRun = useStore((s) => s.run.settings !== null && s.stepper.source?.kind !== 'run');
  const showRun = useStore((s) => s.showRun);
  if (!canShowRun) return null;
  return (
    <button type="button" onClick={showRun} data-testid="show-run">
      Back to the last run
    </button>
  );
}
