/**
 * A trace's texts must be what its tokens spell. replayTrace cannot see that (it has no
 * tokenizer), so an edit that keeps the steps and the result consistent with each other
 * passes it; traceTextMismatch, with the model's token bytes, names the step. The page
 * refuses such a trace when the model is loaded, and when it is not yet, shows the trace
 * with its texts hidden and checks it as model-info arrives.
 */
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';

import { buildTrace, createDrafter, parseTrace, replayTrace, speculativeGenerate, traceToJson, type LoadedModel, type Trace, decodeConfig, specOptionsOf, type DecodeConfigInput } from '../src/engine/index.ts';
import { traceTextMismatch } from '../src/engine/trace/text.ts';
import { selectTextNote, useStore } from '../src/ui/store/index.ts';
import { parseTraceText } from '../src/ui/trace-file.ts';
import type { ModelInfo } from '../src/worker/protocol.ts';
import { loadTestModel, MODEL_DIR } from './model-paths.ts';

let model: LoadedModel;
let trace: Trace;
let info: ModelInfo;
const initial = useStore.getState();

async function record(input: DecodeConfigInput, prompt = 'And God said, Let there be light:'): Promise<Trace> {
  const cfg = decodeConfig(input);
  const result = await speculativeGenerate(model, createDrafter(model, cfg), prompt, specOptionsOf(cfg));
  return parseTrace(traceToJson(buildTrace(result, cfg, model), { timings: false }));
}

beforeAll(async () => {
  model = await loadTestModel();
  trace = await record({ drafter: 'heads', k: 3, maxTokens: 20 });
  info = {
    id: trace.model.id,
    vocabSize: trace.model.vocab_size,
    contextLength: trace.model.n_positions,
    eosId: trace.model.eos_token_id,
    bosId: trace.model.bos_token_id,
    numHeads: model.config.heads.num_heads,
    vocab: Array.from({ length: trace.model.vocab_size }, (_, i) => model.tokenizer.decode([i])),
    tokenizerJson: readFileSync(join(MODEL_DIR, 'tokenizer.json'), 'utf8'),
    suites: null,
  };
}, 120_000);

afterAll(async () => {
  await model?.release();
});

/** A copy of the trace with step 2's text replaced and result.text changed to match, so the steps still add up. */
function consistentlyEdited(t: Trace, text = 'LIES'): Trace {
  const e = structuredClone(t);
  const before = e.steps.slice(0, 2).map((s) => s.text).join('');
  const after = e.steps.slice(3).map((s) => s.text).join('');
  e.steps[2]!.text = text;
  e.result.text = before + text + after;
  return e;
}

describe('traceTextMismatch', () => {
  it('finds nothing in recorded traces, greedy or sampled, chain or tree, with multi-byte text', async () => {
    const cases: Array<[DecodeConfigInput, string]> = [
      [{ drafter: 'none', maxTokens: 12 }, 'In the beginning'],
      [{ drafter: 'heads-tree', tree: 'tree-8', temperature: 1, seed: 3, maxTokens: 24 }, 'Naïve café — “quoted” ☃ 日本'],
      [{ drafter: 'prompt-lookup', k: 4, temperature: 0.8, seed: 5, maxTokens: 24 }, 'ab ab ab ab'],
    ];
    expect(traceTextMismatch(trace, model.tokenizer.tokenBytes)).toBeNull();
    for (const [cfg, prompt] of cases) expect(traceTextMismatch(await record(cfg, prompt), model.tokenizer.tokenBytes), prompt).toBeNull();
  }, 60_000);

  it('names the step whose text its tokens do not spell, where replay alone sees nothing wrong', () => {
    const edited = consistentlyEdited(trace);
    expect(replayTrace(edited).mismatch).toBeNull();
    const m = traceTextMismatch(edited, model.tokenizer.tokenBytes);
    expect(m?.step).toBe(2);
    expect(m?.message).toMatch(/^step 2: text is "LIES", but its tokens \[[\d,]+\] spell /);
  });

  it('checks the prompt and the result text too', () => {
    const prompt = structuredClone(trace);
    prompt.prompt.text = 'something else';
    expect(traceTextMismatch(prompt, model.tokenizer.tokenBytes)?.message).toMatch(/^prompt\.text is "something else", but prompt\.ids spell /);
    const result = structuredClone(trace);
    result.result.text += '!';
    expect(traceTextMismatch(result, model.tokenizer.tokenBytes)?.message).toMatch(/^result\.text is .*, but result\.tokens spell /);
  });
});

describe('the page', () => {
  beforeEach(() => useStore.setState(initial, true));
  const json = (t: Trace) => traceToJson(t, { timings: false });

  it('with the model loaded, refuses an edited trace naming the step, and keeps what is on show', () => {
    const s = useStore.getState();
    s.receive({ status: 'model-info', info });
    expect(s.showTrace('import', 'good.json', trace, json(trace))).toBe(true);
    expect(useStore.getState().stepper.textCheck).toBe('checked');
    const edited = consistentlyEdited(trace);
    const parsed = parseTraceText(json(edited), 'The file "edited.json"');
    expect(s.showTrace('import', 'edited.json', parsed, json(edited))).toBe(false);
    const st = useStore.getState().stepper;
    expect(st.importError).toMatch(/^The file "edited\.json" is a decode trace whose text does not match its tokens: step 2: text is "LIES"/);
    expect(st.source?.label).toBe('good.json');
    expect(st.trace).toBe(trace);
  });

  it('before the model loads, shows a trace with its text hidden, then takes an edited one off show when model-info arrives', () => {
    const s = useStore.getState();
    const edited = consistentlyEdited(trace);
    expect(s.showTrace('import', 'edited.json', edited, json(edited))).toBe(true);
    expect(useStore.getState().stepper.textCheck).toBe('unchecked');
    expect(selectTextNote(useStore.getState())).toMatch(/shown once the model has loaded/);
    s.receive({ status: 'model-info', info });
    const st = useStore.getState().stepper;
    expect(st.trace).toBeNull();
    expect(st.source).toBeNull();
    expect(st.importError).toMatch(/step 2: .*no longer shown/);
  });

  it('before the model loads, a genuine trace is checked as model-info arrives and its text then shows', () => {
    const s = useStore.getState();
    s.showTrace('import', 'good.json', trace, json(trace));
    s.receive({ status: 'model-info', info });
    expect(useStore.getState().stepper).toMatchObject({ trace, textCheck: 'checked', importError: null });
    expect(selectTextNote(useStore.getState())).toBeNull();
  });

  it("a trace of another model stays unchecked, with a note saying its text cannot be checked", () => {
    const s = useStore.getState();
    s.receive({ status: 'model-info', info });
    const other = { ...structuredClone(trace), model: { ...trace.model, id: 'another-model' } };
    expect(s.showTrace('import', 'other.json', other, json(other))).toBe(true);
    expect(useStore.getState().stepper.textCheck).toBe('unchecked');
    expect(selectTextNote(useStore.getState())).toMatch(/cannot be checked: it comes from model another-model, not the loaded/);
  });
});
