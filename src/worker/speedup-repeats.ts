/**
 * The speedup a Run shows: one timed pair (speculative, then autoregressive, at the same
 * settings and seed) is noise on a shared machine, so the worker repeats the pair,
 * interleaved (spec, AR, spec, AR, ...) so that drift hits both alike, until the pairs'
 * speedups agree (range within SPREAD_TOLERANCE of the median, over at least MIN_PAIRS), or
 * MAX_PAIRS, or REPEAT_BUDGET_MS of repeats (a long decode, or a slow backend, would
 * otherwise keep Run busy for minutes). The median is the figure; its range and the count come with it.
 * The repeats only time: the first pair's tokens and trace are what the page shows.
 * Not here: the decodes themselves (decode-run.ts) and their display (RunPanel.tsx).
 */
import { spread, type Spread } from '../engine/trace/metrics.ts';

/** Fewer pairs than this cannot say the spread is small (one pair has no range at all). */
export const MIN_PAIRS = 3;
export const MAX_PAIRS = 7;
/** The pairs agree when (max - min) / median of the end-to-end speedup is at most this. */
export const SPREAD_TOLERANCE = 0.1;
/** No pair starts after this much time spent on repeats (the first pair not counted). */
export const REPEAT_BUDGET_MS = 5000;

/** One pair's two speedups: end to end (tokens/s, prefill included) and decode phase (prefill excluded; null without decode steps). */
export interface SpeedupPair {
  endToEnd: number;
  decode: number | null;
}

/** What the page shows: medians with their ranges over `pairs` pairs; `settled` once they agree or the cap is reached. */
export interface SpeedupFigures {
  pairs: number;
  endToEnd: Spread;
  decode: Spread | null;
  /** The pairs agree within SPREAD_TOLERANCE (false at the cap when they never did, or while measuring). */
  agreed: boolean;
  /** No more pairs will come: agreed, a cap (pairs or time), or a Stop. */
  settled: boolean;
}

/** Whether the pairs so far agree: at least MIN_PAIRS, and the end-to-end range within the tolerance of the median. */
export function pairsAgree(pairs: readonly SpeedupPair[], tolerance = SPREAD_TOLERANCE): boolean {
  if (pairs.length < MIN_PAIRS) return false;
  const s = spread(pairs.map((p) => p.endToEnd))!;
  return (s.max - s.min) / s.median <= tolerance;
}

/** The figures over `pairs` (at least one); `stopped` (a Stop, or the time budget) settles them early. */
export function speedupFigures(pairs: readonly SpeedupPair[], stopped = false): SpeedupFigures {
  if (pairs.length === 0) throw new Error('speedupFigures: expected at least one timed pair, found none');
  const agreed = pairsAgree(pairs);
  return {
    pairs: pairs.length,
    endToEnd: spread(pairs.map((p) => p.endToEnd))!,
    decode: spread(pairs.map((p) => p.decode)),
    agreed,
    settled: agreed || stopped || pairs.length >= MAX_PAIRS,
  };
}

/**
 * Times pairs after `first` until they agree or a cap, each by `pair()` (which decodes
 * speculatively then autoregressively and returns the two speedups, or null when Stop cut
 * it short); `progress` gets the figures while more pairs are to come, and the settled
 * figures are returned. `now` is the clock the time budget is read on.
 */
export async function repeatPairs(
  first: SpeedupPair,
  pair: () => Promise<SpeedupPair | null>,
  progress: (f: SpeedupFigures) => void,
  { budgetMs = REPEAT_BUDGET_MS, now = () => performance.now() }: { budgetMs?: number; now?: () => number } = {},
): Promise<SpeedupFigures> {
  const pairs = [first];
  const start = now();
  for (;;) {
    const f = speedupFigures(pairs);
    if (f.settled) return f;
    if (now() - start >= budgetMs) return speedupFigures(pairs, true);
    progress(f);
    const next = await pair();
    if (next === null) return speedupFigures(pairs, true);
    pairs.push(next);
  }
}
