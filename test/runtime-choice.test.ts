/**
 * The engine worker's runtime choice (src/worker/runtime-choice.ts): the cost of a decode step, the
 * switch only past a clear margin, the order candidates are tried in, and what localStorage
 * keeps. Hand-checkable numbers throughout.
 */
import { describe, expect, it } from 'vitest';

import {
  FIRST_RUNTIME,
  forgetRemembered,
  machineKey,
  nextCandidate,
  preferCandidate,
  readRemembered,
  startingRuntime,
  stepMs,
  writeRemembered,
  type Machine,
  type RuntimeTimes,
} from '../src/worker/runtime-choice.ts';
import type { RuntimeSetting } from '../src/worker/protocol.ts';

const wasm = (threads: number): RuntimeSetting => ({ backend: 'wasm', threads });
const gpu = (threads: number): RuntimeSetting => ({ backend: 'webgpu', threads });
const times = (runtime: RuntimeSetting, t1: number, t5: number): RuntimeTimes => ({ runtime, points: [{ n: 1, ms: t1 }, { n: 5, ms: t5 }] });
const failed = (runtime: RuntimeSetting): RuntimeTimes => ({ runtime, error: 'no adapter' });

describe('stepMs and preferCandidate', () => {
  it('a step costs the mean of the 1-token and the 5-token forward', () => {
    expect(stepMs(times(wasm(1), 2, 4))).toBe(3);
    expect(stepMs(failed(wasm(2)))).toBeNull();
  });

  it('switches only when the candidate is faster by more than the margin (10%)', () => {
    const current = times(wasm(1), 2, 4); // 3 ms a step
    expect(preferCandidate(current, times(wasm(2), 1.5, 3.5))).toBe(true); // 2.5 < 2.7
    expect(preferCandidate(current, times(wasm(2), 2, 3.6))).toBe(false); // 2.8 >= 2.7: not clearly faster
    expect(preferCandidate(current, times(wasm(2), 3, 5))).toBe(false); // slower
    expect(preferCandidate(current, times(wasm(2), 2, 3.6), 0)).toBe(true); // without a margin, any gain
  });

  it('never switches to a runtime that failed, and leaves one that failed', () => {
    expect(preferCandidate(times(wasm(1), 2, 4), failed(gpu(1)))).toBe(false);
    expect(preferCandidate(failed(wasm(1)), times(wasm(2), 9, 9))).toBe(true);
  });
});

describe('nextCandidate', () => {
  const isolated2: Machine = { crossOriginIsolated: true, hardwareConcurrency: 2, webgpu: false };

  it('starts on one wasm thread', () => {
    expect(FIRST_RUNTIME).toEqual(wasm(1));
  });

  it('isolated with 2 cores: 1 thread against 2, then nothing', () => {
    expect(nextCandidate(isolated2, wasm(1), [])).toEqual(wasm(2));
    expect(nextCandidate(isolated2, wasm(1), [wasm(2)])).toBeNull();
    expect(nextCandidate(isolated2, wasm(2), [wasm(2)])).toBeNull(); // after switching to it
  });

  it('tries at most 4 threads, and from many threads tries one', () => {
    expect(nextCandidate({ ...isolated2, hardwareConcurrency: 16 }, wasm(1), [])).toEqual(wasm(4));
    expect(nextCandidate({ ...isolated2, hardwareConcurrency: 16 }, wasm(4), [])).toEqual(wasm(1));
  });

  it('no threads without isolation or with one core', () => {
    expect(nextCandidate({ ...isolated2, crossOriginIsolated: false }, wasm(1), [])).toBeNull();
    expect(nextCandidate({ ...isolated2, hardwareConcurrency: 1 }, wasm(1), [])).toBeNull();
  });

  it('WebGPU after the threads, with the thread count that won', () => {
    const m = { ...isolated2, webgpu: true };
    expect(nextCandidate(m, wasm(1), [])).toEqual(wasm(2));
    expect(nextCandidate(m, wasm(2), [wasm(2)])).toEqual(gpu(2)); // 2 threads won
    expect(nextCandidate(m, wasm(1), [wasm(2)])).toEqual(gpu(1)); // 1 thread stayed
    expect(nextCandidate(m, wasm(1), [wasm(2), gpu(1)])).toBeNull();
    expect(nextCandidate({ ...m, crossOriginIsolated: false }, wasm(1), [])).toEqual(gpu(1));
  });
});

describe('remembered choice', () => {
  const m: Machine = { crossOriginIsolated: true, hardwareConcurrency: 2, webgpu: false };
  const key = machineKey('toy', m);
  const choice = { runtime: wasm(2), measured: [times(wasm(1), 2, 4), times(wasm(2), 1, 2)], at: '2026-01-02T03:04:05.000Z' };

  it('round-trips per model and machine, keeping other entries', () => {
    const other = machineKey('toy', { ...m, hardwareConcurrency: 8 });
    const stored = writeRemembered(writeRemembered(null, other, { ...choice, runtime: wasm(4) }), key, choice);
    expect(readRemembered(stored, key)).toEqual(choice);
    expect(readRemembered(stored, other)?.runtime).toEqual(wasm(4));
    expect(readRemembered(stored, machineKey('other-model', m))).toBeNull();
    expect(readRemembered(forgetRemembered(stored, key), key)).toBeNull();
    expect(readRemembered(forgetRemembered(stored, key), other)?.runtime).toEqual(wasm(4));
  });

  it('a failed runtime is remembered with its error', () => {
    const withFailure = { ...choice, measured: [...choice.measured, failed(gpu(2))] };
    expect(readRemembered(writeRemembered(null, key, withFailure), key)).toEqual(withFailure);
  });

  it('a worker starts on the remembered runtime, else on one wasm thread (and measures)', () => {
    const stored = writeRemembered(null, key, choice);
    expect(startingRuntime(stored, key)).toEqual({ runtime: wasm(2), remembered: choice });
    expect(startingRuntime(stored, machineKey('toy', { ...m, webgpu: true }))).toEqual({ runtime: FIRST_RUNTIME, remembered: null });
    expect(startingRuntime(null, key)).toEqual({ runtime: FIRST_RUNTIME, remembered: null });
  });

  it('unreadable or foreign text counts as nothing remembered (measure again)', () => {
    expect(readRemembered(null, key)).toBeNull();
    expect(readRemembered('{not json', key)).toBeNull();
    expect(readRemembered(JSON.stringify({ [key]: { runtime: { backend: 'webgl', threads: 1 }, measured: [], at: 'x' } }), key)).toBeNull();
    expect(readRemembered(writeRemembered('[1, 2]', key, choice), key)).toEqual(choice);
  });
});
