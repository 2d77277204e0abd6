/**
 * The engine's browser-safe public API (worker, CLI, tests). nodeFiles is deliberately not
 * here: import it from './node-files.ts' in Node-only code.
 */
export { parseConfig, lmIoNames, type ModelConfig, type LMConfig, type HeadsConfig } from './config.ts';
export { urlFiles, MissingModelFileError, type ModelFiles } from './files.ts';
export { createTokenizer, splitChunks, StreamDecoder, type TextTokenizer } from './tokenizer.ts';
export { configureOrt, createSession, lmSignature, headsSignature, type GraphSignature, type TensorSpec } from './session.ts';
export { KVCache, type KVShape } from './kv-cache.ts';
export { CausalLM, DraftHeads, causalBias, type ForwardResult } from './lm.ts';
export { loadModel, type LoadedModel, type LoadOptions, type LoadProgress, type ModelPart } from './model.ts';
export { preparePrompt, type Prompt } from './prompt.ts';
export {
  generate,
  decodeSettings,
  type GenerateOptions,
  type GenerateResult,
  type StopReason,
  type DecodeSettings,
} from './generate.ts';
export { yieldToEventLoop } from './event-loop.ts';
export { Rng } from './rng.ts';
export { GREEDY, argmax, sampleFrom, toProbs, validateSampling, type SamplingParams } from './sampling.ts';
