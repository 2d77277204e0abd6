/**
 * config.json of a model folder (written by train/export.py): parsed with zod, then checked
 * for the cross-field facts the runtime relies on (head_dim * n_head = n_embd, the heads sit
 * on the base model's hidden states, graph input names follow the KV-cache convention).
 */
import { z } from 'zod';

const lmEntry = z.object({
  file: z.string().min(1),
  num_params: z.number().int().positive(),
  n_layer: z.number().int().positive(),
  n_head: z.number().int().positive(),
  n_embd: z.number().int().positive(),
  head_dim: z.number().int().positive(),
  n_positions: z.number().int().positive(),
  inputs: z.array(z.string()),
  outputs: z.array(z.string()),
});

const headsEntry = z.object({
  file: z.string().min(1),
  num_heads: z.number().int().positive(),
  n_embd: z.number().int().positive(),
  /** Head k (0-based) predicts the token offsets[k] positions past its hidden state's token. */
  offsets: z.array(z.number().int().positive()),
  inputs: z.array(z.string()),
  outputs: z.array(z.string()),
});

/** The EAGLE draft head (train/eagle.py): an LM-shaped graph that also reads a feature per
 *  position, the base's hidden state there (features_from), and guesses the token
 *  token_offset positions past it. */
const eagleEntry = lmEntry.extend({
  features_from: z.literal('model.hidden_states'),
  token_offset: z.literal(2),
});

const configSchema = z.object({
  model_type: z.literal('space-toy-gpt'),
  format_version: z.literal(1),
  id: z.string().min(1),
  vocab_size: z.number().int().positive(),
  n_positions: z.number().int().positive(),
  bos_token_id: z.number().int().nonnegative(),
  eos_token_id: z.number().int().nonnegative(),
  onnx_opset: z.number().int().positive(),
  model: lmEntry,
  heads: headsEntry,
  draft_model: lmEntry,
  /** Absent in model folders exported before the EAGLE head. */
  eagle: eagleEntry.optional(),
});

export type LMConfig = z.infer<typeof lmEntry>;
export type HeadsConfig = z.infer<typeof headsEntry>;
export type EagleConfig = z.infer<typeof eagleEntry>;
export type ModelConfig = z.infer<typeof configSchema>;

/** The graph names a KV-cached LM must have, in order (train/export.py io_names); the EAGLE
 *  head reads `features` first. */
export function lmIoNames(nLayer: number, features = false): { inputs: string[]; outputs: string[] } {
  const past: string[] = [];
  const present: string[] = [];
  const fresh: string[] = [];
  for (let i = 0; i < nLayer; i++) {
    for (const kv of ['key', 'value']) {
      past.push(`past_key_values.${i}.${kv}`);
      present.push(`present.${i}.${kv}`);
      fresh.push(`new.${i}.${kv}`);
    }
  }
  return {
    inputs: [...(features ? ['features'] : []), 'input_ids', 'position_ids', 'attention_bias', ...past],
    outputs: ['logits', 'hidden_states', ...present, ...fresh],
  };
}

function sameList(a: readonly string[], b: readonly string[]): boolean {
  return a.length === b.length && a.every((x, i) => x === b[i]);
}

/** Parse config.json text; `where` names the file in errors. */
export function parseConfig(text: string, where = 'config.json'): ModelConfig {
  let raw: unknown;
  try {
    raw = JSON.parse(text);
  } catch (e) {
    throw new Error(`${where} is not valid JSON (${(e as Error).message}); re-export the model with \`npm run train\``);
  }
  const parsed = configSchema.safeParse(raw);
  if (!parsed.success) {
    const issues = parsed.error.issues
      .map((i) => `  ${i.path.length ? i.path.join('.') : '(root)'}: ${i.message}`)
      .join('\n');
    throw new Error(
      `${where} does not match the format this runtime reads (format_version 1 from train/export.py):\n` +
        `${issues}\nRe-export the model with \`npm run train\`, or update the runtime to the new format.`,
    );
  }
  const c = parsed.data;
  const problems: string[] = [];
  const id = (n: number, what: string) => {
    if (n >= c.vocab_size) problems.push(`${what} ${n} is outside the vocabulary (vocab_size ${c.vocab_size})`);
  };
  id(c.bos_token_id, 'bos_token_id');
  id(c.eos_token_id, 'eos_token_id');
  const lms: Array<[string, LMConfig, boolean]> = [['model', c.model, false], ['draft_model', c.draft_model, false]];
  if (c.eagle) lms.push(['eagle', c.eagle, true]);
  for (const [name, lm, features] of lms) {
    if (lm.head_dim * lm.n_head !== lm.n_embd) {
      problems.push(`${name}: head_dim ${lm.head_dim} * n_head ${lm.n_head} != n_embd ${lm.n_embd}`);
    }
    if (lm.n_positions < c.n_positions) {
      problems.push(`${name}: n_positions ${lm.n_positions} is smaller than the model's context ${c.n_positions}`);
    }
    const want = lmIoNames(lm.n_layer, features);
    if (!sameList(lm.inputs, want.inputs)) {
      problems.push(`${name}.inputs should be [${want.inputs.join(', ')}] for n_layer ${lm.n_layer}, found [${lm.inputs.join(', ')}]`);
    }
    if (!sameList(lm.outputs, want.outputs)) {
      problems.push(`${name}.outputs should be [${want.outputs.join(', ')}] for n_layer ${lm.n_layer}, found [${lm.outputs.join(', ')}]`);
    }
  }
  if (c.heads.n_embd !== c.model.n_embd) {
    problems.push(`heads.n_embd ${c.heads.n_embd} differs from model.n_embd ${c.model.n_embd}`);
  }
  if (c.eagle && c.eagle.n_embd !== c.model.n_embd) {
    problems.push(`eagle.n_embd ${c.eagle.n_embd} differs from model.n_embd ${c.model.n_embd}: its features are the base's hidden states`);
  }
  if (c.heads.offsets.length !== c.heads.num_heads) {
    problems.push(`heads.offsets has ${c.heads.offsets.length} entries for num_heads ${c.heads.num_heads}`);
  }
  if (!sameList(c.heads.inputs, ['hidden_states']) || !sameList(c.heads.outputs, ['draft_logits'])) {
    problems.push(
      `heads should map [hidden_states] -> [draft_logits], found [${c.heads.inputs.join(', ')}] -> [${c.heads.outputs.join(', ')}]`,
    );
  }
  if (problems.length) {
    throw new Error(`${where} is inconsistent:\n  ${problems.join('\n  ')}\nRe-export the model with \`npm run train\`.`);
  }
  return c;
}
