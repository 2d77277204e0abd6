/**
 * What the Speedup simulator projects from: acceptance profiles measured in this page (the
 * last Decode run, each chain row of the Compare results), figures pasted from vLLM, or an
 * i.i.d. alpha, the τ
 * measured for each default tree, and the cost function of the chosen machine. Pure.
 */
import { DRAFTERS, isChainDrafter } from '../../engine/drafters/registry.ts';
import type { DrafterName } from '../../engine/drafters/types.ts';
import type { DefaultTreeName } from '../../engine/decoding/tree.ts';
import { configLabel } from '../../worker/compare-config.ts';
import type { RunSettings, RunSummary } from '../../worker/protocol.ts';
import type { BenchRow } from '../../engine/bench/summary.ts';
import { MACHINE_PRESETS, measuredCost, rooflineMs, type MachineId, type Roofline } from './cost-model.ts';
import { importFigures, labelSetLabel, type VllmImport } from './vllm-metrics.ts';

export interface Profile {
  /** 'decode', 'compare:<row key>', 'vllm' or 'alpha'. */
  id: string;
  label: string;
  /** a_i measured for i = 1..K (empty for an i.i.d. alpha). */
  perPosition: number[];
  alpha: number | null;
  /** Measured drafting cost per drafted token, in target steps (Leviathan's c). */
  c: number | null;
  tau: number | null;
  /** The drafter that was measured (null: unknown, as for vLLM figures or an alpha). */
  drafter: DrafterName | null;
}

export interface ProfileInputs {
  runSettings: RunSettings | null;
  runResult: RunSummary | null;
  rows: readonly BenchRow[] | null;
  vllm: VllmImport | null;
  alpha: number;
}

/** The profile of pasted vLLM figures; null while they cannot make one (the chosen label set has no drafts, …). */
export function vllmProfile(imp: VllmImport | null): Profile | null {
  if (!imp) return null;
  let f;
  try {
    f = importFigures(imp);
  } catch {
    return null;
  }
  const from = imp.kind === 'list' ? 'rates as listed' : `${imp.reading.difference ? 'difference of two snapshots' : 'one snapshot'}, ${labelSetLabel(imp.labelSet, imp.reading.labelSets.length)}`;
  return { id: 'vllm', label: `From vLLM: k = ${f.k}, τ ${f.tau.toFixed(2)} (${from})`, perPosition: f.perPosition, alpha: f.alpha, c: null, tau: f.tau, drafter: null };
}

/** Every chain profile there is, then vLLM's figures, then the i.i.d. alpha. */
export function profilesOf({ runSettings, runResult, rows, vllm, alpha }: ProfileInputs): Profile[] {
  const out: Profile[] = [];
  if (runSettings && runResult && isChainDrafter(runSettings.drafter) && runResult.metrics.acceptance_rate_per_position.length > 0) {
    const m = runResult.metrics;
    const cfg = { drafter: runSettings.drafter, k: runSettings.k, tree: runSettings.tree, temperature: runSettings.temperature };
    out.push({
      id: 'decode',
      label: `Last decode run: ${configLabel(cfg)}`,
      perPosition: m.acceptance_rate_per_position,
      alpha: m.alpha,
      c: m.cost_coefficient ?? null,
      tau: m.mean_acceptance_length,
      drafter: runSettings.drafter,
    });
  }
  for (const r of rows ?? []) {
    if (!isChainDrafter(r.drafter) || r.acceptance_rate_per_position.length === 0) continue;
    out.push({
      id: `compare:${r.key}`,
      label: `Compare: ${r.label} (median of ${r.prompts} prompt${r.prompts === 1 ? '' : 's'})`,
      perPosition: r.acceptance_rate_per_position.map((s) => s?.median ?? 0),
      alpha: r.alpha?.median ?? null,
      c: r.cost_coefficient?.median ?? null,
      tau: r.mean_acceptance_length?.median ?? null,
      drafter: r.drafter,
    });
  }
  const v = vllmProfile(vllm);
  if (v) out.push(v);
  out.push({ id: 'alpha', label: `Every draft accepted with probability α = ${alpha} (i.i.d.)`, perPosition: [], alpha, c: null, tau: null, drafter: null });
  return out;
}

/** τ measured for each default tree: from the Compare results (median) or the last Decode run; the first found wins. */
export function treeTaus({ runSettings, runResult, rows }: ProfileInputs): Partial<Record<DefaultTreeName, { tau: number; from: string }>> {
  const out: Partial<Record<DefaultTreeName, { tau: number; from: string }>> = {};
  for (const r of rows ?? []) {
    const tree = r.config.tree;
    if (DRAFTERS[r.drafter].shape === 'tree' && typeof tree === 'string' && r.mean_acceptance_length && !out[tree]) {
      out[tree] = { tau: r.mean_acceptance_length.median, from: `Compare, ${r.sampling}` };
    }
  }
  if (runSettings && DRAFTERS[runSettings.drafter].shape === 'tree' && runResult?.metrics.mean_acceptance_length && !out[runSettings.tree]) {
    out[runSettings.tree] = { tau: runResult.metrics.mean_acceptance_length, from: 'last decode run' };
  }
  return out;
}

export interface CostChoice {
  /** t(n) in ms (for 'flat', t(n) = 1). */
  cost: (n: number) => number;
  label: string;
  /** Why the choice fell back (no measured curve yet), or null. */
  note: string | null;
}

export function costChoice(machine: MachineId, custom: Roofline, measured: readonly { n: number; ms: number }[] | null): CostChoice {
  if (machine === 'measured') {
    if (measured && measured.length > 0) return { cost: measuredCost(measured), label: 'measured in this page', note: null };
    return { cost: () => 1, label: 'flat', note: 'No cost curve measured yet: press "Measure cost curve". Until then a forward costs the same for any n (Leviathan’s assumption).' };
  }
  if (machine === 'flat') return { cost: () => 1, label: 'flat: t(n) = t(1) (Leviathan)', note: null };
  if (machine === 'custom') return { cost: (n) => rooflineMs(custom, n), label: 'custom roofline', note: null };
  const preset = MACHINE_PRESETS.find((p) => p.id === machine);
  if (!preset) return { cost: () => 1, label: 'flat', note: `Unknown machine '${machine}': using a flat cost.` };
  return { cost: (n) => rooflineMs(preset.roofline, n), label: preset.label, note: null };
}
