/**
 * Logits -> the distribution a decoder samples from, and sampling from it by inverse CDF.
 *
 * Temperature, then top-k, then top-p (the order Hugging Face's logits warpers use).
 * Probabilities are float64 so that speculative verifiers can compare p against q and
 * form residuals max(0, p - q) without float32 rounding. Temperature 0 means greedy: a
 * one-hot distribution on the argmax (ties go to the lowest token id, as torch.argmax).
 */

export interface SamplingParams {
  /** 0 = greedy. */
  temperature: number;
  /** 0 = off. */
  topK: number;
  /** 1 = off. */
  topP: number;
}

export function validateSampling(p: SamplingParams): void {
  if (!(Number.isFinite(p.temperature) && p.temperature >= 0)) {
    throw new Error(`temperature must be a finite number >= 0, got ${p.temperature}`);
  }
  if (!(Number.isInteger(p.topK) && p.topK >= 0)) {
    throw new Error(`top-k must be an integer >= 0 (0 = off), got ${p.topK}`);
  }
  if (!(Number.isFinite(p.topP) && p.topP > 0 && p.topP <= 1)) {
    throw new Error(`top-p must be in (0, 1] (1 = off), got ${p.topP}`);
  }
}

export function argmax(xs: ArrayLike<number>, offset = 0, length = xs.length - offset): number {
  let best = 0;
  let bestV = -Infinity;
  for (let i = 0; i < length; i++) {
    const v = xs[offset + i]!;
    if (v > bestV) {
      bestV = v;
      best = i;
    }
  }
  return best;
}

/**
 * The sampling distribution over the vocabulary for one row of logits
 * (logits[offset .. offset+V)). Entries outside top-k / top-p are exactly 0.
 */
export function toProbs(
  logits: ArrayLike<number>,
  params: SamplingParams,
  offset = 0,
  V = logits.length - offset,
): Float64Array {
  const probs = new Float64Array(V);
  if (params.temperature === 0) {
    probs[argmax(logits, offset, V)] = 1;
    return probs;
  }
  let max = -Infinity;
  for (let i = 0; i < V; i++) max = Math.max(max, logits[offset + i]!);
  let sum = 0;
  for (let i = 0; i < V; i++) {
    const e = Math.exp((logits[offset + i]! - max) / params.temperature);
    probs[i] = e;
    sum += e;
  }
  for (let i = 0; i < V; i++) probs[i]! /= sum;
  const useK = params.topK > 0 && params.topK < V;
  const useP = params.topP < 1;
  if (!useK && !useP) return probs;

  // The kept set is the top `keep` tokens ranked by probability, ties by token id. Only the
  // cut-off probability is needed to find it, so sort the values (a native typed-array sort,
  // ~20x faster than sorting indices with a comparator) rather than the token ids.
  const sorted = Float64Array.from(probs).sort(); // ascending
  let keep = useK ? params.topK : V;
  if (useP) {
    let cum = 0;
    for (let r = 0; r < keep; r++) {
      cum += sorted[V - 1 - r]!;
      if (cum >= params.topP) {
        keep = r + 1;
        break;
      }
    }
  }
  let kept = 0;
  for (let r = 0; r < keep; r++) kept += sorted[V - 1 - r]!; // rank order, as the cumulative sum above
  const cutoff = sorted[V - keep]!;
  let above = 0;
  for (let i = 0; i < V; i++) if (probs[i]! > cutoff) above++;
  let ties = keep - above; // tokens at exactly the cut-off probability still kept: the lowest ids
  const out = new Float64Array(V);
  for (let i = 0; i < V; i++) {
    const p = probs[i]!;
    if (p > cutoff || (p === cutoff && ties-- > 0)) out[i] = p / kept;
  }
  return out;
}

/** Inverse-CDF sample: the first token whose cumulative probability exceeds u * total. */
export function sampleFrom(probs: ArrayLike<number>, u: number): number {
  let total = 0;
  for (let i = 0; i < probs.length; i++) total += probs[i]!;
  if (!(total > 0)) throw new Error('cannot sample from a distribution with no mass');
  const target = u * total;
  let cum = 0;
  let last = -1;
  for (let i = 0; i < probs.length; i++) {
    const p = probs[i]!;
    if (p <= 0) continue;
    cum += p;
    last = i;
    if (cum > target) return i;
  }
  return last; // u * total rounded to the very top of the CDF
}
