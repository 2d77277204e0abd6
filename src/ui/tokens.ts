/**
 * Token provenance for the page: each step's output as chips (an accepted draft at its
 * position, the bonus token, the target's correction, or the target's own token when the
 * step had no draft) with the rejected drafts struck through where they failed, token text
 * for display, and the greedy identical-output check. Pure: no React, no DOM.
 *
 *   step: drafts [the, cat, sat], accepted 2, correction "dog"
 *   -> the¹ cat² [sat]✗ dog!
 */
import type { TraceStep } from '../engine/trace/trace.ts';

export type ChipKind = 'accepted' | 'bonus' | 'correction' | 'target' | 'rejected';

export interface Chip {
  kind: ChipKind;
  token: number;
  step: number;
  /** Draft position (1 = first draft) for accepted and rejected drafts. */
  depth: number | null;
}

export const CHIP_LABELS: Record<ChipKind, string> = {
  accepted: 'accepted draft',
  bonus: 'bonus token',
  correction: 'correction',
  target: 'target token (no draft)',
  rejected: 'rejected draft',
};

export const CHIP_HELP: Record<ChipKind, string> = {
  accepted: "a drafted token the target agreed with; the number is its draft position",
  bonus: 'the target\'s own next token after every draft on the path was accepted: free',
  correction: "the target's token in place of the first rejected draft",
  target: "the target's token from a step without drafts (the prefill, or a step where the drafter had nothing)",
  rejected: 'a drafted token the target refused, shown where it failed; not part of the output',
};

/** One step's chips in reading order: rejected candidates just before the token that replaced them. */
export function stepChips(step: TraceStep): Chip[] {
  const { verify, emitted } = step;
  const chips: Chip[] = [];
  const onPath = new Set(verify.acceptedNodes);
  // Candidates refused at a node of the accepted path; the next token after that node replaces them.
  const rejectedAt = new Map<number, number[]>();
  for (const d of verify.decisions) {
    if (d.accepted || !onPath.has(d.parent)) continue;
    const at = rejectedAt.get(d.depth) ?? [];
    at.push(d.token);
    rejectedAt.set(d.depth, at);
  }
  emitted.forEach((token, i) => {
    const depth = i + 1;
    for (const t of rejectedAt.get(depth) ?? []) chips.push({ kind: 'rejected', token: t, step: step.index, depth });
    if (i < verify.acceptLength) chips.push({ kind: 'accepted', token, step: step.index, depth });
    else chips.push({ kind: step.draft ? verify.final.kind : 'target', token, step: step.index, depth: null });
  });
  return chips;
}

/** Chips of steps [0, upTo]. */
export function outputChips(steps: readonly TraceStep[], upTo = steps.length - 1): Chip[] {
  const out: Chip[] = [];
  for (let i = 0; i <= upTo && i < steps.length; i++) out.push(...stepChips(steps[i]!));
  return out;
}

/** A chip's hover text: what it is and where it came from. */
export function chipTitle(chip: Chip, text: string): string {
  const where = chip.step === 0 ? 'prefill' : `step ${chip.step}`;
  const what = chip.depth !== null ? `${CHIP_LABELS[chip.kind]}, position ${chip.depth}` : CHIP_LABELS[chip.kind];
  return `${JSON.stringify(text)}: ${what} (${where}, token ${chip.token})`;
}

/** Display text of a token: whitespace made visible, the id when there is no vocabulary. */
export function tokenText(vocab: readonly string[] | null, id: number): string {
  const raw = vocab?.[id];
  if (raw === undefined) return `#${id}`;
  if (raw === '') return '∅';
  return raw.replace(/ /g, '·').replace(/\n/g, '↵').replace(/\t/g, '⇥').replace(/\r/g, '␍');
}

export interface OutputComparison {
  identical: boolean;
  /** Index of the first differing token, or null. */
  firstDiff: number | null;
  lengths: [number, number];
}

/** Token-for-token comparison of two outputs (greedy speculative vs greedy autoregressive). */
export function compareOutputs(a: readonly number[], b: readonly number[]): OutputComparison {
  const n = Math.min(a.length, b.length);
  let firstDiff: number | null = null;
  for (let i = 0; i < n; i++) {
    if (a[i] !== b[i]) {
      firstDiff = i;
      break;
    }
  }
  if (firstDiff === null && a.length !== b.length) firstDiff = n;
  return { identical: firstDiff === null, firstDiff, lengths: [a.length, b.length] };
}
