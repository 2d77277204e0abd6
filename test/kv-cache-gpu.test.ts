/**
 * The GPU KV cache (src/engine/runtime/kv-cache-gpu.ts) against a fake GPUDevice in Node, whose
 * buffers are Float32Arrays and whose copyBufferToBuffer runs at submit: after the same
 * appends, truncates and gathers it holds exactly what the CPU cache holds, it adopts the
 * present.* tensors it is given, and it leaves no buffer behind. A real browser's WebGPU is
 * tested by test/e2e/demo.e2e.ts when chromium offers an adapter.
 */
import { describe, expect, it } from 'vitest';

import { KVCache, type KVShape } from '../src/engine/runtime/kv-cache.ts';
import { GpuKVCache, rowRuns } from '../src/engine/runtime/kv-cache-gpu.ts';
import { ort, type GpuBufferLike, type GpuDeviceLike } from '../src/engine/runtime/session.ts';

class FakeBuffer implements GpuBufferLike {
  readonly data: Float32Array;
  destroyed = false;
  constructor(
    readonly size: number,
    private readonly live: Set<FakeBuffer>,
  ) {
    this.data = new Float32Array(size / 4);
    live.add(this);
  }
  destroy() {
    this.destroyed = true;
    this.live.delete(this);
  }
  async mapAsync() {}
  getMappedRange() {
    return this.data.slice().buffer;
  }
  unmap() {}
}

/** A device whose copies check WebGPU's rules (4-byte alignment, in bounds, not onto itself, not destroyed). */
function fakeDevice(): GpuDeviceLike & { live: Set<FakeBuffer>; copies: number } {
  const live = new Set<FakeBuffer>();
  const device = {
    live,
    copies: 0,
    createBuffer: ({ size }: { size: number }) => new FakeBuffer(size, live),
    createCommandEncoder: () => {
      const ops: Array<() => void> = [];
      return {
        copyBufferToBuffer(src: GpuBufferLike, so: number, dst: GpuBufferLike, doff: number, n: number) {
          const s = src as FakeBuffer;
          const d = dst as FakeBuffer;
          if (s === d || so % 4 || doff % 4 || n % 4 || so + n > s.size || doff + n > d.size) throw new Error(`invalid copy ${so} ${doff} ${n}`);
          ops.push(() => {
            if (s.destroyed || d.destroyed) throw new Error('copy with a destroyed buffer');
            d.data.set(s.data.subarray(so / 4, (so + n) / 4), doff / 4);
            device.copies++;
          });
        },
        finish: () => ops,
      };
    },
    queue: { submit: (cmds: unknown[]) => cmds.forEach((ops) => (ops as Array<() => void>).forEach((op) => op())) },
  };
  return device;
}

const shape: KVShape = { nLayer: 2, nHead: 3, headDim: 4 };
const { nLayer, nHead: H, headDim: Dh } = shape;

/** A value that names its place: layer, which, head, position, dim. */
const code = (l: number, w: number, h: number, p: number, d: number) => l * 10000 + w * 1000 + h * 100 + p + d / 10;

/**
 * The outputs a forward would give after `past` positions and T new ones at `pos`: new.* for
 * the CPU cache; present.* (past + new) on the fake GPU for the GPU cache.
 */
function outputsFor(device: ReturnType<typeof fakeDevice>, gpu: GpuKVCache, cpu: KVCache, pos: number[], tag: number) {
  const T = pos.length;
  const P = cpu.length;
  const cpuOut: Record<string, ort.Tensor> = {};
  const gpuOut: Record<string, ort.Tensor> = {};
  for (let l = 0; l < nLayer; l++) {
    for (const [w, which] of (['key', 'value'] as const).entries()) {
      const fresh = new Float32Array(H * T * Dh); // [1, H, T, Dh]
      for (let h = 0; h < H; h++) for (let t = 0; t < T; t++) for (let d = 0; d < Dh; d++) fresh[(h * T + t) * Dh + d] = code(l, w, h, pos[t]!, d) + tag;
      cpuOut[`new.${l}.${which}`] = new ort.Tensor('float32', fresh, [1, H, T, Dh]);
      const past = P ? cpu.layer(l, which) : new Float32Array(0); // [1, H, P, Dh]
      const buf = device.createBuffer({ size: H * (P + T) * Dh * 4, usage: 0 }) as FakeBuffer; // [1, H, P+T, Dh]
      for (let h = 0; h < H; h++) {
        buf.data.set(past.subarray(h * P * Dh, (h + 1) * P * Dh), h * (P + T) * Dh);
        buf.data.set(fresh.subarray(h * T * Dh, (h + 1) * T * Dh), (h * (P + T) + P) * Dh);
      }
      gpuOut[`present.${l}.${which}`] = ort.Tensor.fromGpuBuffer(buf as never, { dataType: 'float32', dims: [1, H, P + T, Dh], dispose: () => buf.destroy() });
    }
  }
  return { cpuOut, gpuOut };
}

async function expectSame(gpu: GpuKVCache, cpu: KVCache) {
  expect(gpu.length).toBe(cpu.length);
  for (let l = 0; l < nLayer; l++) {
    for (const which of ['key', 'value'] as const) expect(Array.from(await gpu.readLayer(l, which))).toEqual(Array.from(cpu.length ? cpu.layer(l, which) : []));
  }
}

describe('rowRuns', () => {
  it('merges consecutive positions into [dst, src, rows] runs', () => {
    expect(rowRuns([0, 1, 2, 5, 6, 3])).toEqual([[0, 0, 3], [3, 5, 2], [5, 3, 1]]);
    expect(rowRuns([])).toEqual([]);
    expect(rowRuns([4])).toEqual([[0, 4, 1]]);
  });
});

describe('GpuKVCache on a fake device', () => {
  it('starts empty with [1, H, 0, Dh] CPU feeds', () => {
    const gpu = new GpuKVCache(shape, fakeDevice());
    const feeds = gpu.pastFeeds();
    expect(Object.keys(feeds)).toEqual(['past_key_values.0.key', 'past_key_values.0.value', 'past_key_values.1.key', 'past_key_values.1.value']);
    for (const t of Object.values(feeds)) expect([t.location, ...t.dims]).toEqual(['cpu', 1, H, 0, Dh]);
    expect(GpuKVCache.outputNames(2)).toEqual(['present.0.key', 'present.0.value', 'present.1.key', 'present.1.value']);
  });

  it('holds what the CPU cache holds through appends, truncates and gathers, and leaves no buffer behind', async () => {
    const device = fakeDevice();
    const gpu = new GpuKVCache(shape, device);
    const cpu = new KVCache(shape);
    const step = async (pos: number[], tag: number) => {
      const { cpuOut, gpuOut } = outputsFor(device, gpu, cpu, pos, tag);
      cpu.append(cpuOut, pos.length);
      gpu.append(gpuOut, pos.length);
      expect(Object.keys(gpuOut)).toEqual([]); // adopted, so the forward does not dispose them
      await expectSame(gpu, cpu);
    };
    await step([0, 1, 2, 3, 4], 0); // prefill
    await step([5, 6, 7, 8], 0.5); // a chain of 3 drafts + 1
    cpu.truncate(7);
    gpu.truncate(7); // 2 accepted
    await expectSame(gpu, cpu);
    await step([7, 8, 9, 10, 11, 12], 0.25); // a tree of 6 nodes
    const path = [...Array(7).keys(), 7 + 0, 7 + 2, 7 + 5];
    cpu.gather(path);
    gpu.gather(path);
    await expectSame(gpu, cpu);
    const shuffled = [3, 1, 2, 0, 9, 8];
    cpu.gather(shuffled);
    gpu.gather(shuffled);
    await expectSame(gpu, cpu);
    const branch = gpu.clone();
    gpu.truncate(0);
    expect(gpu.length).toBe(0);
    expect(Array.from(await branch.readLayer(1, 'value'))).toEqual(Array.from(cpu.layer(1, 'value')));
    expect(device.live.size).toBe(2 * nLayer); // the clone's buffers; everything else was destroyed
    branch.release();
    gpu.release();
    expect(device.live.size).toBe(0);
  });

  it('refuses a present tensor that is not on the GPU or has the wrong length, and says what it found', () => {
    const gpu = new GpuKVCache(shape, fakeDevice());
    const outputs: Record<string, ort.Tensor> = {};
    for (let l = 0; l < nLayer; l++) {
      for (const which of ['key', 'value']) outputs[`present.${l}.${which}`] = new ort.Tensor('float32', new Float32Array(H * 2 * Dh), [1, H, 2, Dh]);
    }
    expect(() => gpu.append(outputs, 2)).toThrow(/present\.0\.key should be a gpu-buffer tensor \[1, 3, 2, 4\].*found cpu \[1, 3, 2, 4\]/);
    expect(() => gpu.truncate(1)).toThrow(/expected an integer in \[0, 0\]/);
    expect(() => gpu.gather([0])).toThrow(/outside the cache \[0, 0\)/);
  });
});
