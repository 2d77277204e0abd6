/**
 * `?autorun=1`: start a decode of the link's settings as soon as the model is ready, once per
 * page load (a later `ready`, e.g. from a runtime switch, starts nothing). With it, opening
 * the page to the first generated token on screen is one measurable span (npm run bench:browser).
 */
import { useEffect } from 'react';
import { useStore } from '../store/index.ts';
import type { EngineHandle } from '../useEngine.ts';

export function useAutorun({ run }: Pick<EngineHandle, 'run'>): void {
  const autorun = useStore((s) => s.pageOptions.autorun);
  const ready = useStore((s) => s.model.phase === 'ready');
  const noRunYet = useStore((s) => s.run.requestId === 0);
  useEffect(() => {
    if (autorun && ready && noRunYet) run();
  }, [autorun, ready, noRunYet, run]);
}
