/**
 * One decoding configuration, as every front end holds it: the drafter and its knobs,
 * sampling, logits processors, acceptance and limits. The page's settings (ui/store/
 * settings.ts: the URL), the CLI's flags and bench specs (cli/run-config.ts), Compare rows
 * (worker/compare-config.ts) and the trace's config (trace/trace.ts) map to and from it;
 * one label function names it in every table. No runtime here: the page imports it.
 */
import { defaultK, DRAFTERS, usesKnob } from '../drafters/registry.ts';
import type { DrafterName } from '../drafters/types.ts';
import type { Acceptance, SpecOptions } from './speculative.ts';
import type { DefaultTreeName, TreeSpec } from './tree.ts';
import type { TypicalParams } from '../verify/typical.ts';
import type { ModelConfig } from '../runtime/config.ts';

export const ACCEPTANCES: readonly Acceptance[] = ['lossless', 'typical'];

/** The highest temperature a control, a link or a results file takes. */
export const MAX_TEMPERATURE = 5;

export interface DecodeConfig {
  drafter: DrafterName;
  /** A chain's length (its maxDepth); undefined = the drafter's default (registry: K for heads, 4 otherwise). */
  k?: number;
  /** A tree drafter's shape: a default tree's name or index paths; undefined = the drafter's default. */
  tree?: DefaultTreeName | TreeSpec;
  /** How a tree given as index paths is named in labels (the CLI's file path). */
  treeLabel?: string;
  /** A dynamic tree's children per expanded node (EAGLE-2's top_k); undefined = the drafter's default. */
  branch?: number;
  /** A dynamic tree's draft tokens, root excluded (EAGLE-2's total_token); undefined = the drafter's default. */
  draftTokens?: number;
  /** Sampling: drafts drawn from the drafter's own distribution, not its top-1 (heads; off = one-hot drafts). */
  sampleDrafts?: boolean;
  /** Chains: +2 drafts after a fully accepted step, -1 otherwise. */
  adaptive: boolean;
  /** Model drafters: stop drafting below this top probability (0 = off). */
  pMin: number;
  /** 'typical' is Medusa's LOSSY typical acceptance (needs temperature > 0). */
  acceptance: Acceptance;
  /** Typical acceptance's parameters; undefined = its defaults. */
  typical?: TypicalParams;
  /** Hugging Face's repetition_penalty, before temperature/top-k/top-p; 1 = off. */
  repetitionPenalty: number;
  /** Hugging Face's no_repeat_ngram_size; 0 = off. */
  noRepeatNgramSize: number;
  /** 0 = greedy. */
  temperature: number;
  /** 0 = off. */
  topK: number;
  /** 1 = off. */
  topP: number;
  seed: number;
  /** New tokens at most (the URL's max_tokens, the CLI's --max-tokens, the engine's maxTokens). */
  maxTokens: number;
  /** Stop after emitting EOS; undefined = true. */
  stopAtEos?: boolean;
}

/** Every field but the drafter and its shape, at its default (all off, greedy, 64 tokens). */
export const DECODE_DEFAULTS: Omit<DecodeConfig, 'drafter'> = {
  adaptive: false,
  pMin: 0,
  acceptance: 'lossless',
  repetitionPenalty: 1,
  noRepeatNgramSize: 0,
  temperature: 0,
  topK: 0,
  topP: 1,
  seed: 0,
  maxTokens: 64,
};

/** A config with only some fields given; decodeConfig fills in the rest. */
export type DecodeConfigInput = Pick<DecodeConfig, 'drafter'> & Partial<DecodeConfig>;

export const decodeConfig = (c: DecodeConfigInput): DecodeConfig => ({ ...DECODE_DEFAULTS, ...c });

/** The drafter's part of a config, as createDrafter takes it. */
export type DrafterSettings = Pick<DecodeConfig, 'drafter'> & Partial<Pick<DecodeConfig, 'k' | 'tree' | 'pMin' | 'branch' | 'draftTokens' | 'sampleDrafts'>>;

/**
 * The config with the knobs its drafter does not take dropped (k, tree) or off (pMin,
 * adaptive): the page keeps every control's value while another drafter is chosen.
 */
export function applicableConfig(c: DecodeConfig): DecodeConfig {
  const { k, tree, treeLabel, branch, draftTokens, sampleDrafts, ...rest } = c;
  return {
    ...rest,
    ...(usesKnob(c.drafter, 'k') && k !== undefined ? { k } : {}),
    ...(usesKnob(c.drafter, 'branch') && branch !== undefined ? { branch } : {}),
    ...(usesKnob(c.drafter, 'draftTokens') && draftTokens !== undefined ? { draftTokens } : {}),
    ...(usesKnob(c.drafter, 'sampleDrafts') && sampleDrafts ? { sampleDrafts } : {}),
    ...(usesKnob(c.drafter, 'tree') && tree !== undefined ? { tree, ...(treeLabel !== undefined ? { treeLabel } : {}) } : {}),
    pMin: usesKnob(c.drafter, 'pMin') ? c.pMin : 0,
    adaptive: usesKnob(c.drafter, 'adaptive') && c.adaptive,
  };
}

/** What createDrafter takes for this config: only the knobs that apply to its drafter. */
export function drafterSettingsOf(c: DecodeConfig): DrafterSettings {
  const a = applicableConfig(c);
  return {
    drafter: a.drafter,
    ...(a.k !== undefined ? { k: a.k } : {}),
    ...(a.tree !== undefined ? { tree: a.tree } : {}),
    ...(a.branch !== undefined ? { branch: a.branch } : {}),
    ...(a.draftTokens !== undefined ? { draftTokens: a.draftTokens } : {}),
    ...(a.sampleDrafts ? { sampleDrafts: true } : {}),
    pMin: a.pMin,
  };
}

/** The autoregressive baseline a config is measured against: drafter none, the same sampling, processors, seed and limits. */
export function baselineOf(c: DecodeConfig): DecodeConfig {
  return {
    ...DECODE_DEFAULTS,
    drafter: 'none',
    repetitionPenalty: c.repetitionPenalty,
    noRepeatNgramSize: c.noRepeatNgramSize,
    temperature: c.temperature,
    topK: c.topK,
    topP: c.topP,
    seed: c.seed,
    maxTokens: c.maxTokens,
    ...(c.stopAtEos !== undefined ? { stopAtEos: c.stopAtEos } : {}),
  };
}

/** The decode loop's options for a config (knobs its drafter does not take are off). */
export function specOptionsOf(config: DecodeConfig): SpecOptions {
  const c = applicableConfig(config);
  return {
    maxTokens: c.maxTokens,
    seed: c.seed,
    repetitionPenalty: c.repetitionPenalty,
    noRepeatNgramSize: c.noRepeatNgramSize,
    temperature: c.temperature,
    topK: c.topK,
    topP: c.topP,
    adaptive: c.adaptive,
    acceptance: c.acceptance,
    ...(c.typical !== undefined ? { typical: c.typical } : {}),
    ...(c.stopAtEos !== undefined ? { stopAtEos: c.stopAtEos } : {}),
  };
}

/** What a label needs: the drafter and temperature, the rest at their defaults when absent (Compare rows carry no more). */
export type LabelInput = Pick<DecodeConfig, 'drafter' | 'temperature'> & Partial<DecodeConfig>;

/** 'greedy', or 't=0.7 top-p=0.9 top-k=40', after any processors: 'repetition-penalty=1.3 greedy' (defaults left out). */
export function samplingLabel(c: Pick<DecodeConfig, 'temperature'> & Partial<DecodeConfig>): string {
  const processors = [
    c.repetitionPenalty !== undefined && c.repetitionPenalty !== 1 ? `repetition-penalty=${c.repetitionPenalty}` : '',
    c.noRepeatNgramSize ? `no-repeat-ngram-size=${c.noRepeatNgramSize}` : '',
  ];
  const warpers = c.temperature === 0
    ? ['greedy']
    : [`t=${c.temperature}`, c.topP !== undefined && c.topP < 1 ? `top-p=${c.topP}` : '', c.topK ? `top-k=${c.topK}` : ''];
  return [...processors, ...warpers].filter(Boolean).join(' ');
}

/** The drafter's shape: 'k=3', 'tree-8', 'k=4 adaptive p-min=0.3', or '' for none; 'k=default' while the model is unknown. */
export function shapeLabel(c: LabelInput, model?: { config: Pick<ModelConfig, 'heads'> }): string {
  const entry = DRAFTERS[c.drafter];
  if (entry.shape === 'none') return '';
  const knobs = entry.knobs;
  const parts: string[] = [];
  if (knobs.tree) parts.push(c.treeLabel ?? (typeof c.tree === 'string' ? c.tree : c.tree ? `${c.tree.length}-node tree` : knobs.tree.default));
  if (knobs.k) {
    const k = c.k ?? (model ? defaultK(model, c.drafter) : undefined);
    parts.push(k !== undefined ? `k=${k}` : 'k=default');
  }
  if (knobs.branch) parts.push(`branch=${c.branch ?? knobs.branch.default}`);
  if (knobs.draftTokens) parts.push(`draft-tokens=${c.draftTokens ?? knobs.draftTokens.default}`);
  if (knobs.sampleDrafts && c.sampleDrafts) parts.push('sampled drafts');
  if (knobs.adaptive && c.adaptive) parts.push('adaptive');
  if (knobs.pMin && c.pMin) parts.push(`p-min=${c.pMin}`);
  return parts.join(' ');
}

/** 'heads k=3, greedy', 'heads-tree tree-12, t=0.7', 'heads k=4, t=1, typical acceptance (LOSSY)'. */
export function configLabel(c: LabelInput, model?: { config: Pick<ModelConfig, 'heads'> }): string {
  const drafter = [c.drafter, shapeLabel(c, model)].filter(Boolean).join(' ');
  return [drafter, samplingLabel(c), c.acceptance === 'typical' ? 'typical acceptance (LOSSY)' : ''].filter(Boolean).join(', ');
}
