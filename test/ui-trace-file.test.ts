/**
 * The page's trace import (src/ui/trace-file.ts) must accept and refuse exactly what the
 * engine's parseTrace does, and also refuse a trace whose steps do not add up.
 */
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { parseTrace } from '../src/engine/trace/trace.ts';
import { parseTraceText, traceFileName } from '../src/ui/trace-file.ts';
import { ROOT } from './model-paths.ts';

const text = readFileSync(join(ROOT, 'public/example-trace.json'), 'utf8');

const message = (f: () => unknown) => {
  try {
    f();
  } catch (e) {
    return (e as Error).message;
  }
  return null;
};

describe('parseTraceText', () => {
  it('reads the shipped example as the engine does', () => {
    expect(parseTraceText(text, 'example')).toEqual(parseTrace(text, 'example'));
  });

  it('refuses what parseTrace refuses, with the same message', () => {
    const broken = [
      'not json',
      '[]',
      '{"format":"something-else"}',
      text.replace('"version": 2', '"version": 3'),
      text.replace('"vocab_size":', '"vocab_size":-'),
      text.replace('"emitted":[', '"emitted":[99999,'),
    ];
    for (const t of broken) {
      const engine = message(() => parseTrace(t, 'f.json'));
      expect(engine, t.slice(0, 40)).not.toBeNull();
      expect(message(() => parseTraceText(t, 'f.json'))).toBe(engine);
    }
  });

  it('refuses a well-formed trace whose steps do not add up, naming the step', () => {
    const trace = JSON.parse(text);
    trace.steps[2].kvAfter += 1;
    const err = message(() => parseTraceText(JSON.stringify(trace), 'The file "edited.json"'));
    expect(err).toMatch(/^The file "edited\.json" is a decode trace whose steps do not add up: step 2: /);
  });

  it('names files safely', () => {
    const trace = parseTraceText(text, 'x');
    expect(traceFileName({ ...trace, model: { ...trace.model, id: '../evil id' } })).toMatch(/^trace-\.\._evil_id-[a-z-]+-seed\d+\.json$/);
  });
});
