/**
 * Decode traces in and out of the page: a trace's JSON text (an imported file, the shipped
 * example, or a run's trace from the worker) is checked field by field (trace-schema.ts) and
 * then replayed (trace-replay.ts), so only a trace whose steps add up reaches the stepper,
 * and a broken one gives an error naming the file and the problem; its texts are checked
 * against its tokens once the page has the model's tokenizer (checkTraceText). Export saves
 * the text as a file.
 */
import { traceTextMismatch } from '../engine/trace/text.ts';
import { MAX_TRACE_CHARS, parseTrace, replayTrace, type Trace } from '../engine/trace/trace.ts';
import type { ModelInfo } from '../worker/protocol.ts';
import { pageTokenizer } from './page-tokenizer.ts';

/** A checked trace from JSON text; throws an Error whose message names `where` and the problem. */
export function parseTraceText(text: string, where: string): Trace {
  const trace = parseTrace(text, where);
  const { mismatch } = replayTrace(trace);
  if (mismatch) {
    throw new Error(`${where} is a decode trace whose steps do not add up: ${mismatch.message}. Re-record the run; an edited trace cannot be shown as if it had been decoded.`);
  }
  return trace;
}

/** Whether `info` is the model `trace` was decoded with, so its tokenizer spells the trace's tokens. */
export function sameModel(trace: Trace, info: ModelInfo | null): info is ModelInfo {
  return !!info && trace.model.id === info.id && trace.model.vocab_size === info.vocabSize &&
    trace.model.bos_token_id === info.bosId && trace.model.eos_token_id === info.eosId;
}

/**
 * Checks the trace's texts (prompt, steps, result) against what its tokens spell with the
 * loaded model's tokenizer: 'checked', 'unchecked' when the page has no tokenizer for the
 * trace's model (not loaded yet, or another model), or an Error naming the first text that
 * disagrees. The page refuses such a trace rather than respelling it: an edited trace is not
 * a record of a decode, whichever field was edited.
 */
export function checkTraceText(trace: Trace, info: ModelInfo | null, where: string): 'checked' | 'unchecked' {
  const tok = sameModel(trace, info) ? pageTokenizer(info) : null;
  if (!tok) return 'unchecked';
  const mismatch = traceTextMismatch(trace, tok.tokenBytes);
  if (mismatch) {
    throw new Error(`${where} is a decode trace whose text does not match its tokens: ${mismatch.message}. Re-record the run; an edited trace cannot be shown as if it had been decoded.`);
  }
  return 'checked';
}

/** Reads and checks a user's file; the size is checked before reading so a huge file is refused at once. */
export async function readTraceFile(file: File): Promise<{ trace: Trace; text: string }> {
  const where = `The file "${file.name}"`;
  // UTF-8 text has at most 3 bytes per UTF-16 unit in a decode trace's range, and usually 1.
  if (file.size > MAX_TRACE_CHARS * 3) {
    throw new Error(`${where} is ${(file.size / 1e6).toFixed(0)} MB, far over the limit for a decode trace; record a shorter run.`);
  }
  const text = await file.text();
  return { trace: parseTraceText(text, where), text };
}

/** A file name for a trace: trace-<model>-<drafter>-seed<seed>.json, with only safe characters. */
export function traceFileName(trace: Trace): string {
  const safe = (s: string) => s.replace(/[^A-Za-z0-9._-]+/g, '_');
  return `trace-${safe(trace.model.id)}-${safe(trace.config.drafter)}-seed${trace.config.seed}.json`;
}

/** Offers `text` as a download named `name` (a Blob URL, revoked once the click has been handled). */
export function downloadText(text: string, name: string, type = 'application/json'): void {
  const url = URL.createObjectURL(new Blob([text], { type }));
  const a = document.createElement('a');
  a.href = url;
  a.download = name;
  a.style.display = 'none';
  document.body.append(a);
  a.click();
  a.remove();
  setTimeout(() => URL.revokeObjectURL(url), 1000);
}
