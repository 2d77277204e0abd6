/**
 * The simulator's chosen configuration as vLLM's `speculative_config` (the JSON given to
 * `vllm serve --speculative-config '…'` or `LLM(speculative_config=…)`), and that JSON read
 * back with the same checks, so an export parses to the configuration it came from.
 *
 *   {"method": "ngram", "num_speculative_tokens": 4, "prompt_lookup_max": 3, "prompt_lookup_min": 1}
 *   {"method": "medusa", "model": "<…>", "num_speculative_tokens": 3}
 *
 * Only the keys the simulator decides are written: method, model (a placeholder to replace
 * with the drafter's path or Hugging Face id), num_speculative_tokens and, for ngram, the
 * n-gram sizes; vLLM's other keys keep their defaults. vLLM's names for our drafters: heads
 * are `medusa`, draft-model is `draft_model`, prompt-lookup is `ngram`. Pure.
 */
import { z } from 'zod';
import type { DrafterName } from '../../engine/drafters/types.ts';
import { MAX_DEPTH } from '../../engine/drafters/registry.ts';

/** vLLM's methods the export offers (vllm/config/speculative.py's SpeculativeMethod, the common ones). */
export const VLLM_METHODS = ['eagle', 'eagle3', 'medusa', 'mtp', 'draft_model', 'ngram'] as const;
export type VllmMethod = (typeof VLLM_METHODS)[number];
/** Methods that load a drafter of their own and so need `model`; mtp uses the target's own layers. */
export const NEEDS_MODEL: ReadonlySet<VllmMethod> = new Set(['eagle', 'eagle3', 'medusa', 'draft_model']);
/** Our prompt-lookup drafter's n-gram sizes (PromptLookupDrafter's defaults). */
export const LOOKUP_NGRAM = { max: 3, min: 1 } as const;
export const MAX_CONFIG_CHARS = 10_000;
const MAX_MODEL_CHARS = 500;

export interface SpeculativeConfig {
  method: VllmMethod;
  model?: string;
  num_speculative_tokens: number;
  prompt_lookup_max?: number;
  prompt_lookup_min?: number;
}

export const modelPlaceholder = (method: VllmMethod) => `<path or Hugging Face id of the ${method} drafter for your target>`;

/** vLLM's method for one of our drafters (null for 'none'). */
export function methodFor(drafter: DrafterName): VllmMethod | null {
  switch (drafter) {
    case 'heads':
    case 'heads-tree':
      return 'medusa';
    case 'eagle':
    case 'eagle-tree':
      return 'eagle';
    case 'draft-model':
      return 'draft_model';
    case 'prompt-lookup':
      return 'ngram';
    case 'none':
      return null;
  }
}

const int = (lo: number, hi: number) => z.number({ error: 'expected a number' }).int({ error: `expected a whole number from ${lo} to ${hi}` }).min(lo, { error: `expected a whole number from ${lo} to ${hi}` }).max(hi, { error: `expected a whole number from ${lo} to ${hi}` });

const schema = z
  .strictObject({
    method: z.enum(VLLM_METHODS, { error: `expected one of ${VLLM_METHODS.join(', ')}` }),
    model: z.string({ error: 'expected a string' }).trim().min(1, { error: 'expected a path or model id, found an empty string' }).max(MAX_MODEL_CHARS, { error: `expected at most ${MAX_MODEL_CHARS} characters` }).optional(),
    num_speculative_tokens: int(1, MAX_DEPTH),
    prompt_lookup_max: int(1, MAX_DEPTH).optional(),
    prompt_lookup_min: int(1, MAX_DEPTH).optional(),
  }, { error: (iss) => (iss.code === 'unrecognized_keys' ? `the simulator reads only method, model, num_speculative_tokens, prompt_lookup_max and prompt_lookup_min` : 'expected a JSON object') })
  .superRefine((c, ctx) => {
    if (NEEDS_MODEL.has(c.method) && c.model === undefined) ctx.addIssue({ code: 'custom', path: ['model'], message: `method '${c.method}' needs the drafter's model` });
    if (c.method === 'ngram' && c.model !== undefined) ctx.addIssue({ code: 'custom', path: ['model'], message: "method 'ngram' drafts from the prompt and takes no model" });
    if (c.method !== 'ngram') {
      for (const k of ['prompt_lookup_max', 'prompt_lookup_min'] as const) if (c[k] !== undefined) ctx.addIssue({ code: 'custom', path: [k], message: `only method 'ngram' takes ${k}` });
    }
    if (c.prompt_lookup_max !== undefined && c.prompt_lookup_min !== undefined && c.prompt_lookup_min > c.prompt_lookup_max) {
      ctx.addIssue({ code: 'custom', path: ['prompt_lookup_min'], message: `expected at most prompt_lookup_max (${c.prompt_lookup_max}), found ${c.prompt_lookup_min}` });
    }
  });

function problem(error: z.ZodError, where: string): Error {
  const first = error.issues[0]!;
  const keys = first.code === 'unrecognized_keys' ? ` (found ${first.keys.map((k) => `'${k}'`).join(', ')})` : '';
  const at = first.path.length ? ` ${first.path.join('.')}:` : '';
  return new Error(`${where}:${at} ${first.message}${keys}.`);
}

/** Builds the config (ngram gets our lookup sizes unless given), checked like a parsed one. */
export function speculativeConfig(method: VllmMethod, k: number, opts: { model?: string; lookup?: { max: number; min: number } } = {}): SpeculativeConfig {
  const model = method !== 'ngram' && (NEEDS_MODEL.has(method) || opts.model?.trim()) ? opts.model?.trim() || modelPlaceholder(method) : undefined;
  const cfg: SpeculativeConfig = {
    method,
    ...(model !== undefined && { model }),
    num_speculative_tokens: k,
    ...(method === 'ngram' && { prompt_lookup_max: opts.lookup?.max ?? LOOKUP_NGRAM.max, prompt_lookup_min: opts.lookup?.min ?? LOOKUP_NGRAM.min }),
  };
  const r = schema.safeParse(cfg);
  if (!r.success) throw problem(r.error, 'The speculative_config');
  return cfg;
}

export const speculativeConfigJson = (cfg: SpeculativeConfig) => JSON.stringify(cfg, null, 2);

/** Reads a speculative_config JSON back, with what is wrong named by key. */
export function parseSpeculativeConfig(text: string): SpeculativeConfig {
  if (text.length > MAX_CONFIG_CHARS) throw new Error(`The speculative_config is ${text.length} characters; one is a few hundred. Paste only the JSON object.`);
  let raw: unknown;
  try {
    raw = JSON.parse(text);
  } catch (e) {
    throw new Error(`The speculative_config is not JSON (${(e as Error).message}); paste the object, e.g. {"method": "ngram", "num_speculative_tokens": 4}.`);
  }
  const r = schema.safeParse(raw);
  if (!r.success) throw problem(r.error, 'The speculative_config');
  return r.data as SpeculativeConfig;
}
