/**
 * The stepper's behaviour outside any one component: playback at the chosen speed, the
 * keyboard (← → step, Home / End jump) anywhere on the page except in text fields and
 * other controls that use those keys themselves, and the shipped example trace, fetched
 * once so the stepper has something to show while the model downloads.
 */
import { useEffect } from 'react';
import { useStore } from '../store/index.ts';
import { selectPosition, selectSteps } from '../store/stepper-slice.ts';
import { parseTraceText } from '../trace-file.ts';

export const EXAMPLE_TRACE_URL = 'example-trace.json';

export function usePlayback(): void {
  const playing = useStore((s) => s.stepper.playing);
  const speed = useStore((s) => s.stepper.speed);
  useEffect(() => {
    if (!playing) return;
    const timer = setInterval(() => {
      const s = useStore.getState();
      if (selectPosition(s) < selectSteps(s).length - 1) s.moveBy(1);
      else if (!(s.stepper.source?.kind === 'run' && s.run.status === 'running')) s.setPlaying(false);
    }, 1000 / speed);
    return () => clearInterval(timer);
  }, [playing, speed]);
}

/** Elements whose own keyboard handling includes the arrows, Home and End. */
function ownsArrowKeys(target: EventTarget | null): boolean {
  if (!(target instanceof HTMLElement)) return false;
  if (target.isContentEditable) return true;
  if (target instanceof HTMLTextAreaElement || target instanceof HTMLSelectElement) return true;
  if (target instanceof HTMLInputElement) return target.type !== 'button' && target.type !== 'checkbox' && target.type !== 'file';
  return false;
}

export function useStepKeys(): void {
  useEffect(() => {
    const onKey = (e: KeyboardEvent) => {
      if (e.altKey || e.ctrlKey || e.metaKey || ownsArrowKeys(e.target)) return;
      const s = useStore.getState();
      if (selectSteps(s).length === 0) return;
      const moves: Record<string, () => void> = {
        ArrowRight: () => s.moveBy(1),
        ArrowLeft: () => s.moveBy(-1),
        Home: () => s.setPosition(0),
        End: () => s.setPosition(Number.MAX_SAFE_INTEGER),
      };
      const move = moves[e.key];
      if (!move) return;
      e.preventDefault();
      s.setPlaying(false);
      move();
    };
    window.addEventListener('keydown', onKey);
    return () => window.removeEventListener('keydown', onKey);
  }, []);
}

/** Shows the recorded example in the stepper unless something else is already on show. */
export function useExampleTrace(): void {
  useEffect(() => {
    let cancelled = false;
    const url = new URL(EXAMPLE_TRACE_URL, document.baseURI).href;
    (async () => {
      const res = await fetch(url);
      if (!res.ok) throw new Error(`HTTP ${res.status} for ${url}`);
      const text = await res.text();
      return { text, trace: parseTraceText(text, 'The recorded example') };
    })().then(
      ({ text, trace }) => {
        if (!cancelled && useStore.getState().stepper.source === null) useStore.getState().showTrace('example', 'recorded example', trace, text);
      },
      (e: unknown) => {
        if (!cancelled) useStore.getState().setImportError(`The recorded example could not be shown: ${(e as Error).message}`);
      },
    );
    return () => {
      cancelled = true;
    };
  }, []);
}
