/**
 * The prompt policy every decoder shares: BOS first, then at least one prompt token, and
 * no more than n_positions - 1 of them so the prompt fits the context with BOS. Decoding
 * then feeds tokens at positions < n_positions; the last token can come from the logits
 * at position n_positions - 1 without being fed, so prompt + new tokens is at most
 * n_positions + 1 long, and a decoder stops with `context_full` when the next token would
 * need position n_positions.
 */
import type { TextTokenizer } from '../runtime/tokenizer.ts';

export type Prompt = string | { ids: readonly number[] };

/** Prompt ids with the leading BOS, checked against the policy above. */
export function preparePrompt(tokenizer: TextTokenizer, nPositions: number, prompt: Prompt): number[] {
  let ids: number[];
  if (typeof prompt === 'string') {
    ids = [tokenizer.bosId, ...tokenizer.encode(prompt)];
  } else if (prompt && Array.isArray(prompt.ids)) {
    ids = [...prompt.ids];
    if (ids[0] !== tokenizer.bosId) {
      throw new Error(
        `prompt ids must start with the BOS token (id ${tokenizer.bosId}), found ${ids.length ? `id ${ids[0]}` : 'an empty list'}; ` +
          'prepend it, or pass the prompt as a string and it is added for you',
      );
    }
    for (const id of ids) {
      if (!Number.isInteger(id) || id < 0 || id >= tokenizer.vocabSize) {
        throw new Error(`prompt id ${id} is outside the vocabulary [0, ${tokenizer.vocabSize})`);
      }
    }
  } else {
    throw new Error(`a prompt is a string or { ids: number[] }, got ${JSON.stringify(prompt)}`);
  }
  const n = ids.length - 1;
  if (n === 0) throw new Error('the prompt is empty: type some text to continue (the model needs at least one token after BOS)');
  if (n > nPositions - 1) {
    throw new Error(
      `the prompt is ${n} tokens but the model's context is ${nPositions} positions, ` +
        `so at most ${nPositions - 1} prompt tokens fit after BOS; shorten the prompt`,
    );
  }
  return ids;
}
