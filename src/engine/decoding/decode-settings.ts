/**
 * Decoding options shared by every decoder (plain, speculative, the CLI, the page), their
 * defaults and their checks. No runtime here, so traces and the page can use it without
 * pulling in onnxruntime-web.
 */
import { PROCESSORS_OFF, validateProcessors, type ProcessorSettings } from './processors.ts';
import { validateSampling, type SamplingParams } from './sampling.ts';

export interface GenerateOptions {
  maxTokens: number;
  /** Hugging Face's repetition_penalty, applied before temperature/top-k/top-p; 1 (default) = off. */
  repetitionPenalty?: number;
  /** Hugging Face's no_repeat_ngram_size; 0 (default) = off. */
  noRepeatNgramSize?: number;
  /** 0 (default) = greedy. */
  temperature?: number;
  /** 0 (default) = off. */
  topK?: number;
  /** 1 (default) = off. */
  topP?: number;
  /** Seed of the Rng that draws one uniform per sampled token; default 0. Unused when greedy. */
  seed?: number;
  /** Stop after emitting EOS (default true). Off, EOS is an ordinary token. */
  stopAtEos?: boolean;
  signal?: AbortSignal;
  /** Called per new token with the text it completes ('' while a character is split across tokens, and for a stopping EOS). */
  onToken?: (token: number, text: string) => void;
}

export type StopReason = 'max_tokens' | 'eos' | 'context_full' | 'aborted';

export interface DecodeSettings extends SamplingParams, ProcessorSettings {
  maxTokens: number;
  seed: number;
  stopAtEos: boolean;
}

/** Options with their defaults, or an error naming the bad one and what it should be. */
export function decodeSettings(opts: GenerateOptions): DecodeSettings {
  if (!opts || typeof opts !== 'object') throw new Error('generate options are required: at least { maxTokens }');
  const { maxTokens } = opts;
  if (!(Number.isInteger(maxTokens) && maxTokens > 0)) {
    throw new Error(`maxTokens must be a positive integer, got ${String(maxTokens)}`);
  }
  const s: DecodeSettings = {
    maxTokens,
    repetitionPenalty: opts.repetitionPenalty ?? PROCESSORS_OFF.repetitionPenalty,
    noRepeatNgramSize: opts.noRepeatNgramSize ?? PROCESSORS_OFF.noRepeatNgramSize,
    temperature: opts.temperature ?? 0,
    topK: opts.topK ?? 0,
    topP: opts.topP ?? 1,
    seed: opts.seed ?? 0,
    stopAtEos: opts.stopAtEos ?? true,
  };
  validateProcessors(s);
  validateSampling(s);
  if (!(Number.isSafeInteger(s.seed) && s.seed >= 0)) throw new Error(`seed must be a non-negative integer, got ${String(s.seed)}`);
  if (typeof s.stopAtEos !== 'boolean') throw new Error(`stopAtEos must be true or false, got ${String(s.stopAtEos)}`);
  return s;
}
