/**
 * Plain autoregressive decoding with the base model: prefill the prompt, then one token
 * per forward through the KV cache. This is the reference every speculative decoder must
 * reproduce token for token (greedy) or in distribution (sampling), and its forward count
 * is the baseline a speedup is measured against.
 */
import { yieldToEventLoop } from './event-loop.ts';
import { causalBias } from './lm.ts';
import type { LoadedModel } from './model.ts';
import { preparePrompt, type Prompt } from './prompt.ts';
import { Rng } from './rng.ts';
import { argmax, sampleFrom, toProbs, validateSampling, type SamplingParams } from './sampling.ts';
import { StreamDecoder } from './tokenizer.ts';

export interface GenerateOptions {
  maxNewTokens: number;
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

export interface GenerateResult {
  /** BOS + prompt tokens, as fed. */
  promptIds: number[];
  /** New tokens, including a stopping EOS. */
  tokens: number[];
  /** The new tokens as text, without a stopping EOS. */
  text: string;
  stopReason: StopReason;
  /** Forward passes of the base model, the prefill included. */
  forwards: number;
  elapsedMs: number;
}

export interface DecodeSettings extends SamplingParams {
  maxNewTokens: number;
  seed: number;
  stopAtEos: boolean;
}

/** Options with their defaults, or an error naming the bad one and what it should be. */
export function decodeSettings(opts: GenerateOptions): DecodeSettings {
  if (!opts || typeof opts !== 'object') throw new Error('generate options are required: at least { maxNewTokens }');
  const { maxNewTokens } = opts;
  if (!(Number.isInteger(maxNewTokens) && maxNewTokens > 0)) {
    throw new Error(`maxNewTokens must be a positive integer, got ${String(maxNewTokens)}`);
  }
  const s: DecodeSettings = {
    maxNewTokens,
    temperature: opts.temperature ?? 0,
    topK: opts.topK ?? 0,
    topP: opts.topP ?? 1,
    seed: opts.seed ?? 0,
    stopAtEos: opts.stopAtEos ?? true,
  };
  validateSampling(s);
  if (!(Number.isSafeInteger(s.seed) && s.seed >= 0)) throw new Error(`seed must be a non-negative integer, got ${String(s.seed)}`);
  if (typeof s.stopAtEos !== 'boolean') throw new Error(`stopAtEos must be true or false, got ${String(s.stopAtEos)}`);
  return s;
}

export async function generate(
  model: Pick<LoadedModel, 'base' | 'tokenizer' | 'config'>,
  prompt: Prompt,
  opts: GenerateOptions,
): Promise<GenerateResult> {
  const t0 = performance.now();
  const s = decodeSettings(opts);
  const { base: lm, tokenizer, config } = model;
  const promptIds = preparePrompt(tokenizer, config.n_positions, prompt);
  const V = config.vocab_size;
  const rng = s.temperature > 0 ? new Rng(s.seed) : null;
  const stream = new StreamDecoder(tokenizer.tokenBytes);
  const tokens: number[] = [];
  let forwards = 0;
  let stopReason: StopReason = 'aborted';

  const cache = lm.newCache();
  try {
    if (opts.signal?.aborted) return done();
    // 1. prefill: the whole prompt in one forward, causal mask, positions 0..L-1
    const L = promptIds.length;
    let { logits } = await lm.forward(promptIds, [...Array(L).keys()], causalBias(L, 0), cache); // logits [L, V]
    forwards++;
    let row = L - 1;
    for (;;) {
      await yieldToEventLoop(); // lets an abort from a Stop message land
      if (opts.signal?.aborted) break;
      // 2. next token from the last row of logits
      const token = rng ? sampleFrom(toProbs(logits, s, row * V, V), rng.uniform()) : argmax(logits, row * V, V);
      tokens.push(token);
      const eos = s.stopAtEos && token === tokenizer.eosId;
      opts.onToken?.(token, eos ? '' : stream.push(token));
      // 3. stopping criteria
      if (eos) {
        stopReason = 'eos';
        break;
      }
      if (tokens.length >= s.maxNewTokens) {
        stopReason = 'max_tokens';
        break;
      }
      if (cache.length >= config.n_positions) {
        stopReason = 'context_full';
        break;
      }
      // 4. feed the token at the next position
      const P = cache.length;
      ({ logits } = await lm.forward([token], [P], causalBias(1, P), cache)); // logits [1, V]
      forwards++;
      row = 0;
    }
    return done();
  } finally {
    cache.release();
  }

  function done(): GenerateResult {
    const kept = stopReason === 'eos' ? tokens.slice(0, -1) : tokens;
    return {
      promptIds,
      tokens,
      text: tokenizer.decode(kept),
      stopReason,
      forwards,
      elapsedMs: performance.now() - t0,
    };
  }
}
