/**
 * The messages between the UI and the engine worker (protocol v2), as two discriminated
 * unions shared by both sides, so that a misspelt or incomplete message is a compile error.
 * In: `{ type, ... }` (load, run, stop). Out: `{ status, ... }` (loading, model-info,
 * progress, ready, steps, run-result, complete, error).
 *
 * A `run` decodes the prompt twice, one after the other: speculatively with the chosen
 * drafter, then autoregressively (drafter `none`, the same sampling settings and seed) as
 * the baseline. Step records stream in batches (`steps`), each run's totals follow it
 * (`run-result`), and `complete` brings the speedup and the speculative run's trace.
 *
 * Stepping is the UI's, not the worker's: the worker always decodes a run to its end (or to
 * Stop), and Step / Pause move a cursor over the steps already received. The seed fixes
 * every random draw, so when you look changes nothing, and the measured times never include
 * a pause. `stop` really interrupts: the loop checks it between steps, so a run ends within
 * one decode step of the message arriving (`complete.stepsAfterStop` says how many).
 *
 * Everything here is structured-clone data: no tensors, sessions or class instances.
 */
import type {
  Acceptance,
  DefaultTreeName,
  DrafterName,
  Metrics,
  ModelPart,
  StepRecord,
  StopReason,
} from '../engine/index.ts';
import type { PromptSuites } from '../engine/suites.ts';

/** What a run decodes and how: everything a shared link must carry to reproduce it. */
export interface RunSettings {
  drafter: DrafterName;
  /** Chain length (heads, draft-model, prompt-lookup); ignored by none and heads-tree. */
  k: number;
  /** heads-tree's shape. */
  tree: DefaultTreeName;
  /** Chains only: +2 drafts after a fully accepted step, -1 otherwise. */
  adaptive: boolean;
  /** heads and draft-model: stop drafting below this top probability (0 = off). */
  pMin: number;
  /** 'typical' is Medusa's LOSSY typical acceptance (needs temperature > 0). */
  acceptance: Acceptance;
  /** 0 = greedy. */
  temperature: number;
  /** 0 = off. */
  topK: number;
  /** 1 = off. */
  topP: number;
  seed: number;
  maxTokens: number;
  prompt: string;
}

/** UI -> worker. */
export type WorkerRequest =
  | {
      type: 'load';
      modelId: string;
      /** Absolute URL of the model folder (ends with '/'). */
      modelUrl: string;
      /** Absolute URL of the folder serving onnxruntime-web's .mjs/.wasm runtime (ends with '/'). */
      ortUrl: string;
      /** Graphs besides the base model; default both (every drafter then works). */
      parts?: ModelPart[];
    }
  | { type: 'run'; requestId: number; settings: RunSettings }
  /** Interrupt the running decode (speculative or baseline); `complete` follows with stopped: true. */
  | { type: 'stop' };

export type RunKind = 'spec' | 'baseline';

/** One run's totals (the steps themselves came in `steps` messages). */
export interface RunSummary {
  /** New tokens, a stopping EOS included. */
  tokens: number[];
  text: string;
  /** Prompt tokens, not counting BOS. */
  promptTokens: number;
  stopReason: StopReason;
  /** Target forwards (the prefill included) and drafter forwards. */
  forwards: { target: number; draft: number };
  elapsedMs: number;
  lossy: boolean;
  metrics: Metrics;
}

/** What the page needs of the model before its graphs have downloaded. */
export interface ModelInfo {
  /** config.json's id, as traces record it (the folder name may differ). */
  id: string;
  vocabSize: number;
  contextLength: number;
  eosId: number;
  numHeads: number;
  /** Display text of every token id (a lone UTF-8 fragment shows as U+FFFD). */
  vocab: string[];
  /** The model folder's prompt suites plus the built-in repetitive one; null when it has no prompts.json. */
  suites: PromptSuites | null;
}

/** Which step failed: the UI's Retry repeats that step. */
export type ErrorPhase = 'load' | 'run';

/** Worker -> UI. */
export type WorkerResponse =
  | { status: 'loading'; modelId: string }
  /** config.json, tokenizer.json and prompts.json are in; the graphs are still downloading. */
  | { status: 'model-info'; info: ModelInfo }
  /** Bytes of one model file so far; several files download at once. */
  | { status: 'progress'; file: string; loaded: number; total: number | null }
  | { status: 'ready'; modelId: string; threads: number; crossOriginIsolated: boolean; parts: ModelPart[] }
  /** Step records since the previous batch (batched in time, never one message per token). */
  | { status: 'steps'; requestId: number; run: RunKind; steps: StepRecord[] }
  | { status: 'run-result'; requestId: number; run: RunKind; result: RunSummary }
  | {
      status: 'complete';
      requestId: number;
      /** Stop arrived before both runs finished (the baseline is skipped if the speculative run was stopped). */
      stopped: boolean;
      /** Decode steps the loop finished after the Stop message arrived (0 or 1); null without a Stop. */
      stepsAfterStop: number | null;
      /** Measured tokens/s of the speculative run over the baseline's; null if either did not finish. */
      speedup: number | null;
      /** The speculative run as a decode trace (docs/trace-format.md), timings included. */
      traceJson: string;
    }
  | { status: 'error'; phase: ErrorPhase; requestId?: number; message: string };
