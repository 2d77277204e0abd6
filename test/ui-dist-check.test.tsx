/**
 * The Decode view's distribution check in the page (src/ui/components/DistCheck.tsx and
 * store/dist-check-slice.ts): the store follows its request's messages and ignores others',
 * and the result reads PASS, or FAIL naming the position, with a row per position.
 */
import { renderToStaticMarkup } from 'react-dom/server';
import { beforeEach, describe, expect, it } from 'vitest';

import type { PositionCheck } from '../src/engine/bench/dist-check.ts';
import { DistResult } from '../src/ui/components/DistCheck.tsx';
import { DEFAULT_SETTINGS } from '../src/ui/store/settings.ts';
import { INITIAL_DIST_CHECK } from '../src/ui/store/dist-check-slice.ts';
import { selectEngineBusy, useStore } from '../src/ui/store/index.ts';
import type { DistCheckResult } from '../src/worker/protocol.ts';

const position = (i: number, pValue: number): PositionCheck => ({
  position: i,
  histogram: [{ token: 5, spec: 60, baseline: 58 }, { token: null, spec: 40, baseline: 42 }],
  tvd: 0.02,
  statistic: 0.08,
  df: 1,
  pValue,
  bins: 2,
});

const result = (ps: number[], failedPosition: number | null, lossy = false): DistCheckResult => ({
  samples: 100,
  positions: ps.map((p, i) => position(i + 1, p)),
  alpha: 0.001,
  pass: failedPosition === null,
  failedPosition,
  lossy,
});

beforeEach(() => useStore.setState({ distCheck: INITIAL_DIST_CHECK }));

describe('distribution check state', () => {
  it('follows its own request: progress, then the result; the engine is busy meanwhile', () => {
    const s = useStore.getState();
    const id = s.startDistCheck({ ...DEFAULT_SETTINGS, temperature: 0.7 });
    expect(selectEngineBusy(useStore.getState())).toBe(true);
    s.receive({ status: 'dist-progress', requestId: id, done: 40, total: 2000 });
    s.receive({ status: 'dist-progress', requestId: id + 1, done: 99, total: 99 });
    expect(useStore.getState().distCheck).toMatchObject({ status: 'running', done: 40, total: 2000 });
    const r = result([0.5, 0.2], null);
    useStore.getState().receive({ status: 'dist-check-complete', requestId: id, stopped: false, result: r });
    expect(useStore.getState().distCheck).toMatchObject({ status: 'done', result: r });
    expect(selectEngineBusy(useStore.getState())).toBe(false);
  });

  it('a Stop leaves no verdict; an error of this job is shown', () => {
    let id = useStore.getState().startDistCheck(DEFAULT_SETTINGS);
    useStore.getState().receive({ status: 'dist-check-complete', requestId: id, stopped: true, result: null });
    expect(useStore.getState().distCheck).toMatchObject({ status: 'stopped', result: null });
    id = useStore.getState().startDistCheck(DEFAULT_SETTINGS);
    useStore.getState().receive({ status: 'error', phase: 'dist-check', requestId: id, message: 'set a temperature above 0' });
    expect(useStore.getState().distCheck).toMatchObject({ status: 'error', error: 'set a temperature above 0' });
  });

  it('a crashed worker ends a check in flight, so the engine is not left busy', () => {
    useStore.getState().startDistCheck(DEFAULT_SETTINGS);
    useStore.getState().failModel({ kind: 'crash', message: 'The engine worker stopped unexpectedly.' });
    expect(useStore.getState().distCheck).toMatchObject({ status: 'error', error: 'The engine worker stopped unexpectedly.' });
  });
});

describe('distribution check result', () => {
  it('PASS when every position passes, with one row per position', () => {
    const html = renderToStaticMarkup(<DistResult result={result([0.5, 0.2, 0.04], null)} />);
    expect(html).toContain('data-pass="true"');
    expect(html).toContain('PASS');
    expect(html.match(/<tr data-position=/g)).toHaveLength(3);
  });

  it('FAIL names the failing position and, for typical acceptance, that it is lossy', () => {
    const html = renderToStaticMarkup(<DistResult result={result([0.5, 1e-9], 2, true)} />);
    expect(html).toContain('data-pass="false"');
    expect(html).toContain('data-failed-position="2"');
    expect(html).toContain('differ at position 2 (p = 1.0e-9');
    expect(html).toContain('typical acceptance is lossy');
  });
});
