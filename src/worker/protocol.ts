/**
 * The messages between the UI and the engine worker (protocol v2), as two discriminated
 * unions shared by both sides, so that a misspelt or incomplete message is a compile error.
 * In: `{ type, ... }` (load, run, compare, measure-cost, time-forwards, dist-check, stop). Out:
 * `{ status, ... }` (loading, model-info, progress, ready, runtime-choice, steps, run-result, speedup-progress, complete,
 * compare-progress, compare-prompt, compare-complete, cost-progress, cost-curve,
 * forward-times, dist-progress, dist-check-complete, error). The worker does one job at a
 * time (a run, a comparison, a measurement or a check); `stop` ends whichever it is.
 *
 * A `run` decodes the prompt twice, one after the other: speculatively with the chosen
 * drafter, then autoregressively (drafter `none`, the same sampling settings and seed) as
 * the baseline. Step records stream in batches (`steps`), each run's totals follow it
 * (`run-result`); then the pair is repeated, timed only, until the speedups agree or a cap
 * (`speedup-progress` after each), and `complete` brings the speedup (median, range and
 * count of pairs, end to end and decode phase) and the first speculative run's trace.
 *
 * Stepping is the UI's, not the worker's: the worker always decodes a run to its end (or to
 * Stop), and Step / Pause move a cursor over the steps already received. The seed fixes
 * every random draw, so when you look changes nothing, and the measured times never include
 * a pause. `stop` really interrupts: the loop checks it between steps, so a run ends within
 * one decode step of the message arriving (`complete.stepsAfterStop` says how many).
 *
 * A `compare` is the bench (src/cli/bench.ts) in the page: for each prompt of a suite, the
 * autoregressive baseline at each temperature the configurations use, then every
 * configuration, interleaved so machine drift hits all alike, after a short untimed warm-up
 * of each. One `compare-prompt` per finished prompt carries its figures; a Stop drops the
 * prompt in progress. `measure-cost` times bare target forwards over n = 1..maxN new tokens
 * after a realistic context: the cost curve t(n) the Speedup simulator projects from.
 *
 * The runtime (backend and thread count) is fixed when a worker's onnxruntime initialises,
 * so the engine worker compares runtimes with nested workers (runtime-probe.ts), while it
 * is idle: `time-forwards` times bare 1-token and (k+1)-token forwards in one worker,
 * `forward-times` says which runtime measured them, and `runtime-choice` tells the page
 * what was measured and chosen (and what localStorage should remember).
 *
 * A `dist-check` is losslessness under sampling made visible: N seeded samples of the next
 * few tokens after the prompt, speculatively and autoregressively, and per position the two
 * histograms, their total variation and a chi-square test of homogeneity
 * (src/engine/bench/dist-check.ts).
 *
 * Everything here is structured-clone data: no tensors, sessions or class instances.
 */
import type {
  DefaultTreeName,
  DrafterName,
  Metrics,
  ModelPart,
  StepRecord,
  StopReason,
} from '../engine/index.ts';
import type { RunCost } from '../engine/bench/figures.ts';
import type { BenchPrompt } from '../engine/bench/results-file.ts';
import type { DecodeConfig } from '../engine/decoding/decode-config.ts';
import type { PositionCheck } from '../engine/bench/dist-check.ts';
import type { PromptSuites, SuiteName } from '../engine/bench/suites.ts';
import type { RuntimeChoice } from './runtime-choice.ts';
import type { SpeedupFigures } from './speedup-repeats.ts';

/**
 * What a run decodes and how: everything a shared link must carry to reproduce it. The page
 * keeps a value for every knob (k and a default tree too) while another drafter is chosen.
 */
export type RunSettings = Omit<DecodeConfig, 'k' | 'tree'> & { k: number; tree: DefaultTreeName; prompt: string };

/** onnxruntime-web's execution provider: 'wasm' (CPU) or 'webgpu' (KV cache on the GPU). */
export type Backend = 'wasm' | 'webgpu';

/** What a worker's onnxruntime runs on; threads are wasm threads (WebGPU still runs some CPU ops). */
export interface RuntimeSetting {
  backend: Backend;
  threads: number;
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
      /**
       * The runtime: fixed (the link's ?backend=, or a candidate the runtime measurement
       * tries; `note` says why for the page, null for a candidate, which measures nothing), or
       * chosen by the worker (runtime-choice.ts) from localStorage's remembered text, measuring
       * when it remembers nothing for this model and machine. Threads > 1 only take effect
       * on a cross-origin isolated page.
       */
      runtime: { fixed: RuntimeSetting; note: string | null } | { remembered: string | null };
    }
  | { type: 'run'; requestId: number; settings: RunSettings }
  | { type: 'compare'; requestId: number; settings: CompareSettings }
  | {
      type: 'measure-cost';
      requestId: number;
      /** Tokens already in the KV cache before each timed forward (capped at the model's context minus maxN). */
      context: number;
      /** Largest n timed: n = 1..maxN. */
      maxN: number;
      /** Timed forwards per n (after one untimed); the curve keeps their median. */
      reps: number;
    }
  | {
      type: 'time-forwards';
      requestId: number;
      /** Tokens in the KV cache before each timed forward. */
      context: number;
      /** New tokens per timed forward, e.g. [1, 5]: a plain decode step and a k = 4 verify step. */
      tokens: number[];
      /** Timed forwards per size (after one untimed round); the median is kept. */
      reps: number;
    }
  | {
      type: 'dist-check';
      requestId: number;
      /** The prompt, sampling and drafter settings to check (maxTokens and seed are not used). */
      settings: RunSettings;
      /** Seeds 0..samples-1, one speculative and one autoregressive decode each (DIST_SAMPLES limits). */
      samples: number;
      /** Tokens after the prompt whose marginal laws are compared (DIST_POSITIONS limits). */
      positions: number;
    }
  /** Interrupt the job in progress (a decode, a comparison, a measurement); its closing message says stopped: true. */
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
  /** Decode-phase sums (engine/bench-figures.ts runCost): where the steps' time went. */
  cost: RunCost;
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
  /** tokenizer.json's text and the BOS id, so the page can count a prompt's tokens and spell a trace's (page-tokenizer.ts). */
  tokenizerJson: string;
  bosId: number;
  /** The model folder's prompt suites plus the built-in repetitive one; null when it has no prompts.json. */
  suites: PromptSuites | null;
}

/** One configuration of a comparison: a drafter, its shape, and the temperature (0 = greedy); the rest of its DecodeConfig is at the defaults (compare-config.ts). */
export type CompareConfig = Pick<DecodeConfig, 'temperature'> & { drafter: Exclude<DrafterName, 'none'>; k: number; tree: DefaultTreeName };

export interface CompareSettings {
  suite: SuiteName;
  /** The first N prompts of the suite. */
  prompts: number;
  maxTokens: number;
  configs: CompareConfig[];
}

/** t(n): the median time of a bare target forward over n new tokens, with the spread of the runs. */
export interface CostPoint {
  n: number;
  ms: number;
  minMs: number;
  maxMs: number;
}

/** Which job failed: the UI's Retry repeats that job. */
export type ErrorPhase = 'load' | 'run' | 'compare' | 'cost' | 'runtime' | 'dist-check';

/** Bounds and defaults of a distribution check's request. */
export const DIST_SAMPLES = { min: 100, max: 20_000, default: 2000 } as const;
export const DIST_POSITIONS = { min: 1, max: 8, default: 3 } as const;

/** What a distribution check found (src/engine/bench/dist-check.ts names the figures). */
export interface DistCheckResult {
  samples: number;
  /** One per position 1..n: the two histograms (top tokens + rest), TVD, chi-square and p. */
  positions: PositionCheck[];
  alpha: number;
  pass: boolean;
  /** The first position with p <= alpha, or null on a PASS. */
  failedPosition: number | null;
  /** The speculative decodes used a lossy acceptance rule (typical). */
  lossy: boolean;
}

/** Worker -> UI. */
export type WorkerResponse =
  | { status: 'loading'; modelId: string }
  /** config.json, tokenizer.json and prompts.json are in; the graphs are still downloading. */
  | { status: 'model-info'; info: ModelInfo }
  /** Bytes of one model file so far; several files download at once. */
  | { status: 'progress'; file: string; loaded: number; total: number | null }
  | { status: 'ready'; modelId: string; backend: Backend; threads: number; crossOriginIsolated: boolean; parts: ModelPart[] }
  /**
   * The runtime choice and its measurement (runtime-choice.ts). `stored`: the new text of
   * localStorage's STORAGE_KEY, for the page to keep. `restart`: the remembered runtime did
   * not load (now forgotten): start a fresh worker, which measures again.
   */
  | { status: 'runtime-choice'; choice: RuntimeChoice; stored?: string; restart?: boolean }
  /** Step records since the previous batch (batched in time, never one message per token). */
  | { status: 'steps'; requestId: number; run: RunKind; steps: StepRecord[] }
  | { status: 'run-result'; requestId: number; run: RunKind; result: RunSummary }
  /** After each timed pair while the speedup is still being measured (the figures not yet settled). */
  | { status: 'speedup-progress'; requestId: number; speedup: SpeedupFigures }
  | {
      status: 'complete';
      requestId: number;
      /** Stop arrived before both runs finished (the baseline is skipped if the speculative run was stopped). */
      stopped: boolean;
      /** Decode steps the loop finished after the Stop message arrived (0 or 1); null without a Stop. */
      stepsAfterStop: number | null;
      /** The speedup over interleaved repeated pairs (speedup-repeats.ts); null if the first pair did not finish. */
      speedup: SpeedupFigures | null;
      /** The speculative run as a decode trace (docs/trace-format.md), timings included. */
      traceJson: string;
    }
  /** Before each decode of a comparison: which prompt and which of its runs (baselines first). */
  | {
      status: 'compare-progress';
      requestId: number;
      /** 1-based; 0 while warming up. */
      prompt: number;
      prompts: number;
      /** 1-based over the baselines and the configurations. */
      run: number;
      runs: number;
      /** e.g. 'autoregressive, greedy' or 'heads k=3, greedy'. */
      label: string;
    }
  | { status: 'compare-prompt'; requestId: number; prompt: BenchPrompt }
  | { status: 'compare-complete'; requestId: number; stopped: boolean; stepsAfterStop: number | null }
  | { status: 'cost-progress'; requestId: number; done: number; total: number }
  | {
      status: 'cost-curve';
      requestId: number;
      context: number;
      reps: number;
      points: CostPoint[];
      /** Median time of one Medusa heads forward and one 1-token draft-model forward (null when not loaded): drafting costs. */
      headsMs: number | null;
      draftModelMs: number | null;
    }
  | { status: 'cost-stopped'; requestId: number }
  /** time-forwards: the median forward time per size, on the runtime this worker runs. */
  | { status: 'forward-times'; requestId: number; runtime: RuntimeSetting; context: number; reps: number; points: CostPoint[] }
  /** Samples finished so far (each: one speculative and one autoregressive decode). */
  | { status: 'dist-progress'; requestId: number; done: number; total: number }
  /** result is null when Stop ended the check early. */
  | { status: 'dist-check-complete'; requestId: number; stopped: boolean; result: DistCheckResult | null }
  | { status: 'error'; phase: ErrorPhase; requestId?: number; message: string };
