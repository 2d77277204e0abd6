/**
 * The engine worker's load in two stages, so the first token does not wait for graphs it
 * does not use: the base model and the default drafter's heads before `ready`, the draft
 * model after it, in pieces that never overlap a job (a Run pressed at `ready` starts at
 * once, or after the one piece in progress). Jobs that time things or need the draft model
 * wait for the whole second stage. Parts no stage loads (ON_DEMAND_PARTS: the EAGLE head, 7 MB)
 * load when the first job that needs them arrives, so a page that never asks for them never
 * downloads them.
 * Not here: the worker's messages (engine.worker.ts) and the loading itself (engine/model.ts).
 */
import { DEFAULT_DRAFTER, DRAFTERS, MODEL_PARTS } from '../engine/drafters/registry.ts';
import type { DrafterName } from '../engine/drafters/types.ts';
import { addModelPart, hasPart, type LoadedModel, type ModelPart } from '../engine/runtime/model.ts';
import type { ModelFiles } from '../engine/runtime/files.ts';
import type { WorkerRequest } from './protocol.ts';

/** Loaded before `ready`: the graphs of the drafter the page starts with (the registry's DEFAULT_DRAFTER). */
export const FIRST_PARTS: readonly ModelPart[] = DRAFTERS[DEFAULT_DRAFTER].parts;

export function splitParts(parts: readonly ModelPart[]): { first: ModelPart[]; later: ModelPart[] } {
  return { first: parts.filter((p) => FIRST_PARTS.includes(p)), later: parts.filter((p) => !FIRST_PARTS.includes(p)) };
}

/** How long after `ready` the second stage waits, so that a Run sent on `ready` (?autorun=1) goes first. */
export const LATER_GRACE_MS = 250;

/**
 * Runs a piece of the second stage once no job runs, and makes jobs that arrive meanwhile
 * wait for it: onnxruntime must never make a session or decode beside a job (on WebGPU that
 * hangs the job).
 */
export type Exclusive = <T>(piece: () => Promise<T>) => Promise<T>;

/**
 * Adds `later` to the model: after LATER_GRACE_MS, each part's download (a download costs
 * the worker little), then its session and its warm-up, each an `exclusive` piece. `files`
 * must fetch each file once (the worker's do), so addModelPart finds the download done.
 * Resolves with why a part failed (the jobs that need it report that), or null.
 */
export async function loadLater(
  model: LoadedModel,
  files: ModelFiles,
  later: readonly ModelPart[],
  exclusive: Exclusive,
  warm: (part: ModelPart) => Promise<void>,
): Promise<string | null> {
  await new Promise((resolve) => setTimeout(resolve, LATER_GRACE_MS));
  for (const part of later) {
    try {
      await files.bytes(MODEL_PARTS[part].file(model.config));
      await exclusive(() => addModelPart(model, files, part));
      await exclusive(() => warm(part));
    } catch (e) {
      return `${MODEL_PARTS[part].label} could not be loaded (${(e as Error).message})`;
    }
  }
  return null;
}

/** Whether a request uses a graph loaded after `ready`. */
export function usesLater(req: WorkerRequest, later: readonly ModelPart[]): boolean {
  const uses = (drafter: DrafterName) => DRAFTERS[drafter].parts.some((part) => later.includes(part));
  switch (req.type) {
    case 'run':
    case 'dist-check':
      return uses(req.settings.drafter);
    case 'compare':
      return req.settings.configs.some((c) => uses(c.drafter));
    default:
      return false;
  }
}

/** Whether a request waits for the second stage: a measurement (nothing may load beside it) or a job that uses its graphs. */
export function waitsForLater(req: WorkerRequest, later: readonly ModelPart[]): boolean {
  return req.type === 'compare' || req.type === 'measure-cost' || req.type === 'time-forwards' || usesLater(req, later);
}

/** Loaded only for a job that needs them, never in a stage. */
export const ON_DEMAND_PARTS: readonly ModelPart[] = ['eagle'];

/** The on-demand parts a request needs that the model does not have yet. */
export function missingOnDemand(req: WorkerRequest, model: LoadedModel): ModelPart[] {
  const drafters: DrafterName[] =
    req.type === 'run' || req.type === 'dist-check' ? [req.settings.drafter] : req.type === 'compare' ? req.settings.configs.map((c) => c.drafter) : [];
  const parts = new Set(drafters.flatMap((d) => DRAFTERS[d].parts));
  return ON_DEMAND_PARTS.filter((p) => parts.has(p) && !hasPart(model, p));
}
