/**
 * The model's tokenizer on the page's main thread, built once per model from the
 * tokenizer.json text that model-info carries: it counts a prompt's tokens (so Run can say
 * a prompt will not fit before the worker is asked) and spells a trace's tokens (so an
 * imported trace's texts are checked against them). A tokenizer is an object with methods,
 * so it lives here, cached per ModelInfo, never in the store.
 */
import { createTokenizer, type TextTokenizer } from '../engine/runtime/tokenizer.ts';
import type { ModelInfo } from '../worker/protocol.ts';

const built = new WeakMap<ModelInfo, TextTokenizer | null>();

/** The loaded model's tokenizer, or null before model-info (or if its tokenizer.json cannot be read here). */
export function pageTokenizer(info: ModelInfo | null): TextTokenizer | null {
  if (!info) return null;
  let tok = built.get(info);
  if (tok === undefined) {
    try {
      tok = createTokenizer(info.tokenizerJson, { vocabSize: info.vocabSize, bosId: info.bosId, eosId: info.eosId }, `tokenizer.json of ${info.id}`);
    } catch (e) {
      // The worker built the same tokenizer from the same text; failing here is a bug, and the page falls back to not counting.
      console.error(e);
      tok = null;
    }
    built.set(info, tok);
  }
  return tok;
}

let last: { info: ModelInfo; prompt: string; count: number } | null = null;

/** Tokens of `prompt` after BOS, as the engine will feed them; null before model-info. Remembers the last answer (selectors ask often). */
export function promptTokenCount(info: ModelInfo | null, prompt: string): number | null {
  if (last && last.info === info && last.prompt === prompt) return last.count;
  const tok = pageTokenizer(info);
  if (!tok || !info) return null;
  const count = tok.encode(prompt).length;
  last = { info, prompt, count };
  return count;
}
