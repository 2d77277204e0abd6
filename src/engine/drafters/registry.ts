/**
 * Every drafter, declared once: its draft shape, the knobs it takes (with defaults and
 * limits), the model graphs it needs, its label and help, and how to build it. URL parsing,
 * CLI flags and help, the page's controls, Compare, the simulator, the worker's staged load
 * and trace validation all read this table, so a new drafter is its own file plus one entry.
 *
 * No runtime here beyond the drafter classes themselves (pure TypeScript over the graphs the
 * model hands them), so the page can read it without pulling in onnxruntime-web.
 */
import type { LoadedModel, ModelPart } from '../runtime/model.ts';
import { EagleDrafter } from './eagle.ts';
import type { ModelConfig } from '../runtime/config.ts';
import type { DefaultTreeName, TreeSpec } from '../decoding/tree.ts';
import { DraftModelDrafter } from './draft-model.ts';
import { HeadsDrafter } from './heads.ts';
import { PromptLookupDrafter } from './prompt-lookup.ts';
import { DEFAULT_TREE, resolveTree } from './settings.ts';
import type { Drafter, DrafterName } from './types.ts';

/** The deepest chain any drafter may propose (a draft's maxDepth; vLLM's num_speculative_tokens). */
export const MAX_DEPTH = 32;

/** What one step's draft looks like: nothing, a chain of k tokens, a fixed tree, or a tree built anew each step. */
export type DraftShape = 'none' | 'chain' | 'tree' | 'dynamic-tree';

/** What the model can do, as far as a drafter's limits care (null where it is not known yet). */
export interface DrafterLimits {
  numHeads: number;
}

/** The knobs a drafter takes, each with its default and limits; a knob left out is refused. */
export interface DrafterKnobs {
  /** A chain's length (its maxDepth). */
  k?: {
    default: (limits: DrafterLimits) => number;
    /** The largest k: the model's draft heads, or MAX_DEPTH; MAX_DEPTH while the model is unknown. */
    max: (limits: DrafterLimits | null) => number;
    /** How the default and limit read in help text: '1..K, default K'. */
    help: string;
  };
  /** A static tree: a default tree's name or index paths. */
  tree?: { default: DefaultTreeName };
  /** Confidence stopping: stop drafting below this top probability (0 = off). */
  pMin?: true;
  /** Hugging Face's schedule: +2 drafts after a fully accepted step, -1 otherwise. */
  adaptive?: true;
  /** A dynamic tree (shape 'dynamic-tree', whose depth is k): children per expanded node, and nodes expanded per depth (EAGLE-2's top_k). */
  branch?: { default: number; max: number };
  /** A dynamic tree: the draft tokens it keeps, root excluded (EAGLE-2's total_token). */
  draftTokens?: { default: number; max: number };
  /** Sampling: draw each draft from the drafter's own distribution q (after the processors and the run's temperature/top-k/top-p) instead of its top-1. */
  sampleDrafts?: true;
}

/** What the factory receives: the knobs' values with defaults filled in (only the knobs the drafter takes). */
export interface DrafterArgs {
  k: number;
  tree: DefaultTreeName | TreeSpec;
  pMin: number;
  branch: number;
  draftTokens: number;
  sampleDrafts: boolean;
}

/** The model as a factory sees it: its config and the optional graphs. */
export type DrafterModel = Pick<LoadedModel, 'config' | 'heads' | 'draftModel' | 'eagle' | 'eagleLoop'>;

export interface DrafterEntry {
  name: DrafterName;
  shape: DraftShape;
  knobs: DrafterKnobs;
  /** Graphs besides the base model that must be loaded (ModelPart names of the staged load). */
  parts: readonly ModelPart[];
  /** A short name for menus. */
  label: string;
  /** One line on what it does, for the page and --help. */
  help: string;
  /** Builds the drafter; its parts are checked to be loaded before this is called. null: no drafter. */
  create: (model: DrafterModel, args: DrafterArgs) => Drafter | null;
}

/** What each model part is, for messages, where its graph lives, and whether a model has it loaded. */
export const MODEL_PARTS: Record<ModelPart, { label: string; file: (config: ModelConfig) => string; loaded: (m: DrafterModel) => boolean }> = {
  heads: { label: 'the Medusa heads', file: (c) => c.heads.file, loaded: (m) => !!m.heads },
  draft_model: { label: 'the draft model', file: (c) => c.draft_model.file, loaded: (m) => !!m.draftModel },
  eagle: { label: 'the EAGLE head', file: (c) => c.eagle?.file ?? 'onnx/eagle.onnx (not in this config.json)', loaded: (m) => !!m.eagle },
};

const K_HEADS: NonNullable<DrafterKnobs['k']> = {
  default: (l) => l.numHeads,
  max: (l) => l?.numHeads ?? MAX_DEPTH,
  help: '1..K, default K',
};

const K_CHAIN: NonNullable<DrafterKnobs['k']> = {
  default: () => 4,
  max: () => MAX_DEPTH,
  help: `1..${MAX_DEPTH}, default 4`,
};

/**
 * EAGLE's defaults, from the cost curve (Node, 1 thread: t(1) 1.01 ms, t(3) 1.55, t(5) 2.24,
 * t(9) 3.58) and the prose bench: a chain of 4 drafts in one run of the loop graph had the best
 * decode speedup of k = 2..4, greedy and at t=0.7 (τ 3.1 and 3.3). A verify of 7 tokens costs
 * ~2.9x one, so a dynamic tree keeps 6 draft tokens, 4 deep, 2 children per node (EAGLE-2's 60
 * would cost ~20x); at one head run per depth it still lost to the chain here.
 */
const K_EAGLE: NonNullable<DrafterKnobs['k']> = { default: () => 4, max: () => MAX_DEPTH, help: `1..${MAX_DEPTH}, default 4` };
const K_EAGLE_TREE: NonNullable<DrafterKnobs['k']> = { default: () => 4, max: () => 8, help: '1..8 (the tree depth), default 4' };
export const EAGLE_TREE_DEFAULTS = { branch: 2, draftTokens: 6 } as const;

const need = <T>(part: T | null | undefined): T => {
  // createDrafter checks the parts first; reaching this is a bug in an entry's `parts`.
  if (!part) throw new TypeError('a drafter was built without a model part its registry entry should list');
  return part;
};

/** The registry, in the order menus and help list the drafters. */
export const DRAFTERS: Readonly<Record<DrafterName, DrafterEntry>> = {
  none: {
    name: 'none',
    shape: 'none',
    knobs: {},
    parts: [],
    label: 'none',
    help: 'no drafts: plain autoregressive decoding',
    create: () => null,
  },
  heads: {
    name: 'heads',
    shape: 'chain',
    knobs: { k: K_HEADS, pMin: true, adaptive: true, sampleDrafts: true },
    parts: ['heads'],
    label: 'heads',
    help: 'Medusa heads: a chain of each head’s top-1 guess (or, sampling, a draw from its softmax), from one small forward',
    create: (m, a) => new HeadsDrafter(need(m.heads), { kind: 'chain', k: a.k }, a.pMin, a.sampleDrafts),
  },
  'heads-tree': {
    name: 'heads-tree',
    shape: 'tree',
    knobs: { tree: { default: DEFAULT_TREE } },
    parts: ['heads'],
    label: 'heads-tree',
    help: 'Medusa heads: a tree of each head’s top guesses, verified in one forward',
    create: (m, a) => {
      const heads = need(m.heads);
      return new HeadsDrafter(heads, { kind: 'tree', tree: resolveTree(a.tree, heads.numHeads) }, a.pMin);
    },
  },
  eagle: {
    name: 'eagle',
    shape: 'chain',
    knobs: { k: K_EAGLE, pMin: true, adaptive: true },
    parts: ['eagle'],
    label: 'eagle',
    help: 'EAGLE head: one decoder layer on the target’s own features drafts k tokens one by one (sampling: from its own q)',
    create: (m, a) => new EagleDrafter(need(m.eagle), { kind: 'chain', k: a.k }, a.pMin, m.eagleLoop ?? null),
  },
  'eagle-tree': {
    name: 'eagle-tree',
    shape: 'dynamic-tree',
    knobs: {
      k: K_EAGLE_TREE,
      branch: { default: EAGLE_TREE_DEFAULTS.branch, max: 8 },
      draftTokens: { default: EAGLE_TREE_DEFAULTS.draftTokens, max: 63 },
    },
    parts: ['eagle'],
    label: 'eagle-tree',
    help: 'EAGLE-2 dynamic tree: the EAGLE head grows the most probable branches each step, k deep, keeping the best draft tokens',
    create: (m, a) => new EagleDrafter(need(m.eagle), { kind: 'dynamic-tree', depth: a.k, branch: a.branch, draftTokens: a.draftTokens }),
  },
  'draft-model': {
    name: 'draft-model',
    shape: 'chain',
    knobs: { k: K_CHAIN, pMin: true, adaptive: true },
    parts: ['draft_model'],
    label: 'draft-model',
    help: 'a small draft model proposes k tokens one by one',
    create: (m, a) => new DraftModelDrafter(need(m.draftModel), a.k, a.pMin),
  },
  'prompt-lookup': {
    name: 'prompt-lookup',
    shape: 'chain',
    knobs: { k: K_CHAIN, adaptive: true },
    parts: [],
    label: 'prompt-lookup',
    help: 'copies what followed the last n-gram earlier in the context (no model)',
    create: (_m, a) => new PromptLookupDrafter(a.k),
  },
};

/** Every drafter's name, in registry order. */
export const DRAFTER_NAMES = Object.keys(DRAFTERS) as DrafterName[];

/** The drafter the page starts with and whose graphs load before `ready`. */
export const DEFAULT_DRAFTER: DrafterName = 'heads';

export const isDrafterName = (name: unknown): name is DrafterName => typeof name === 'string' && Object.hasOwn(DRAFTERS, name);

/** The entry of a drafter, or an error listing the registry's names. */
export function drafterEntry(name: string): DrafterEntry {
  if (!isDrafterName(name)) throw new Error(`unknown drafter '${name}'; choose one of ${DRAFTER_NAMES.join(', ')}`);
  return DRAFTERS[name];
}

export type KnobName = keyof DrafterKnobs;

export const usesKnob = (name: DrafterName, knob: KnobName): boolean => DRAFTERS[name].knobs[knob] !== undefined;

/** The drafters that take a knob, in registry order: ['heads', 'draft-model'] for pMin. */
export const drafterNamesWith = (knob: KnobName): DrafterName[] => DRAFTER_NAMES.filter((d) => usesKnob(d, knob));

export const isChainDrafter = (name: DrafterName): boolean => DRAFTERS[name].shape === 'chain';

/** The drafters that propose something (every one but 'none'). */
export const DRAFTING_NAMES = DRAFTER_NAMES.filter((d) => DRAFTERS[d].shape !== 'none');

/** A chain drafter's k when none is given: K for heads, 4 for the others. */
export function defaultK(model: { config: Pick<ModelConfig, 'heads'> }, drafter: DrafterName): number {
  return (DRAFTERS[drafter].knobs.k ?? K_CHAIN).default({ numHeads: model.config.heads.num_heads });
}

/** The largest k a drafter accepts on a model with these limits (MAX_DEPTH for drafters without a k). */
export function maxK(drafter: DrafterName, limits: DrafterLimits | null): number {
  return DRAFTERS[drafter].knobs.k?.max(limits) ?? MAX_DEPTH;
}

/** Graphs the model must load for these drafters (the base model is always loaded). */
export function partsFor(drafters: Iterable<DrafterName>): ModelPart[] {
  const parts = new Set<ModelPart>();
  for (const d of drafters) for (const p of DRAFTERS[d].parts) parts.add(p);
  return [...parts];
}
