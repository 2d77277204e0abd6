/**
 * The Speedup simulator's figures from the store: the profiles on offer and the one chosen,
 * the cost function of the chosen machine, the projection for k = 1..8 with its optimum,
 * the i.i.d.-alpha curves, and the tree rows. Recomputed only when an input changes.
 */
import { useMemo } from 'react';
import { useShallow } from 'zustand/react/shallow';
import { DEFAULT_TREES, type DefaultTreeName } from '../../engine/decoding/tree.ts';
import { summariseBench } from '../../engine/bench/summary.ts';
import { useStore } from '../store/index.ts';
import { costChoice, profilesOf, treeTaus, type CostChoice, type Profile } from './profiles.ts';
import { acceptanceProfile, alphaFor, CLAIM, MAX_SIM_K, optimum, project, stepCost, treeCost, type Projection } from './speedup-model.ts';

/** The alphas of the reference curves. */
export const CURVE_ALPHAS = [0.5, 0.6, 0.7, 0.8, 0.9] as const;

/** Default trees that branch (the chain-* trees are heads k = 1..4). */
export const SIM_TREES = (Object.keys(DEFAULT_TREES) as DefaultTreeName[]).filter((t) => !t.startsWith('chain-'));

export interface KRow extends Projection {
  /** a_k: P(the first k drafts are all accepted). */
  ak: number;
  /** alpha needed for the claim at this k: Leviathan's (flat t) and under this machine's cost. */
  alphaFlat: number | null;
  alphaHere: number | null;
}

export interface TreeRow {
  tree: DefaultTreeName;
  nodes: number;
  cost: number;
  tau: { tau: number; from: string } | null;
  speedup: number | null;
  /** τ the tree needs for the claim here. */
  tauNeeded: number;
}

export interface Simulation {
  profiles: Profile[];
  profile: Profile;
  c: number;
  choice: CostChoice;
  rows: KRow[];
  best: Projection | null;
  curves: { alpha: number; points: Projection[] }[];
  trees: TreeRow[];
}

export function useSimulation(): Simulation {
  const { source, alpha, cOverride, machine, custom } = useStore(
    useShallow((s) => ({ source: s.simulator.source, alpha: s.simulator.alpha, cOverride: s.simulator.c, machine: s.simulator.machine, custom: s.simulator.custom })),
  );
  const points = useStore((s) => s.simulator.cost.curve?.points ?? null);
  const runSettings = useStore((s) => s.run.settings);
  const runResult = useStore((s) => s.run.spec.result);
  const results = useStore((s) => s.compare.results);
  const rows = useMemo(() => (results && results.prompts.length > 0 ? summariseBench(results) : null), [results]);
  const vllm = useStore((s) => s.simulator.vllm);

  return useMemo(() => {
    const inputs = { runSettings, runResult, rows, vllm, alpha };
    const profiles = profilesOf(inputs);
    const profile = profiles.find((p) => p.id === source) ?? profiles[0]!;
    const c = cOverride ?? profile.c ?? 0;
    const choice = costChoice(machine, custom, points);
    const a = acceptanceProfile(profile.perPosition, profile.alpha ?? alpha, MAX_SIM_K);
    const projections = project(a, profile.perPosition.length, choice.cost, c);
    const kRows = projections.map((p) => ({
      ...p,
      ak: a[p.k - 1]!,
      alphaFlat: alphaFor(CLAIM, p.k, 1 + c * p.k),
      alphaHere: alphaFor(CLAIM, p.k, stepCost(choice.cost, p.k, c)),
    }));
    const curves = CURVE_ALPHAS.map((al) => ({ alpha: al, points: project(acceptanceProfile([], al, MAX_SIM_K), 0, choice.cost, c) }));
    const taus = treeTaus(inputs);
    const trees = SIM_TREES.map((tree) => {
      const nodes = DEFAULT_TREES[tree].spec.length + 1;
      const cost = treeCost(choice.cost, nodes, c);
      const tau = taus[tree] ?? null;
      return { tree, nodes, cost, tau, speedup: tau ? tau.tau / cost : null, tauNeeded: CLAIM * cost };
    });
    return { profiles, profile, c, choice, rows: kRows, best: optimum(projections), curves, trees };
  }, [runSettings, runResult, rows, vllm, alpha, source, cOverride, machine, custom, points]);
}
