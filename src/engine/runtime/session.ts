/**
 * onnxruntime-web sessions created from bytes and checked against the signature the runtime
 * will feed, so a wrong or damaged graph fails at load time with a list of what differs
 * instead of a shape error deep inside the first forward.
 *
 * `ort` is a live binding: the wasm-only module by default, or another build of
 * onnxruntime-web (the WebGPU one, which the worker imports only when WebGPU is tried) after
 * setOrtRuntime(). Call that before the first session; lm.ts and kv-cache.ts make their
 * tensors with whichever module is current. On 'webgpu' every LM session keeps its present.*
 * outputs (the KV cache) on the GPU as 'gpu-buffer' tensors (kv-cache-gpu.ts).
 *
 * In Node (tests, CLI) `import 'onnxruntime-web'` resolves to dist/ort.node.min.mjs, which
 * loads ort-wasm-simd-threaded.mjs from its own folder by a relative dynamic import, and
 * that file reads ort-wasm-simd-threaded.wasm next to itself: no wasmPaths needed, under
 * plain node, tsx and vitest alike (vitest leaves node_modules to Node's own loader).
 * Node has no cross-origin isolation to worry about, but ort would start a thread pool,
 * so we ask for one thread.
 */
import * as ortWasm from 'onnxruntime-web';

import type { EagleConfig, HeadsConfig, LMConfig } from './config.ts';

/** One build of onnxruntime-web (all builds share these types). */
export type OrtModule = typeof ortWasm;

/** The onnxruntime-web module sessions and tensors come from. */
export let ort: OrtModule = ortWasm;

/** Types under the same name as the module, so `ort.Tensor` works as a type wherever `ort` is imported. */
export declare namespace ort {
  type Tensor = ortWasm.Tensor;
  type InferenceSession = ortWasm.InferenceSession;
}

/** onnxruntime-web's execution provider for every session: 'wasm' (CPU) or 'webgpu'. */
export type OrtBackend = 'wasm' | 'webgpu';

let backend: OrtBackend = 'wasm';
let sessionsMade = 0;

/** Use `mod` (an onnxruntime-web build that has `which`) for every later session and tensor. */
export function setOrtRuntime(mod: OrtModule, which: OrtBackend): void {
  if (sessionsMade > 0) {
    throw new Error(`setOrtRuntime(${which}): ${sessionsMade} session(s) were made on ${backend} already; choose the runtime before loading a model`);
  }
  ort = mod;
  backend = which;
  configured = false;
  threadsChosen = false;
}

export function ortBackend(): OrtBackend {
  return backend;
}

/** What kv-cache-gpu.ts needs of a GPUDevice (structural, so a fake one can stand in for tests). */
export interface GpuBufferLike {
  readonly size: number;
  destroy(): void;
  mapAsync(mode: number): Promise<void>;
  getMappedRange(): ArrayBuffer;
  unmap(): void;
}

export interface GpuDeviceLike {
  createBuffer(desc: { size: number; usage: number }): GpuBufferLike;
  createCommandEncoder(): {
    copyBufferToBuffer(src: GpuBufferLike, srcOffset: number, dst: GpuBufferLike, dstOffset: number, size: number): void;
    finish(): unknown;
  };
  queue: { submit(commands: unknown[]): void };
}

/** The GPUDevice onnxruntime's WebGPU sessions run on (there once a WebGPU session exists). */
export function gpuDevice(): GpuDeviceLike {
  const device = backend === 'webgpu' ? (ort.env.webgpu as { device?: unknown }).device : undefined;
  if (!device) {
    throw new Error(`expected onnxruntime's WebGPU device, found ${backend === 'webgpu' ? 'none yet' : `the ${backend} backend`}: create a WebGPU session first`);
  }
  return device as GpuDeviceLike;
}

/** One graph input or output: a string dim is symbolic (any size), a number must match. */
export interface TensorSpec {
  name: string;
  type: 'int64' | 'float32';
  dims: Array<number | string>;
}

export interface GraphSignature {
  inputs: TensorSpec[];
  outputs: TensorSpec[];
}

const isNode = typeof process !== 'undefined' && typeof process.versions?.node === 'string';
let configured = false;
let threadsChosen = false;

/**
 * Options for onnxruntime-web's wasm backend; takes effect when the first session is
 * created. In Node the thread count is 1 unless given; in a browser ort decides (1 unless
 * the page is cross-origin isolated). wasmPaths: where the .mjs/.wasm runtime is served.
 */
export function configureOrt(opts: { numThreads?: number; wasmPaths?: string } = {}): void {
  if (opts.numThreads !== undefined) {
    ort.env.wasm.numThreads = opts.numThreads;
    threadsChosen = true;
  } else if (isNode && !threadsChosen) {
    ort.env.wasm.numThreads = 1;
  }
  if (opts.wasmPaths !== undefined) ort.env.wasm.wasmPaths = opts.wasmPaths;
  configured = true;
}

/** base or draft model: train/export.py export_lm. */
export function lmSignature(lm: LMConfig, vocabSize: number): GraphSignature {
  const kv = (name: string, len: string): TensorSpec => ({ name, type: 'float32', dims: [1, lm.n_head, len, lm.head_dim] });
  const inputs: TensorSpec[] = [
    { name: 'input_ids', type: 'int64', dims: [1, 'T'] },
    { name: 'position_ids', type: 'int64', dims: [1, 'T'] },
    { name: 'attention_bias', type: 'float32', dims: [1, 1, 'T', 'P+T'] },
  ];
  const outputs: TensorSpec[] = [
    { name: 'logits', type: 'float32', dims: [1, 'T', vocabSize] },
    { name: 'hidden_states', type: 'float32', dims: [1, 'T', lm.n_embd] },
  ];
  for (let i = 0; i < lm.n_layer; i++) {
    for (const which of ['key', 'value']) {
      inputs.push(kv(`past_key_values.${i}.${which}`, 'P'));
      outputs.push(kv(`present.${i}.${which}`, 'P+T'));
    }
  }
  // the T new rows of present alone (train/kv_outputs.py): what a CPU runtime fetches
  for (let i = 0; i < lm.n_layer; i++) for (const which of ['key', 'value']) outputs.push(kv(`new.${i}.${which}`, 'T'));
  return { inputs, outputs };
}

/** The EAGLE head: an LM's signature with a feature per input position first (train/export.py export_eagle). */
export function eagleSignature(e: EagleConfig, vocabSize: number): GraphSignature {
  const { inputs, outputs } = lmSignature(e, vocabSize);
  return { inputs: [{ name: 'features', type: 'float32', dims: [1, 'T', e.n_embd] }, ...inputs], outputs };
}

/** Medusa heads: train/export.py export_heads. */
export function headsSignature(h: HeadsConfig, vocabSize: number): GraphSignature {
  return {
    inputs: [{ name: 'hidden_states', type: 'float32', dims: [1, 'N', h.n_embd] }],
    outputs: [{ name: 'draft_logits', type: 'float32', dims: [1, 'N', h.num_heads, vocabSize] }],
  };
}

function fmtSpec(s: { name: string; type: string; dims: ReadonlyArray<number | string> }): string {
  return `${s.name} ${s.type}[${s.dims.join(', ')}]`;
}

function describe(names: readonly string[], meta: readonly ortWasm.InferenceSession.ValueMetadata[]): string {
  return names
    .map((n) => {
      const m = meta.find((x) => x.name === n);
      return m?.isTensor ? fmtSpec({ name: n, type: m.type, dims: m.shape }) : n;
    })
    .join('; ');
}

/** Problems between what a graph declares and what we expect; [] when they agree. */
export function compareSignature(
  kind: 'input' | 'output',
  names: readonly string[],
  meta: readonly ortWasm.InferenceSession.ValueMetadata[],
  expected: readonly TensorSpec[],
): string[] {
  const problems: string[] = [];
  const want = new Map(expected.map((s) => [s.name, s]));
  for (const s of expected) if (!names.includes(s.name)) problems.push(`missing ${kind} ${fmtSpec(s)}`);
  for (const n of names) if (!want.has(n)) problems.push(`unexpected ${kind} ${n}`);
  for (const m of meta) {
    const s = want.get(m.name);
    if (!s) continue;
    if (!m.isTensor) {
      problems.push(`${kind} ${m.name} is not a tensor; expected ${fmtSpec(s)}`);
      continue;
    }
    const found = { name: m.name, type: m.type, dims: m.shape };
    const dimsOk =
      m.shape.length === s.dims.length &&
      s.dims.every((d, i) => typeof d === 'string' || typeof m.shape[i] !== 'number' || m.shape[i] === d);
    if (m.type !== s.type || !dimsOk) problems.push(`${kind} found ${fmtSpec(found)}, expected ${fmtSpec(s)}`);
  }
  return problems;
}

/**
 * A session for one .onnx file. `file` names it in errors (e.g. "onnx/model.onnx in
 * public/models/toy"); `expected` is checked against the graph's inputs and outputs.
 */
export async function createSession(
  bytes: Uint8Array,
  file: string,
  expected: GraphSignature,
): Promise<ort.InferenceSession> {
  if (!configured) configureOrt();
  let session: ort.InferenceSession;
  try {
    // present.* is the whole cache, P+T rows: on the GPU it stays there (kv-cache-gpu.ts)
    const onDevice = expected.outputs.filter((o) => o.name.startsWith('present.')).map((o) => o.name);
    session = await ort.InferenceSession.create(bytes, {
      executionProviders: [backend],
      graphOptimizationLevel: 'all',
      logSeverityLevel: 3,
      ...(backend === 'webgpu' && onDevice.length ? { preferredOutputLocation: Object.fromEntries(onDevice.map((n) => [n, 'gpu-buffer' as const])) } : {}),
    });
    sessionsMade++;
  } catch (e) {
    const hint =
      backend === 'webgpu'
        ? "onnxruntime's WebGPU backend may not support this browser's adapter: open the page without ?backend=webgpu to decode on wasm."
        : 'The file is probably truncated or corrupt: download it again or re-export the model with `npm run train`.';
    throw new Error(`${file} (${bytes.length} bytes) could not be loaded by onnxruntime (${backend}): ${(e as Error).message}. ${hint}`);
  }
  const problems = [
    ...compareSignature('input', session.inputNames, session.inputMetadata, expected.inputs),
    ...compareSignature('output', session.outputNames, session.outputMetadata, expected.outputs),
  ];
  if (problems.length) {
    await session.release();
    throw new Error(
      `${file} does not have the graph signature this runtime feeds:\n  ${problems.join('\n  ')}\n` +
        `the graph has inputs:  ${describe(session.inputNames, session.inputMetadata)}\n` +
        `the graph has outputs: ${describe(session.outputNames, session.outputMetadata)}\n` +
        'Check that config.json and the .onnx files come from the same export (`npm run train` writes both).',
    );
  }
  return session;
}
