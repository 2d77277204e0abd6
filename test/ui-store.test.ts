/** The UI store's handling of worker messages (src/ui/store.ts), without a browser. */
import { beforeEach, describe, expect, it } from 'vitest';
import { totalProgress, useUiStore } from '../src/ui/store.ts';
import type { GenerationSummary } from '../src/worker/protocol.ts';

const initial = useUiStore.getState();

const summary = (text: string): GenerationSummary => ({
  text,
  promptTokens: 3,
  newTokens: 2,
  stopReason: 'max_tokens',
  forwards: 2,
  elapsedMs: 5,
});

describe('ui store', () => {
  beforeEach(() => useUiStore.setState(initial, true));

  it('goes loading -> ready and keeps per-file byte progress', () => {
    const s = useUiStore.getState();
    s.startLoading('toy');
    s.receive({ status: 'progress', file: 'onnx/model.onnx', loaded: 10, total: 100 });
    s.receive({ status: 'progress', file: 'onnx/model.onnx', loaded: 60, total: 100 });
    expect(useUiStore.getState().phase).toBe('loading');
    expect(totalProgress(useUiStore.getState().files)).toEqual({ loaded: 60, total: 100 });
    s.receive({ status: 'ready', modelId: 'toy', contextLength: 256, threads: 1, crossOriginIsolated: false });
    expect(useUiStore.getState()).toMatchObject({ phase: 'ready', threads: 1, contextLength: 256 });
  });

  it('sums bytes over files, with an unknown total when any size is unknown', () => {
    expect(totalProgress({ a: { loaded: 1, total: 2 }, b: { loaded: 3, total: 4 } })).toEqual({ loaded: 4, total: 6 });
    expect(totalProgress({ a: { loaded: 1, total: 2 }, b: { loaded: 3, total: null } })).toEqual({ loaded: 4, total: null });
  });

  it('appends streamed text, then takes the final text as authoritative', () => {
    const id = useUiStore.getState().startGenerating();
    const { receive } = useUiStore.getState();
    receive({ status: 'update', requestId: id, delta: 'Hel', newTokens: 1 });
    receive({ status: 'update', requestId: id, delta: 'lo', newTokens: 2 });
    expect(useUiStore.getState().output).toBe('Hello');
    receive({ status: 'complete', requestId: id, result: summary('Hello!') });
    expect(useUiStore.getState()).toMatchObject({ phase: 'ready', output: 'Hello!', last: summary('Hello!') });
  });

  it('ignores messages from an earlier generation', () => {
    const old = useUiStore.getState().startGenerating();
    const id = useUiStore.getState().startGenerating();
    const { receive } = useUiStore.getState();
    receive({ status: 'update', requestId: old, delta: 'stale', newTokens: 1 });
    receive({ status: 'error', phase: 'generate', requestId: old, message: 'stale' });
    expect(useUiStore.getState()).toMatchObject({ phase: 'generating', output: '', error: null, requestId: id });
  });

  it('shows an error with the phase Retry should repeat', () => {
    useUiStore.getState().receive({ status: 'error', phase: 'load', message: 'model file config.json not found' });
    expect(useUiStore.getState()).toMatchObject({ phase: 'error', error: { phase: 'load' } });
  });

  it('keeps max new tokens a whole number in range', () => {
    const { setMaxNewTokens } = useUiStore.getState();
    setMaxNewTokens(0);
    expect(useUiStore.getState().maxNewTokens).toBe(1);
    setMaxNewTokens(Number.NaN);
    expect(useUiStore.getState().maxNewTokens).toBe(1);
    setMaxNewTokens(12.7);
    expect(useUiStore.getState().maxNewTokens).toBe(12);
    setMaxNewTokens(1e9);
    expect(useUiStore.getState().maxNewTokens).toBe(1024);
  });
});
