/**
 * Cost models for the Speedup simulator: t(n), the time of one target forward over n new
 * tokens, either measured in this page (the worker's `measure-cost`) or from a roofline
 * of another machine:
 *
 *   t(n) = max(weight bytes / memory bandwidth, FLOPs(n) / compute) + overhead,  FLOPs(n) = 2 * params * n
 *
 * At batch 1 a forward reads every weight once however many tokens it carries, so while
 * memory is the bound, verifying k drafts costs about what one plain step does; past the
 * ridge n* = bytes * compute / (bandwidth * 2 * params) every extra token costs compute.
 * Left out: the KV cache's reads and attention's FLOPs (small next to the weights at the
 * short contexts simulated here) and any batching. Pure functions, testable in Node.
 */

export interface Roofline {
  /** Bytes a forward reads: the weights at their stored precision. */
  weightBytes: number;
  /** Parameters; a token costs 2 FLOPs per parameter (a multiply and an add). */
  params: number;
  /** Memory bandwidth, bytes/s. */
  bandwidth: number;
  /** Compute, FLOP/s. */
  flops: number;
  /** Fixed cost of a forward (kernel launches, the framework), ms. */
  overheadMs: number;
}

/**
 * Roofline time of a forward over n tokens, ms. e.g. 1 GB of weights, 0.5 B params,
 * 100 GB/s, 10 TFLOP/s, no overhead: memory 10 ms, compute 0.1 ms per token, so
 * t(1) = t(100) = 10 ms and t(200) = 20 ms.
 */
export function rooflineMs(m: Roofline, n: number): number {
  const memoryS = m.weightBytes / m.bandwidth;
  const computeS = (2 * m.params * n) / m.flops;
  return Math.max(memoryS, computeS) * 1000 + m.overheadMs;
}

/** The ridge: tokens per forward at which compute time equals memory time (100 in the example above). */
export function ridgeTokens(m: Roofline): number {
  return (m.weightBytes * m.flops) / (m.bandwidth * 2 * m.params);
}

export interface MachinePreset {
  id: string;
  label: string;
  /** One line on where the numbers come from. */
  note: string;
  roofline: Roofline;
}

/** Spec-sheet peaks; real kernels reach perhaps 60-80 % of them, which moves t(1) more than the ridge. */
export const MACHINE_PRESETS: readonly MachinePreset[] = [
  {
    id: 'gpu-7b',
    label: 'Datacenter GPU, 7B fp16',
    note: 'H100-class: 3.35 TB/s HBM, ~990 TFLOP/s dense fp16; 7 B params × 2 bytes = 14 GB',
    roofline: { weightBytes: 14e9, params: 7e9, bandwidth: 3.35e12, flops: 989e12, overheadMs: 1 },
  },
  {
    id: 'laptop-7b',
    label: 'Laptop GPU, 7B 4-bit',
    note: 'Apple M2-class unified memory: ~100 GB/s, ~3.6 TFLOP/s; 7 B params at ~4.5 bits = 3.9 GB',
    roofline: { weightBytes: 3.9e9, params: 7e9, bandwidth: 100e9, flops: 3.6e12, overheadMs: 2 },
  },
  {
    id: 'phone-3b',
    label: 'Phone CPU, 3B 4-bit',
    note: 'flagship phone SoC on its CPU cores: ~60 GB/s LPDDR5X, ~0.5 TFLOP/s; 3 B params at ~4.5 bits = 1.7 GB',
    roofline: { weightBytes: 1.7e9, params: 3e9, bandwidth: 60e9, flops: 0.5e12, overheadMs: 2 },
  },
];

export const DEFAULT_CUSTOM: Roofline = MACHINE_PRESETS[1]!.roofline;

/** How the simulator prices a forward: measured here, flat (Leviathan's assumption), a preset, or custom numbers. */
export type MachineId = 'measured' | 'flat' | 'custom' | (typeof MACHINE_PRESETS)[number]['id'];

/**
 * A cost function from measured points (n ascending, from 1): exact at measured n, linear
 * between them, and past the last one continued along the slope of the last two (forwards
 * do not get cheaper with more tokens, so a negative slope is read as flat).
 */
export function measuredCost(points: readonly { n: number; ms: number }[]): (n: number) => number {
  if (points.length === 0) throw new Error('measuredCost: no points; measure the cost curve first');
  const ps = [...points].sort((a, b) => a.n - b.n);
  return (n) => {
    if (n <= ps[0]!.n) return ps[0]!.ms;
    for (let i = 1; i < ps.length; i++) {
      const a = ps[i - 1]!;
      const b = ps[i]!;
      if (n <= b.n) return a.ms + ((b.ms - a.ms) * (n - a.n)) / (b.n - a.n);
    }
    const b = ps[ps.length - 1]!;
    const a = ps[ps.length - 2];
    return a ? b.ms + Math.max(0, (b.ms - a.ms) / (b.n - a.n)) * (n - b.n) : b.ms;
  };
}
