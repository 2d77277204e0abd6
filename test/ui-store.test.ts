/** The UI store (src/ui/store/): folding worker messages into state, and the stepper's position rules, without a browser. */
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { beforeEach, describe, expect, it } from 'vitest';

import type { StepRecord } from '../src/engine/decoding/speculative.ts';
import { selectPosition, selectSteps, selectVocab, totalProgress, useStore } from '../src/ui/store/index.ts';
import { parseTraceText } from '../src/ui/trace-file.ts';
import type { ModelInfo, RunSummary } from '../src/worker/protocol.ts';
import { MODEL_DIR, ROOT } from './model-paths.ts';

const initial = useStore.getState();
const exampleJson = readFileSync(join(ROOT, 'public/example-trace.json'), 'utf8');
const example = parseTraceText(exampleJson, 'example');
const steps = example.steps as StepRecord[];

const info: ModelInfo = {
  id: example.model.id,
  vocabSize: example.model.vocab_size,
  contextLength: example.model.n_positions,
  eosId: example.model.eos_token_id,
  numHeads: 4,
  vocab: Array.from({ length: example.model.vocab_size }, (_, i) => `t${i}`),
  tokenizerJson: readFileSync(join(MODEL_DIR, 'tokenizer.json'), 'utf8'),
  bosId: example.model.bos_token_id,
  suites: null,
};

const summary = (tokens: number[], stopReason: RunSummary['stopReason'] = 'max_tokens'): RunSummary => ({
  tokens,
  text: '',
  promptTokens: 3,
  stopReason,
  forwards: { target: 2, draft: 0 },
  elapsedMs: 5,
  lossy: false,
  metrics: example.metrics,
  cost: { steps: 1, tokens: 1, decodeMs: 2, draftMs: 0, draftRunMs: 0, verifyForwardMs: 1.5, verifyForwardRunMs: 1.2, verifyDecisionsMs: 0.2, acceptMs: 0.1, kvMs: 0.05 },
});

function ready() {
  const s = useStore.getState();
  s.startLoading('toy');
  s.receive({ status: 'model-info', info });
  s.receive({ status: 'ready', modelId: 'toy', backend: 'wasm', threads: 2, crossOriginIsolated: true, parts: ['heads', 'draft_model'] });
}

describe('ui store: the model', () => {
  beforeEach(() => useStore.setState(initial, true));

  it('goes loading -> model-info -> ready and keeps per-file byte progress', () => {
    const s = useStore.getState();
    s.startLoading('toy');
    s.receive({ status: 'model-info', info });
    s.receive({ status: 'progress', file: 'onnx/model.onnx', loaded: 10, total: 100 });
    s.receive({ status: 'progress', file: 'onnx/heads.onnx', loaded: 5, total: 50 });
    s.receive({ status: 'progress', file: 'onnx/model.onnx', loaded: 60, total: 100 });
    expect(useStore.getState().model.phase).toBe('loading');
    expect(useStore.getState().model.info?.vocab[3]).toBe('t3');
    expect(totalProgress(useStore.getState().model.files)).toEqual({ loaded: 65, total: 150 });
    s.receive({ status: 'ready', modelId: 'toy', backend: 'wasm', threads: 2, crossOriginIsolated: true, parts: ['heads'] });
    expect(useStore.getState().model).toMatchObject({ phase: 'ready', backend: 'wasm', threads: 2, parts: ['heads'], error: null });
  });

  it('sums bytes over files, with an unknown total when any size is unknown', () => {
    expect(totalProgress({ a: { loaded: 1, total: 2 }, b: { loaded: 3, total: null } })).toEqual({ loaded: 4, total: null });
  });

  it('shows a load error, and a crash ends a run in flight', () => {
    useStore.getState().receive({ status: 'error', phase: 'load', message: 'model file config.json not found' });
    expect(useStore.getState().model).toMatchObject({ phase: 'error', error: { kind: 'load' } });
    ready();
    useStore.getState().startRun('run');
    useStore.getState().failModel({ kind: 'crash', message: 'worker died' });
    expect(useStore.getState().run).toMatchObject({ status: 'error', error: 'worker died' });
  });

  it('reads autorun from the link as a page option, beside the settings, with a note when it is not 1 or 0', () => {
    useStore.getState().loadQuery('?autorun=1&k=2');
    expect(useStore.getState()).toMatchObject({ pageOptions: { autorun: true }, settings: { k: 2 }, urlProblems: [] });
    useStore.getState().loadQuery('?autorun=on&k=x');
    const s = useStore.getState();
    expect(s.pageOptions.autorun).toBe(false);
    expect(s.urlProblems).toEqual(['k="x" in the link is not a whole number from 1 to 32; using 4.', 'autorun="on" in the link is not 1 or 0; using false.']);
  });
});

describe('ui store: a run', () => {
  beforeEach(() => {
    useStore.setState(initial, true);
    ready();
  });

  it('streams batches into the speculative run, then the baseline, then completes with the trace', () => {
    const { requestId, settings } = useStore.getState().startRun('run');
    expect(settings).toEqual(useStore.getState().settings);
    const { receive } = useStore.getState();
    receive({ status: 'steps', requestId, run: 'spec', steps: steps.slice(0, 3) });
    receive({ status: 'steps', requestId, run: 'spec', steps: steps.slice(3) });
    let s = useStore.getState();
    expect(s.run.spec.steps).toHaveLength(steps.length);
    expect(s.run.active).toBe('spec');
    // following live: the stepper shows the newest step of the run
    expect(selectSteps(s)).toBe(s.run.spec.steps);
    expect(selectPosition(s)).toBe(steps.length - 1);
    receive({ status: 'run-result', requestId, run: 'spec', result: summary(example.result.tokens) });
    receive({ status: 'steps', requestId, run: 'baseline', steps: steps.slice(0, 1) });
    expect(useStore.getState().run.active).toBe('baseline');
    receive({ status: 'run-result', requestId, run: 'baseline', result: summary(example.result.tokens) });
    const measuring = { pairs: 2, endToEnd: { median: 1.6, min: 1.5, max: 1.7 }, decode: null, agreed: false, settled: false };
    receive({ status: 'speedup-progress', requestId, speedup: measuring });
    expect(useStore.getState().run).toMatchObject({ status: 'running', active: null, speedup: measuring });
    const figures = { ...measuring, pairs: 3, agreed: true, settled: true };
    receive({ status: 'complete', requestId, stopped: false, stepsAfterStop: null, speedup: figures, traceJson: exampleJson });
    s = useStore.getState();
    expect(s.run).toMatchObject({ status: 'done', active: null, speedup: figures });
    expect(s.stepper.trace?.result.tokens).toEqual(example.result.tokens);
    expect(s.stepper.traceJson).toBe(exampleJson);
    expect(selectVocab(s)).toBe(info.vocab);
    // an import takes its place in the stepper; the run can be put back
    s.showTrace('import', 'other.json', example, exampleJson);
    expect(useStore.getState().stepper.source?.kind).toBe('import');
    useStore.getState().showRun();
    expect(useStore.getState().stepper).toMatchObject({ source: { kind: 'run' }, trace: s.run.trace, position: 0 });
  });

  it('ignores messages of an earlier run', () => {
    const old = useStore.getState().startRun('run').requestId;
    const { requestId } = useStore.getState().startRun('run');
    const { receive } = useStore.getState();
    receive({ status: 'steps', requestId: old, run: 'spec', steps });
    receive({ status: 'error', phase: 'run', requestId: old, message: 'stale' });
    receive({ status: 'speedup-progress', requestId: old, speedup: { pairs: 1, endToEnd: { median: 2, min: 2, max: 2 }, decode: null, agreed: false, settled: false } });
    receive({ status: 'complete', requestId: old, stopped: false, stepsAfterStop: null, speedup: null, traceJson: exampleJson });
    expect(useStore.getState().run).toMatchObject({ status: 'running', requestId, error: null, speedup: null });
    expect(useStore.getState().run.spec.steps).toEqual([]);
  });

  it('records a Stop and how many steps ran after it', () => {
    const { requestId } = useStore.getState().startRun('run');
    useStore.getState().receive({ status: 'complete', requestId, stopped: true, stepsAfterStop: 1, speedup: null, traceJson: exampleJson });
    expect(useStore.getState().run).toMatchObject({ status: 'stopped', stepsAfterStop: 1 });
  });

  it('turns a run error, or an unreadable trace, into a run error', () => {
    let { requestId } = useStore.getState().startRun('run');
    useStore.getState().receive({ status: 'error', phase: 'run', requestId, message: 'the prompt is empty' });
    expect(useStore.getState().run).toMatchObject({ status: 'error', error: 'the prompt is empty' });
    ({ requestId } = useStore.getState().startRun('run'));
    useStore.getState().receive({ status: 'complete', requestId, stopped: false, stepsAfterStop: null, speedup: null, traceJson: '{"format":"x"}' });
    expect(useStore.getState().run.status).toBe('error');
    expect(useStore.getState().run.error).toMatch(/trace the page cannot read.*format/s);
  });
});

describe('ui store: the stepper', () => {
  beforeEach(() => {
    useStore.setState(initial, true);
    ready();
  });

  it('shows a trace from its first step and clamps moves', () => {
    const s = useStore.getState();
    s.showTrace('import', 'x.json', example, exampleJson);
    expect(selectPosition(useStore.getState())).toBe(0);
    s.moveBy(-1);
    expect(selectPosition(useStore.getState())).toBe(0);
    s.moveBy(3);
    expect(selectPosition(useStore.getState())).toBe(3);
    s.setPosition(1e9);
    expect(selectPosition(useStore.getState())).toBe(example.steps.length - 1);
  });

  it('Step mode starts at the prefill; Pause freezes a live run where it is', () => {
    const { requestId } = useStore.getState().startRun('step');
    const { receive } = useStore.getState();
    receive({ status: 'steps', requestId, run: 'spec', steps: steps.slice(0, 4) });
    expect(selectPosition(useStore.getState())).toBe(0);
    useStore.getState().moveBy(1);
    expect(selectPosition(useStore.getState())).toBe(1);
    useStore.getState().setFollow(true);
    receive({ status: 'steps', requestId, run: 'spec', steps: steps.slice(4, 6) });
    expect(selectPosition(useStore.getState())).toBe(5);
    useStore.getState().setFollow(false);
    receive({ status: 'steps', requestId, run: 'spec', steps: steps.slice(6) });
    expect(selectPosition(useStore.getState())).toBe(5);
  });

  it('uses the loaded vocabulary only for traces of the loaded model', () => {
    useStore.getState().showTrace('import', 'other.json', { ...example, model: { ...example.model, id: 'someone-else' } }, exampleJson);
    expect(selectVocab(useStore.getState())).toBeNull();
    useStore.getState().showTrace('example', 'example', example, exampleJson);
    expect(selectVocab(useStore.getState())).toBe(info.vocab);
  });
});
