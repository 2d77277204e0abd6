/**
 * Plain autoregressive decoding with the base model: prefill the prompt, then one token
 * per forward through the KV cache. This is the reference every speculative decoder must
 * reproduce token for token (greedy) or in distribution (sampling), and its forward count
 * is the baseline a speedup is measured against.
 */
import { yieldToEventLoop } from './event-loop.ts';
import { causalBias } from '../runtime/lm.ts';
import type { LoadedModel } from '../runtime/model.ts';
import { LogitsProcessors } from './processors.ts';
import { preparePrompt, type Prompt } from './prompt.ts';
import { Rng } from './rng.ts';
import { argmax, sampleFrom, toProbs } from './sampling.ts';
import { decodeSettings, type GenerateOptions, type StopReason } from './decode-settings.ts';

export { decodeSettings, type DecodeSettings, type GenerateOptions, type StopReason } from './decode-settings.ts';
import { StreamDecoder } from '../runtime/tokenizer.ts';

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
  const processors = new LogitsProcessors(s, V);
  const context = [...promptIds]; // what the processors read: BOS + prompt + new tokens
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
      // 2. next token from the last row of logits, after the processors
      processors.apply(logits, row * V, context);
      const token = rng ? sampleFrom(toProbs(logits, s, row * V, V), rng.uniform()) : argmax(logits, row * V, V);
      tokens.push(token);
      context.push(token);
      const eos = s.stopAtEos && token === tokenizer.eosId;
      opts.onToken?.(token, eos ? '' : stream.push(token));
      // 3. stopping criteria
      if (eos) {
        stopReason = 'eos';
        break;
      }
      if (tokens.length >= s.maxTokens) {
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
