/**
 * The engine's browser-safe public API (worker, CLI, tests). nodeFiles is deliberately not
 * here: import it from './runtime/node-files.ts' in Node-only code.
 */
export { parseConfig, lmIoNames, type ModelConfig, type LMConfig, type HeadsConfig } from './runtime/config.ts';
export { urlFiles, MissingModelFileError, type ModelFiles } from './runtime/files.ts';
export { createTokenizer, splitChunks, StreamDecoder, type TextTokenizer } from './runtime/tokenizer.ts';
export { configureOrt, createSession, lmSignature, headsSignature, type GraphSignature, type TensorSpec } from './runtime/session.ts';
export { KVCache, type KVShape, type KVStore } from './runtime/kv-cache.ts';
export { CausalLM, DraftHeads, causalBias, type ForwardResult } from './runtime/lm.ts';
export { loadModel, type LoadedModel, type LoadOptions, type LoadProgress, type ModelPart } from './runtime/model.ts';
export { preparePrompt, type Prompt } from './decoding/prompt.ts';
export {
  generate,
  decodeSettings,
  type GenerateOptions,
  type GenerateResult,
  type StopReason,
  type DecodeSettings,
} from './decoding/generate.ts';
export { yieldToEventLoop } from './decoding/event-loop.ts';
export { Rng } from './decoding/rng.ts';
export { argmax, sampleFrom, toProbs, validateSampling, type SamplingParams } from './decoding/sampling.ts';
export {
  speculativeGenerate,
  type SpecOptions,
  type SpecResult,
  type StepRecord,
  type StepTimings,
  type Acceptance,
} from './decoding/speculative.ts';
export { createDrafter, resolveTree, defaultK, DEFAULT_TREE, type DrafterSettings } from './drafters/index.ts';
export { DRAFTER_NAMES, DRAFTERS, drafterEntry, MAX_DEPTH, type DrafterEntry, type DraftShape } from './drafters/registry.ts';
export type { Drafter, DrafterName, Draft, DraftNodeInfo } from './drafters/types.ts';
export {
  applicableConfig,
  baselineOf,
  configLabel,
  decodeConfig,
  specOptionsOf,
  type DecodeConfig,
  type DecodeConfigInput,
} from './decoding/decode-config.ts';
export {
  buildTree,
  chainTree,
  DEFAULT_TREES,
  MAX_TREE_NODES,
  type Tree,
  type TreeSpec,
  type DefaultTreeName,
} from './decoding/tree.ts';
export type {
  VerifyResult,
  VerifyMethod,
  DraftDecision,
  MatchDecision,
  RatioDecision,
  TypicalDecision,
  FinalToken,
  TopEntry,
} from './verify/chain.ts';
export { TYPICAL_DEFAULTS, type TypicalParams } from './verify/typical.ts';
export {
  computeMetrics,
  speedup,
  leviathanSpeedup,
  expectedTokensPerStep,
  TIMED_METRICS,
  type Metrics,
  type MetricsSource,
  type MetricsStep,
  type SpeedupRun,
} from './trace/metrics.ts';
export {
  buildTrace,
  traceToJson,
  parseTrace,
  replayTrace,
  stripTimings,
  MAX_TRACE_CHARS,
  TRACE_FORMAT,
  TRACE_VERSION,
  type Trace,
  type TraceConfig,
  type TraceModel,
  type TraceResult,
  type TraceStep,
  type Replay,
  type ReplayMismatch,
  toTraceConfig,
  fromTraceConfig,
} from './trace/trace.ts';
