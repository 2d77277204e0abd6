/**
 * Which onnxruntime runtime the engine worker decodes on (pure logic; runtime-probe.ts does
 * the measuring, in the worker). A start-up measurement times bare target forwards over 1 and k+1 = 5 new
 * tokens in two workers with different runtimes; a decode step costs about their mean (the
 * page runs every decode autoregressively too, one token per forward, and a speculative
 * step verifies k+1). The engine switches only when the other runtime is faster by a clear
 * margin, since a switch reloads the model in a fresh worker. The choice is remembered per
 * model and machine (localStorage, which the page reads and writes for the worker: workers
 * have none), so later visits start on it without measuring again.
 */
import { z } from 'zod';
import type { Backend, CostPoint, RuntimeSetting } from '../worker/protocol.ts';

/** New tokens per timed forward: a plain decode step and a k = 4 verify step. */
export const PROBE_TOKENS = [1, 5];
/** Cached tokens before each timed forward: a short prompt plus a little output. */
export const PROBE_CONTEXT = 64;
/** Timed forwards per size; the median is kept. */
export const PROBE_REPS = 9;
/** The other runtime must cost at most (1 - margin) of the current one per step to be switched to. */
export const SWITCH_MARGIN = 0.1;
/** Most threads tried: beyond 4 the toy model's small matrices gain nothing. */
export const MAX_THREADS = 4;

/** What one runtime measured: forward medians by size, or why it could not run. */
export type RuntimeTimes =
  | { runtime: RuntimeSetting; points: Array<Pick<CostPoint, 'n' | 'ms'>>; error?: undefined }
  | { runtime: RuntimeSetting; points?: undefined; error: string };

export const runtimeLabel = (r: RuntimeSetting) => `${r.backend} ${r.threads} thread${r.threads === 1 ? '' : 's'}`;
export const sameRuntime = (a: RuntimeSetting, b: RuntimeSetting) => a.backend === b.backend && a.threads === b.threads;

/** Cost of a typical decode step (ms): the mean of the forward medians; null when it failed. */
export function stepMs(t: RuntimeTimes): number | null {
  if (!t.points || t.points.length === 0) return null;
  return t.points.reduce((a, p) => a + p.ms, 0) / t.points.length;
}

/** Whether to switch from `current` to `candidate`: only to a runtime that ran and is clearly faster. */
export function preferCandidate(current: RuntimeTimes, candidate: RuntimeTimes, margin = SWITCH_MARGIN): boolean {
  const a = stepMs(current);
  const b = stepMs(candidate);
  if (b === null) return false;
  if (a === null) return true;
  return b < (1 - margin) * a;
}

export interface Machine {
  crossOriginIsolated: boolean;
  hardwareConcurrency: number;
  /** navigator.gpu gave an adapter. */
  webgpu: boolean;
}

/** The runtime a page starts on when nothing is remembered: one thread on wasm, which starts fastest. */
export const FIRST_RUNTIME: RuntimeSetting = { backend: 'wasm', threads: 1 };

/**
 * The next runtime to measure against `current`, given those already measured; null when
 * done. Threads first (1 against min(4, cores), wasm, when the page may use threads), then
 * WebGPU with the winning thread count (its CPU ops still run on wasm threads).
 * E.g. isolated, 2 cores, WebGPU: wasm 1 -> try wasm 2 -> (wasm 2 faster) -> try webgpu 2 -> null.
 */
export function nextCandidate(m: Machine, current: RuntimeSetting, tried: readonly RuntimeSetting[]): RuntimeSetting | null {
  const seen = (r: RuntimeSetting) => sameRuntime(r, current) || tried.some((t) => sameRuntime(t, r));
  const many = Math.min(MAX_THREADS, Math.floor(m.hardwareConcurrency));
  if (current.backend === 'wasm' && m.crossOriginIsolated && many >= 2) {
    const other: RuntimeSetting = { backend: 'wasm', threads: current.threads === 1 ? many : 1 };
    if (!tried.some((t) => t.backend === 'wasm') && !seen(other)) return other;
  }
  if (m.webgpu) {
    const gpu: RuntimeSetting = { backend: 'webgpu', threads: current.threads };
    if (!tried.some((t) => t.backend === 'webgpu') && !seen(gpu)) return gpu;
  }
  return null;
}

/** What localStorage keeps per model and machine. */
export interface RememberedChoice {
  runtime: RuntimeSetting;
  measured: RuntimeTimes[];
  /** ISO date of the measurement. */
  at: string;
}

/** The localStorage item: { [machineKey]: RememberedChoice }. */
export const STORAGE_KEY = 'space-runtime-choice-v1';

/** One entry per model and machine: a change of cores, isolation or WebGPU support measures again. */
export const machineKey = (modelId: string, m: Machine) =>
  `${modelId}|cores=${m.hardwareConcurrency}|isolated=${m.crossOriginIsolated}|webgpu=${m.webgpu}`;

const runtimeSchema = z.object({ backend: z.enum(['wasm', 'webgpu'] satisfies Backend[]), threads: z.number().int().min(1).max(64) });
const timesSchema = z.union([
  z.object({ runtime: runtimeSchema, points: z.array(z.object({ n: z.number().int().min(1), ms: z.number().nonnegative() })) }),
  z.object({ runtime: runtimeSchema, error: z.string() }),
]);
const storeSchema = z.record(z.string(), z.object({ runtime: runtimeSchema, measured: z.array(timesSchema), at: z.string() }));

/** Every remembered entry in the stored text; {} when there is none or it cannot be read (then measure again). */
function parseStore(stored: string | null): Record<string, RememberedChoice> {
  if (!stored) return {};
  try {
    const parsed = storeSchema.safeParse(JSON.parse(stored));
    return parsed.success ? parsed.data : {};
  } catch {
    return {};
  }
}

/** The remembered choice for `key` in the stored text, or null. */
export function readRemembered(stored: string | null, key: string): RememberedChoice | null {
  return parseStore(stored)[key] ?? null;
}

/** The stored text with `choice` under `key`, other entries kept. */
export function writeRemembered(stored: string | null, key: string, choice: RememberedChoice): string {
  return JSON.stringify({ ...parseStore(stored), [key]: choice });
}

/** The stored text without an entry for `key`. */
export function forgetRemembered(stored: string | null, key: string): string {
  const all = parseStore(stored);
  delete all[key];
  return JSON.stringify(all);
}

/**
 * What the engine worker tells the page of its runtime choice (the `runtime-choice` message).
 * off: nothing to compare (note says why); measuring: a candidate loads or forwards are being
 * timed while the engine is idle (a job stops it, and it starts over once idle again); done:
 * measured now; remembered: measured on an earlier visit.
 */
export interface RuntimeChoice {
  status: 'off' | 'measuring' | 'done' | 'remembered';
  note: string | null;
  measured: RuntimeTimes[];
  /** The runtime decoding after the measurement; null while measuring. */
  chosen: RuntimeSetting | null;
  /** ISO date of the measurement. */
  at: string | null;
}

export const NO_CHOICE: RuntimeChoice = { status: 'off', note: null, measured: [], chosen: null, at: null };

/**
 * The runtime a worker starts on, from the remembered text: the entry for `key` if any, else
 * FIRST_RUNTIME and a measurement to run.
 */
export function startingRuntime(stored: string | null, key: string): { runtime: RuntimeSetting; remembered: RememberedChoice | null } {
  const remembered = readRemembered(stored, key);
  return { runtime: remembered?.runtime ?? FIRST_RUNTIME, remembered };
}
