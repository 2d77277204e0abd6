/**
 * The engine worker's runtime measurement (src/worker/runtime-probe.ts), with stand-in
 * candidate workers: a clearly faster candidate is adopted, a slower or failing one closed,
 * and an abort (a job arriving) closes the candidate at once and rejects.
 */
import { describe, expect, it } from 'vitest';

import type { CostPoint, RuntimeSetting, WorkerRequest, WorkerResponse } from '../src/worker/protocol.ts';
import type { Machine, RuntimeChoice } from '../src/worker/runtime-choice.ts';
import { probeRuntime, type ProbeHost } from '../src/worker/runtime-probe.ts';

const wasm = (threads: number): RuntimeSetting => ({ backend: 'wasm', threads });
const points = (t1: number, t5: number): CostPoint[] => [
  { n: 1, ms: t1, minMs: t1, maxMs: t1 },
  { n: 5, ms: t5, minMs: t5, maxMs: t5 },
];

/** A stand-in engine worker on `runtime`: says ready on load (or fails), answers time-forwards with `times` (or never, when null). */
class FakeWorker extends EventTarget {
  terminated = false;
  constructor(
    readonly runtime: RuntimeSetting,
    readonly times: CostPoint[] | null,
    readonly loadError: string | null = null,
  ) {
    super();
  }
  say(msg: WorkerResponse) {
    if (!this.terminated) this.dispatchEvent(new MessageEvent('message', { data: msg }));
  }
  postMessage(req: WorkerRequest) {
    queueMicrotask(() => {
      if (req.type === 'load') {
        if (this.loadError) this.say({ status: 'error', phase: 'load', message: this.loadError });
        else this.say({ status: 'ready', modelId: 'toy', backend: this.runtime.backend, threads: this.runtime.threads, crossOriginIsolated: true, parts: ['heads', 'draft_model'] });
      } else if (req.type === 'time-forwards' && this.times) {
        this.say({ status: 'forward-times', requestId: req.requestId, runtime: this.runtime, context: req.context, reps: req.reps, points: this.times });
      }
    });
  }
  terminate() {
    this.terminated = true;
  }
}

const isolated2: Machine = { crossOriginIsolated: true, hardwareConcurrency: 2, webgpu: false };

function host(candidate: FakeWorker, here: CostPoint[]) {
  const adopted: FakeWorker[] = [];
  const reports: RuntimeChoice[] = [];
  const h: ProbeHost = {
    machine: isolated2,
    current: wasm(1),
    timeHere: async () => here,
    spawn: (runtime) => {
      expect(runtime).toEqual(candidate.runtime);
      candidate.postMessage({ type: 'load', modelId: 'toy', modelUrl: 'x/', ortUrl: 'y/', runtime: { fixed: runtime, note: null } });
      return candidate as unknown as Worker;
    },
    adopt: (w) => adopted.push(w as unknown as FakeWorker),
    report: (c) => reports.push(c),
  };
  return { h, adopted, reports };
}

describe('probeRuntime', () => {
  it('adopts a candidate that is clearly faster (2.5 ms a step against 3)', async () => {
    const cand = new FakeWorker(wasm(2), points(1.5, 3.5));
    const { h, adopted, reports } = host(cand, points(2, 4));
    const r = await probeRuntime(h, new AbortController().signal);
    expect(r.chosen).toEqual(wasm(2));
    expect(r.measured).toEqual([
      { runtime: wasm(1), points: [{ n: 1, ms: 2 }, { n: 5, ms: 4 }] },
      { runtime: wasm(2), points: [{ n: 1, ms: 1.5 }, { n: 5, ms: 3.5 }] },
    ]);
    expect(adopted).toEqual([cand]);
    expect(cand.terminated).toBe(false);
    expect(reports[0]!.status).toBe('measuring');
  });

  it('closes a candidate that is not clearly faster (2.8 ms against 3), and one that fails to load', async () => {
    const slow = new FakeWorker(wasm(2), points(2, 3.6));
    const a = host(slow, points(2, 4));
    expect((await probeRuntime(a.h, new AbortController().signal)).chosen).toEqual(wasm(1));
    expect(slow.terminated).toBe(true);
    expect(a.adopted).toEqual([]);

    const broken = new FakeWorker(wasm(2), null, 'no threads');
    const b = host(broken, points(2, 4));
    const r = await probeRuntime(b.h, new AbortController().signal);
    expect(r).toEqual({ chosen: wasm(1), measured: [{ runtime: wasm(2), error: 'no threads' }] });
    expect(broken.terminated).toBe(true);
  });

  it('an abort (a job arriving) closes the candidate at once and rejects', async () => {
    const stuck = new FakeWorker(wasm(2), null); // loads, never answers the timing
    const { h, adopted } = host(stuck, points(2, 4));
    const controller = new AbortController();
    const probe = probeRuntime(h, controller.signal);
    await new Promise((resolve) => setTimeout(resolve, 5));
    controller.abort();
    await expect(probe).rejects.toThrow('aborted');
    expect(stuck.terminated).toBe(true);
    expect(adopted).toEqual([]);
  });
});
