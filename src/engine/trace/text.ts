/**
 * Whether a decode trace's texts are what its tokens spell. replayTrace checks the steps
 * against each other, but without the tokenizer it cannot know that a step's `text` (or the
 * prompt's, or the result's) belongs to its tokens, so an edited text would be shown as if
 * it had been decoded. With the model's token bytes the texts are rebuilt exactly as the
 * loop writes them (speculative.ts emit/done): one streaming UTF-8 decoder over the emitted
 * tokens, a stopping EOS not spelled, the decoder's final flush on the last step.
 */
import type { ReplayMismatch } from './replay.ts';
import type { Trace } from './schema.ts';
import { StreamDecoder } from '../runtime/tokenizer.ts';

const quote = (s: string) => JSON.stringify(s.length > 60 ? `${s.slice(0, 57)}...` : s);

function decodeAll(bytesOf: (id: number) => Uint8Array, ids: readonly number[]): string {
  const d = new StreamDecoder(bytesOf);
  let out = '';
  for (const id of ids) out += d.push(id);
  return out + d.flush();
}

/**
 * The first text in `trace` that its tokens do not spell under `tokenBytes` (the trace's
 * own model's), or null. The trace must already have been checked by parseTrace, so every
 * id is inside the vocabulary.
 */
export function traceTextMismatch(trace: Trace, tokenBytes: (id: number) => Uint8Array): ReplayMismatch | null {
  const promptText = decodeAll(tokenBytes, trace.prompt.ids.slice(1));
  if (trace.prompt.text !== promptText) {
    return { step: null, message: `prompt.text is ${quote(trace.prompt.text)}, but prompt.ids spell ${quote(promptText)}` };
  }
  const { stopAtEos } = trace.config;
  const eos = trace.model.eos_token_id;
  const stream = new StreamDecoder(tokenBytes);
  const kept: number[] = [];
  for (const [i, s] of trace.steps.entries()) {
    let text = '';
    for (const t of s.emitted) {
      if (stopAtEos && t === eos) break;
      kept.push(t);
      text += stream.push(t);
    }
    // The final flush (U+FFFD for an unfinished character) is on the last step; replay also takes files without it there.
    const flush = i === trace.steps.length - 1 ? stream.flush() : '';
    if (s.text !== text + flush && !(flush && s.text === text)) {
      text += flush;
      return { step: i, message: `step ${i}: text is ${quote(s.text)}, but its tokens [${s.emitted.join(',')}] spell ${quote(text)}` };
    }
  }
  const resultText = decodeAll(tokenBytes, kept);
  if (trace.result.text !== resultText) {
    return { step: null, message: `result.text is ${quote(trace.result.text)}, but result.tokens spell ${quote(resultText)}` };
  }
  return null;
}
