/**
 * Loading a whole model folder: config.json, tokenizer.json, then the base graph and, by
 * default, the Medusa heads, the draft model and the EAGLE head (when config.json has one). Downloads run in parallel (progress per
 * file); each graph's session is created as soon as it has arrived, one at a time, each
 * checked against config.json.
 */
import { parseConfig, type ModelConfig } from './config.ts';
import type { ModelFiles } from './files.ts';
import { CausalLM, DraftHeads } from './lm.ts';
import { loadDraftLoop, type DraftLoop } from './draft-loop.ts';
import { createSession, eagleSignature, headsSignature, lmSignature, ortBackend } from './session.ts';
import { createTokenizer, type TextTokenizer } from './tokenizer.ts';

export type ModelPart = 'heads' | 'draft_model' | 'eagle';
export const MODEL_PART_NAMES: readonly ModelPart[] = ['heads', 'draft_model', 'eagle'];

const isPart = (p: unknown): p is ModelPart => MODEL_PART_NAMES.includes(p as ModelPart);

/** The graph file of a part; an error when the model folder has no such graph. */
export function partFile(config: ModelConfig, part: ModelPart): string {
  if (part === 'eagle') {
    if (!config.eagle) throw new Error("this model's config.json has no 'eagle' entry: re-export the model with `npm run train` to get the EAGLE head, or choose another drafter");
    return config.eagle.file;
  }
  return config[part].file;
}

export interface LoadProgress {
  file: string;
  loaded: number;
  total: number | null;
}

export interface LoadOptions {
  /** Graphs to load besides the base model; default all the model has. */
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
  /** The EAGLE draft head: a CausalLM that takes features. */
  eagle?: CausalLM;
  /** The EAGLE head's k draft steps in one session.run (draft-loop.ts), loaded with it where
   *  config.json has one and the backend is wasm; the drafter uses it for greedy chains. */
  eagleLoop?: DraftLoop;
  release(): Promise<void>;
}

export async function loadModel(files: ModelFiles, opts: LoadOptions = {}): Promise<LoadedModel> {
  for (const p of opts.parts ?? []) {
    if (!isPart(p)) throw new Error(`loadModel: unknown part "${String(p)}"; expected some of ${MODEL_PART_NAMES.map((n) => `"${n}"`).join(', ')}`);
  }
  const where = (rel: string) => `${rel} in ${files.where}`;
  const config = parseConfig(await files.text('config.json'), where('config.json'));
  const tokenizer = createTokenizer(
    await files.text('tokenizer.json'),
    { vocabSize: config.vocab_size, bosId: config.bos_token_id, eosId: config.eos_token_id },
    where('tokenizer.json'),
  );

  const parts = new Set<ModelPart>(opts.parts ?? MODEL_PART_NAMES.filter((p) => p !== 'eagle' || config.eagle));
  const fetchGraph = (rel: string) =>
    files.bytes(rel, (loaded, total) => opts.onProgress?.({ file: rel, loaded, total }));
  const baseBytes = fetchGraph(config.model.file);
  const headsBytes = parts.has('heads') ? fetchGraph(config.heads.file) : null;
  const draftBytes = parts.has('draft_model') ? fetchGraph(config.draft_model.file) : null;
  const eagleBytes = parts.has('eagle') ? fetchGraph(partFile(config, 'eagle')) : null;

  // Each session is made as soon as its graph has downloaded, while the others still download,
  // one at a time (making one is mostly a single long wasm call: two would only take turns).
  const made: Array<{ release(): Promise<void> }> = [];
  let turn: Promise<unknown> = Promise.resolve();
  const sessionOf = <P extends GraphName>(which: P, bytes: Promise<Uint8Array> | null) =>
    bytes?.then((b) => {
      // queued when its bytes arrive, so sessions are made in the order the graphs arrive
      const mine = turn.then(async () => {
        const m = await graphOf(config, which, b, where);
        made.push(m);
        return m;
      });
      turn = mine.catch(() => undefined);
      return mine;
    }) ?? null;
  const sessions = [sessionOf('model', baseBytes), sessionOf('heads', headsBytes), sessionOf('draft_model', draftBytes), sessionOf('eagle', eagleBytes)] as const;
  // Every download and session is settled before any error propagates, so none is left dangling;
  // download errors come first (a missing file explains a missing session).
  const settled = await Promise.allSettled([baseBytes, headsBytes, draftBytes, eagleBytes, ...sessions]);
  try {
    for (const s of settled) if (s.status === 'rejected') throw s.reason;
    const [base, heads, draftModel, eagle] = await Promise.all(sessions);
    const eagleLoop = eagle ? await loopOf(files) : null;
    if (eagleLoop) made.push(eagleLoop);
    return {
      id: config.id,
      config,
      tokenizer,
      base: base!,
      ...(heads ? { heads } : {}),
      ...(draftModel ? { draftModel } : {}),
      ...(eagle ? { eagle } : {}),
      ...(eagleLoop ? { eagleLoop } : {}),
      release: async () => {
        for (const m of made) await m.release();
      },
    };
  } catch (e) {
    for (const m of made) await m.release();
    throw e;
  }
}

type GraphName = 'model' | ModelPart;
type GraphOf<P extends GraphName> = P extends 'heads' ? DraftHeads : CausalLM;

/** One graph's session, checked against config.json's entry for it. */
async function graphOf<P extends GraphName>(config: ModelConfig, which: P, bytes: Uint8Array, where: (rel: string) => string): Promise<GraphOf<P>> {
  const V = config.vocab_size;
  if (which === 'heads') {
    return new DraftHeads(await createSession(bytes, where(config.heads.file), headsSignature(config.heads, V)), config.heads, V) as GraphOf<P>;
  }
  if (which === 'eagle') {
    const e = config.eagle!;
    return new CausalLM(await createSession(bytes, where(e.file), eagleSignature(e, V)), e, V, which, true) as GraphOf<P>;
  }
  const lm = which === 'model' ? config.model : config.draft_model;
  return new CausalLM(await createSession(bytes, where(lm.file), lmSignature(lm, V)), lm, V, which) as GraphOf<P>;
}

/**
 * Adds a graph that loadModel left out (its `parts`) to a loaded model, released with it: a
 * page can say ready with the base model and the heads, and bring the draft model in after.
 * A part the model has already is left as it is.
 */
export async function addModelPart(model: LoadedModel, files: ModelFiles, part: ModelPart, onProgress?: (p: LoadProgress) => void): Promise<void> {
  if (!isPart(part)) throw new Error(`addModelPart: unknown part "${String(part)}"; expected one of ${MODEL_PART_NAMES.map((n) => `"${n}"`).join(', ')}`);
  if (hasPart(model, part)) return;
  const rel = partFile(model.config, part);
  const bytes = await files.bytes(rel, (loaded, total) => onProgress?.({ file: rel, loaded, total }));
  const graph = await graphOf(model.config, part, bytes, (r) => `${r} in ${files.where}`);
  const loop = part === 'eagle' ? await loopOf(files) : null;
  if (part === 'heads') model.heads = graph as DraftHeads;
  else if (part === 'eagle') model.eagle = graph as CausalLM;
  else model.draftModel = graph as CausalLM;
  if (loop) model.eagleLoop = loop;
  const release = model.release;
  model.release = async () => {
    await release();
    await graph.release();
    await loop?.release();
  };
}

/** The EAGLE head's one-run draft graph, where the folder has one and the backend can run it (wasm). */
async function loopOf(files: ModelFiles): Promise<DraftLoop | null> {
  return ortBackend() === 'wasm' ? loadDraftLoop(files, 'eagle') : null;
}

/** Whether the model has this part's graph loaded. */
export function hasPart(model: Pick<LoadedModel, 'heads' | 'draftModel' | 'eagle'>, part: ModelPart): boolean {
  return !!(part === 'heads' ? model.heads : part === 'eagle' ? model.eagle : model.draftModel);
}
