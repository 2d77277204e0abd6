/**
 * The messages between the UI and the engine worker, as two discriminated unions shared by
 * both sides, so that a misspelt or incomplete message is a compile error.
 * In: `{ type, ... }`. Out: `{ status, ... }` (loading, progress, ready, update, complete, error).
 * Everything here is structured-clone data: no tensors, sessions or class instances.
 */
import type { StopReason } from '../engine/index.ts';

/** UI -> worker. */
export type WorkerRequest =
  | {
      type: 'load';
      modelId: string;
      /** Absolute URL of the model folder (ends with '/'). */
      modelUrl: string;
      /** Absolute URL of the folder serving onnxruntime-web's .mjs/.wasm runtime (ends with '/'). */
      ortUrl: string;
    }
  | { type: 'generate'; requestId: number; prompt: string; maxNewTokens: number }
  /** Interrupt the running generation; it completes with stopReason 'aborted'. */
  | { type: 'stop' };

/** What a finished generation reports back (the token ids stay in the worker). */
export interface GenerationSummary {
  text: string;
  /** Prompt tokens, not counting BOS. */
  promptTokens: number;
  newTokens: number;
  stopReason: StopReason;
  forwards: number;
  elapsedMs: number;
}

/** Which step failed: the UI's Retry repeats that step. */
export type ErrorPhase = 'load' | 'generate';

/** Worker -> UI. */
export type WorkerResponse =
  | { status: 'loading'; modelId: string }
  /** Bytes of one model file so far; several files may download at once. */
  | { status: 'progress'; file: string; loaded: number; total: number | null }
  | { status: 'ready'; modelId: string; contextLength: number; threads: number; crossOriginIsolated: boolean }
  /** Text generated since the previous update (batched, not one message per token). */
  | { status: 'update'; requestId: number; delta: string; newTokens: number }
  | { status: 'complete'; requestId: number; result: GenerationSummary }
  | { status: 'error'; phase: ErrorPhase; requestId?: number; message: string };
