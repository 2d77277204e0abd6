/**
 * Decode traces in and out of the page: a trace's JSON text (an imported file, the shipped
 * example, or a run's trace from the worker) is checked field by field (trace-schema.ts) and
 * then replayed (trace-replay.ts), so only a trace whose steps add up reaches the stepper,
 * and a broken one gives an error naming the file and the problem. Export saves the text as
 * a file.
 */
import { MAX_TRACE_CHARS, parseTrace, replayTrace, type Trace } from '../engine/trace.ts';

/** A checked trace from JSON text; throws an Error whose message names `where` and the problem. */
export function parseTraceText(text: string, where: string): Trace {
  const trace = parseTrace(text, where);
  const { mismatch } = replayTrace(trace);
  if (mismatch) {
    throw new Error(`${where} is a decode trace whose steps do not add up: ${mismatch.message}. Re-record the run; an edited trace cannot be shown as if it had been decoded.`);
  }
  return trace;
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
