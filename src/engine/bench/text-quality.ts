/**
 * Does an output read like text, or does it loop? Speculation on text that repeats itself is
 * easy (every drafter guesses the loop), so the bench and the page give every acceptance rate
 * and speedup beside these figures, as train/quality.py defines them:
 *
 *   distinct-4  unique token 4-grams / all token 4-grams of a continuation, e.g.
 *               [1, 2, 3, 4, 1, 2, 3, 4] -> 4-grams 1234, 2341, 3412, 4123, 1234: 4/5;
 *               1 for a continuation under 4 tokens (no 4-gram, so nothing repeats)
 *   collapsed   distinct-4 below 0.5: at least half the 4-grams are repeats
 *
 * A continuation is the new tokens without a stopping end-of-text (train/quality.py stops
 * before appending it).
 */
import type { StopReason } from '../decoding/decode-settings.ts';

export const COLLAPSED_BELOW = 0.5;

/** Unique n-grams / all n-grams of `ids`; 1 when there are fewer than n ids. [1, 1, 1, 1, 1] -> 1/2 for n = 4. */
export function distinctN(ids: readonly number[], n: number): number {
  if (!(Number.isInteger(n) && n >= 1)) throw new Error(`distinctN: n is an n-gram length, a whole number >= 1; got ${n}`);
  const count = ids.length - n + 1;
  if (count <= 0) return 1;
  const seen = new Set<string>();
  for (let i = 0; i < count; i++) seen.add(ids.slice(i, i + n).join(','));
  return seen.size / count;
}

export const distinct4 = (ids: readonly number[]) => distinctN(ids, 4);

export const isCollapsed = (d4: number) => d4 < COLLAPSED_BELOW;

/** Whether a continuation repeats itself: distinct-4 below 0.5. */
export const collapsed = (ids: readonly number[]) => isCollapsed(distinct4(ids));

/** A run's continuation: its new tokens without the end-of-text it stopped at. */
export function continuationOf(r: { tokens: readonly number[]; stopReason: StopReason }): readonly number[] {
  return r.stopReason === 'eos' ? r.tokens.slice(0, -1) : r.tokens;
}

/** Over prompts: the median distinct-4 (with min and max), and how many outputs collapsed. */
export interface QualityFigures {
  /** Outputs whose distinct-4 is known. */
  outputs: number;
  collapsed: number;
  /** collapsed / outputs; null without outputs. */
  collapsed_share: number | null;
}

/** The outputs split by whether they collapsed; `d4` null (unknown, e.g. an old results file) counts as natural. */
export function splitCollapsed<T>(items: readonly T[], d4: (t: T) => number | null): { natural: T[]; collapsed: T[] } {
  const natural: T[] = [];
  const bad: T[] = [];
  for (const t of items) {
    const d = d4(t);
    (d !== null && isCollapsed(d) ? bad : natural).push(t);
  }
  return { natural, collapsed: bad };
}

/** How many of these distinct-4 values (nulls skipped) are collapsed outputs. */
export function qualityFigures(d4s: readonly (number | null)[]): QualityFigures {
  const known = d4s.filter((d): d is number => d !== null);
  const n = known.filter(isCollapsed).length;
  return { outputs: known.length, collapsed: n, collapsed_share: known.length ? n / known.length : null };
}

/** More than half of a row's outputs collapsed: its acceptance says little about text that reads naturally. */
export const mostlyCollapsed = (q: QualityFigures) => q.collapsed_share !== null && q.collapsed_share > 0.5;
