/**
 * Beside τ and the speedup: says so when the speculative output repeats itself (distinct-4
 * below 0.5, engine/text-quality.ts), because acceptance on text that loops is easy and the
 * figures then say little about text that reads naturally.
 */
import { continuationOf, distinct4, isCollapsed } from '../../engine/bench/text-quality.ts';
import type { StopReason } from '../../engine/decoding/decode-settings.ts';

/** distinct-4 of a finished run's continuation; null without one. */
export const outputDistinct4 = (r: { tokens: readonly number[]; stopReason: StopReason } | null | undefined): number | null =>
  r ? distinct4(continuationOf(r)) : null;

export function RepeatsNote({ d4, short = false }: { d4: number | null; short?: boolean }) {
  if (d4 === null || !isCollapsed(d4)) return null;
  const figure = d4.toFixed(2);
  return (
    <span className="repeats-note" data-testid="repeats-note" data-distinct4={figure} title="unique / all token 4-grams of the output; below 0.5 it repeats itself">
      {short ? `repeats itself (distinct-4 ${figure})` : `this output repeats itself (distinct-4 ${figure}): acceptance on repeated text is easy`}
    </span>
  );
}
