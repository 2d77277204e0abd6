/**
 * Loading a whole model folder: config.json, tokenizer.json, then the base graph and, by
 * default, the Medusa heads and the draft model. Downloads run in parallel (progress per
 * file); sessions are created one after another, each checked against config.json.
 */
import { parseConfig, type ModelConfig } from './config.ts';
import type { ModelFiles } from './files.ts';
import { CausalLM, DraftHeads } from './lm.ts';
import { createSession, headsSignature, lmSignature } from './session.ts';
import { createTokenizer, type TextTokenizer } from './tokenizer.ts';

export type ModelPart = 'heads' | 'draft_model';

export interface LoadProgress {
  file: string;
  loaded: number;
  total: number | null;
}

export interface LoadOptions {
  /** Graphs to load besides the base model; default both. */
  parts?: ModelPart[];
  onProgress?: (p: LoadProgress) => void;
}

export interface LoadedModel {
  id: string;
  config: ModelConfig;
  tokenizer: TextTokenizer;
  base: CausalLM;
  heads?: DraftHeads;
  draftModel?: CausalLM;
  release(): Promise<void>;
}

export async function loadModel(files: ModelFiles, opts: LoadOptions = {}): Promise<LoadedModel> {
  const parts = new Set<ModelPart>(opts.parts ?? ['heads', 'draft_model']);
  for (const p of parts) {
    if (p !== 'heads' && p !== 'draft_model') {
      throw new Error(`loadModel: unknown part "${String(p)}"; expected "heads" and/or "draft_model"`);
    }
  }
  const where = (rel: string) => `${rel} in ${files.where}`;
  const config = parseConfig(await files.text('config.json'), where('config.json'));
  const tokenizer = createTokenizer(
    await files.text('tokenizer.json'),
    { vocabSize: config.vocab_size, bosId: config.bos_token_id, eosId: config.eos_token_id },
    where('tokenizer.json'),
  );

  const fetchGraph = (rel: string) =>
    files.bytes(rel, (loaded, total) => opts.onProgress?.({ file: rel, loaded, total }));
  const baseBytes = fetchGraph(config.model.file);
  const headsBytes = parts.has('heads') ? fetchGraph(config.heads.file) : null;
  const draftBytes = parts.has('draft_model') ? fetchGraph(config.draft_model.file) : null;
  // Every download is awaited (settled) before any error propagates, so none is left dangling.
  const settled = await Promise.allSettled([baseBytes, headsBytes, draftBytes]);
  for (const s of settled) if (s.status === 'rejected') throw s.reason;
  const [b, h, d] = settled.map((s) => (s as PromiseFulfilledResult<Uint8Array | null>).value);

  const made: Array<{ release(): Promise<void> }> = [];
  try {
    const V = config.vocab_size;
    const base = new CausalLM(
      await createSession(b!, where(config.model.file), lmSignature(config.model, V)),
      config.model,
      V,
      'model',
    );
    made.push(base);
    let heads: DraftHeads | undefined;
    if (h) {
      heads = new DraftHeads(await createSession(h, where(config.heads.file), headsSignature(config.heads, V)), config.heads, V);
      made.push(heads);
    }
    let draftModel: CausalLM | undefined;
    if (d) {
      draftModel = new CausalLM(
        await createSession(d, where(config.draft_model.file), lmSignature(config.draft_model, V)),
        config.draft_model,
        V,
        'draft_model',
      );
      made.push(draftModel);
    }
    return {
      id: config.id,
      config,
      tokenizer,
      base,
      ...(heads ? { heads } : {}),
      ...(draftModel ? { draftModel } : {}),
      release: async () => {
        for (const m of made) await m.release();
      },
    };
  } catch (e) {
    for (const m of made) await m.release();
    throw e;
  }
}
