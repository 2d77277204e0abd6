/**
 * Prompt lookup decoding's matcher (Saxena 2023; Hugging Face's `prompt_lookup_num_tokens`):
 * find an earlier occurrence of the context's last n tokens and propose the tokens that
 * followed it. Model-free and deterministic, so its draft distribution q is one-hot.
 *
 * We take the most recent earlier occurrence (HF takes the first): in generated text the
 * latest repetition is the likeliest to continue. n goes from maxNgram down to minNgram,
 * so a longer, more specific match always wins. A match whose continuation runs into the
 * end of the context keeps going around the period: "a b a b" drafts "a b a b ...".
 */

/** e.g. lookupDraft([5, 6, 7, 9, 5, 6], 3, 2) -> [7, 9, 5]: "5 6" occurred at 0, followed by 7 9 5;
 *  lookupDraft([1, 2, 1, 2], 4, 2) -> [1, 2, 1, 2]: "1 2" at 0 is followed by 1 2, then the period repeats. */
export function lookupDraft(context: readonly number[], k: number, maxNgram = 3, minNgram = 1): number[] {
  if (!(Number.isInteger(k) && k >= 0)) throw new Error(`draft length k must be an integer >= 0, got ${k}`);
  if (!(Number.isInteger(minNgram) && minNgram >= 1 && maxNgram >= minNgram)) {
    throw new Error(`n-gram sizes must satisfy 1 <= min (${minNgram}) <= max (${maxNgram})`);
  }
  const L = context.length;
  if (k === 0) return [];
  for (let n = Math.min(maxNgram, L - 1); n >= minNgram; n--) {
    // candidate start s: context[s .. s+n) equals the last n tokens, and s+n < L so something follows
    for (let s = L - n - 1; s >= 0; s--) {
      let match = true;
      for (let j = 0; j < n; j++) {
        if (context[s + j] !== context[L - n + j]) {
          match = false;
          break;
        }
      }
      if (match) {
        // Copy what followed the match; when the copy runs into the end of the context the
        // text is periodic (period L - n - s), so keep copying from the draft itself.
        const out: number[] = [];
        for (let j = 0; j < k; j++) {
          const at = s + n + j;
          out.push(at < L ? context[at]! : out[at - L]!);
        }
        return out;
      }
    }
  }
  return [];
}
