/**
 * Hugging Face's two repetition logits processors, with generation_config.json's names and
 * transformers.js's semantics, applied to raw logits before the warpers (temperature, top-k,
 * top-p in sampling.ts), as Hugging Face orders them:
 *   repetition_penalty    every token id present in the prefix (prompt included) has its
 *                         logit divided by the penalty when positive, multiplied when negative
 *   no_repeat_ngram_size  every token that would complete an n-gram already in the prefix
 *                         gets -Infinity
 * Lossless speculation needs them applied with each row's own prefix: a verified node's is
 * the context plus the drafted tokens on its root path, a draft's the context plus the
 * drafts before it. So a row's prefix is `context ++ tail`: the context (BOS + prompt +
 * emitted tokens) is shared by every row of a step and indexed once as it grows (it only
 * grows within a decode); the tail is a few drafted tokens, read directly.
 */

export interface ProcessorSettings {
  /** Hugging Face's repetition_penalty: > 0; 1 = off, above 1 discourages repeats. */
  repetitionPenalty: number;
  /** Hugging Face's no_repeat_ngram_size: an integer >= 0; 0 = off. */
  noRepeatNgramSize: number;
}

export const PROCESSORS_OFF: ProcessorSettings = { repetitionPenalty: 1, noRepeatNgramSize: 0 };
/** The range of repetition_penalty the page and the CLIs take (the engine takes any positive number). */
export const MIN_REPETITION_PENALTY = 0.05;
export const MAX_REPETITION_PENALTY = 10;
/** The largest n the page and the CLIs take (the engine takes any). */
export const MAX_NO_REPEAT_NGRAM_SIZE = 64;

export function validateProcessors(p: ProcessorSettings): void {
  if (!(Number.isFinite(p.repetitionPenalty) && p.repetitionPenalty > 0)) {
    throw new Error(`repetition_penalty must be a finite number > 0 (1 = off), got ${p.repetitionPenalty}`);
  }
  if (!(Number.isSafeInteger(p.noRepeatNgramSize) && p.noRepeatNgramSize >= 0)) {
    throw new Error(`no_repeat_ngram_size must be an integer >= 0 (0 = off), got ${p.noRepeatNgramSize}`);
  }
}

export const processorsOn = (p: ProcessorSettings): boolean => p.repetitionPenalty !== 1 || p.noRepeatNgramSize > 0;

/**
 * The processors for one decode. Feed it the decode's context (the same growing array, or
 * any array extending the one seen before) and each row's tail; it keeps per context token
 * O(1) state, so a step costs O(distinct context tokens + tail^2 + n * tail) per row and
 * allocates nothing proportional to the vocabulary.
 */
export class LogitsProcessors {
  readonly settings: ProcessorSettings;
  readonly on: boolean;
  /** [V] 1 where the token occurs in the indexed context. */
  private readonly seen: Uint8Array;
  /** The context's distinct tokens, in first-occurrence order. */
  private readonly distinct: number[] = [];
  /** (n-1)-gram of the context (ids joined by ',') -> the tokens that followed it there. */
  private readonly next = new Map<string, number[]>();
  /** Context tokens indexed so far, and the last of them (to catch a context that was swapped). */
  private len = 0;
  private lastToken = -1;

  constructor(
    settings: ProcessorSettings,
    readonly vocabSize: number,
  ) {
    validateProcessors(settings);
    this.settings = { ...settings };
    this.on = processorsOn(settings);
    this.seen = new Uint8Array(this.on ? vocabSize : 0);
  }

  /**
   * Process logits[offset .. offset+V) in place for the prefix context ++ tail.
   *   prefix [5, 7, 5], penalty 2: logit 5 of 3 -> 1.5, logit 7 of -1 -> -2, the rest as they were
   *   prefix [1, 2, 3, 1, 2], n = 3: the next token would complete (1, 2, ?) and (1, 2, 3)
   *   occurred, so logit 3 -> -Infinity
   */
  apply(logits: Float32Array, offset: number, context: readonly number[], tail: readonly number[] = []): void {
    if (!this.on) return;
    this.index(context);
    const { repetitionPenalty: penalty, noRepeatNgramSize: n } = this.settings;
    if (penalty !== 1) {
      const penalise = (t: number) => {
        const x = logits[offset + t]!;
        logits[offset + t] = x < 0 ? x * penalty : x / penalty;
      };
      for (const t of this.distinct) penalise(t);
      for (let i = 0; i < tail.length; i++) {
        const t = tail[i]!;
        if (!this.seen[t] && tail.indexOf(t) === i) penalise(t);
      }
    }
    if (n > 0) {
      this.banNgrams(logits, offset, context, tail, n);
      // only a prefix that has used every token can have them all banned: check just then
      if (this.distinct.length + tail.length >= this.vocabSize && !hasFinite(logits, offset, this.vocabSize)) {
        throw new Error(
          `no_repeat_ngram_size ${n} bans every one of the ${this.vocabSize} tokens after this ${context.length + tail.length}-token prefix; ` +
            'use a larger no_repeat_ngram_size, or 0 (off)',
        );
      }
    }
  }

  /** Take in the context tokens not yet indexed. */
  private index(context: readonly number[]): void {
    const L = context.length;
    if (L < this.len || (this.len > 0 && context[this.len - 1] !== this.lastToken)) {
      throw new Error(
        `LogitsProcessors: the context (${L} tokens) does not extend the one indexed before (${this.len} tokens); ` +
          'use one LogitsProcessors per decode',
      );
    }
    const n = this.settings.noRepeatNgramSize;
    for (let i = this.len; i < L; i++) {
      const t = context[i]!;
      if (!(t >= 0 && t < this.vocabSize)) throw new Error(`LogitsProcessors: token ${t} is outside the vocabulary [0, ${this.vocabSize})`);
      if (!this.seen[t]) {
        this.seen[t] = 1;
        this.distinct.push(t);
      }
      // the n-gram ending at i: context[i - n + 1 .. i]
      if (n > 0 && i - n + 1 >= 0) {
        const key = context.slice(i - n + 1, i).join(',');
        const followers = this.next.get(key);
        if (!followers) this.next.set(key, [t]);
        else if (!followers.includes(t)) followers.push(t);
      }
    }
    this.len = L;
    this.lastToken = L > 0 ? context[L - 1]! : -1;
  }

  private banNgrams(logits: Float32Array, offset: number, context: readonly number[], tail: readonly number[], n: number): void {
    const L = context.length;
    const M = L + tail.length;
    if (M < n) return; // no complete n-gram yet: nothing to repeat
    const at = (i: number) => (i < L ? context[i]! : tail[i - L]!);
    // the (n-1) tokens the next one would extend: prefix[M-n+1 .. M-1]
    const start = M - n + 1;
    // n-grams wholly inside the context, from the index (when the key lies in the context, read it from there)
    const key = Array.from({ length: n - 1 }, (_, j) => at(start + j)).join(',');
    for (const t of this.next.get(key) ?? []) logits[offset + t] = -Infinity;
    // n-grams that end in the tail: they start at j = L-n+1 .. M-n
    for (let j = Math.max(0, L - n + 1); j <= M - n; j++) {
      let same = true;
      for (let m = 0; m < n - 1 && same; m++) same = at(j + m) === at(start + m);
      if (same) logits[offset + at(j + n - 1)] = -Infinity;
    }
  }
}

function hasFinite(logits: Float32Array, offset: number, V: number): boolean {
  for (let i = 0; i < V; i++) if (logits[offset + i]! > -Infinity) return true;
  return false;
}

/** One row for one prefix, without keeping an index: for a single use (tests, toy models). */
export function processLogits(logits: Float32Array, offset: number, V: number, prefix: readonly number[], settings: ProcessorSettings): void {
  new LogitsProcessors(settings, V).apply(logits, offset, prefix);
}
