/**
 * Bare costs of the runtime, measured apart from any decode: the cost curve t(n) (a target
 * forward over n new tokens after a fixed context), and what keeping the accepted path
 * costs at a full context (the bench's target 4: at most 5% of a step). For the latter the base
 * cache is filled to `context` tokens, then, repeatedly, a 5-token verify forward (a k=4
 * chain) is run and the cache cut back as a step would: truncate (chain, 2 drafts kept)
 * or gather (a tree path off the spine). Medians over reps; the share is the KV time over
 * a step made of only the heads run, the verify forward and the KV work, which
 * overstates the share (a real step also verifies and records).
 */
import type { KVStore } from './kv-cache.ts';
import { causalBias, type CausalLM } from './lm.ts';
import type { LoadedModel } from './model.ts';

export interface KvKeepCost {
  context: number;
  reps: number;
  verify_forward_ms: number;
  heads_ms: number | null;
  truncate_ms: number;
  gather_ms: number;
  truncate_share: number;
  gather_share: number;
}

export const median = (xs: readonly number[]) => {
  const s = [...xs].sort((a, b) => a - b);
  const m = s.length >> 1;
  return s.length % 2 ? s[m]! : (s[m - 1]! + s[m]!) / 2;
};

/** Fills a fresh cache with P tokens of plausible ids (BOS, then a cycle of ordinary tokens). */
export async function prefilled(lm: CausalLM, P: number, bos: number): Promise<KVStore> {
  const cache = lm.newCache();
  const prefix = Array.from({ length: P }, (_, i) => (i === 0 ? bos : 32 + (i % 60)));
  await lm.forward(prefix, prefix.map((_, i) => i), causalBias(P, 0), cache);
  return cache;
}

/** One T-token forward after the cache's P tokens, which is cut back to P: wall ms and bare session.run ms. */
export async function timeForwardParts(lm: CausalLM, cache: KVStore, T: number): Promise<{ wallMs: number; runMs: number }> {
  const P = cache.length;
  const ids = Array.from({ length: T }, (_, i) => 40 + i);
  const bias = causalBias(T, P); // [T, P+T]
  const run0 = lm.runMs;
  const t0 = performance.now();
  await lm.forward(ids, ids.map((_, i) => P + i), bias, cache);
  const wallMs = performance.now() - t0;
  const runMs = lm.runMs - run0;
  cache.truncate(P);
  return { wallMs, runMs };
}

/** Wall milliseconds of one T-token forward after the cache's P tokens; the cache is cut back to P. */
export async function timeForward(lm: CausalLM, cache: KVStore, T: number): Promise<number> {
  return (await timeForwardParts(lm, cache, T)).wallMs;
}

export async function measureKvKeep(model: Pick<LoadedModel, 'base' | 'heads' | 'config'>, opts: { context?: number; reps?: number } = {}): Promise<KvKeepCost> {
  const T = 5;
  const nPos = model.config.n_positions;
  const P = Math.min(opts.context ?? nPos - T - 1, nPos - T - 1);
  const reps = opts.reps ?? 30;
  const lm = model.base;
  const cache = await prefilled(lm, P - 1, model.config.bos_token_id);
  const now = () => performance.now();
  try {
    const pre = await lm.forward([32], [P - 1], causalBias(1, P - 1), cache);
    const hidden = pre.hidden.slice(0, lm.nEmbd); // [C], the last fed position's
    const ids = [40, 41, 42, 43, 44];
    const pos = ids.map((_, i) => P + i);
    const bias = causalBias(T, P); // [T, P+T]
    const fwd: number[] = [];
    const heads: number[] = [];
    const cut: number[] = [];
    const gather: number[] = [];
    for (let r = 0; r <= reps; r++) {
      for (const kind of ['truncate', 'gather'] as const) {
        if (model.heads) {
          const th = now();
          await model.heads.run(hidden, 1);
          if (r > 0) heads.push(now() - th);
        }
        const tf = now();
        await lm.forward(ids, pos, bias, cache);
        const tk = now();
        if (kind === 'truncate') cache.truncate(P + 2);
        else cache.gather([...Array(P + 1).keys(), P + 3]); // root, then a path through node 3
        const te = now();
        cache.truncate(P);
        if (r === 0) continue; // the first round warms up
        fwd.push(tk - tf);
        (kind === 'truncate' ? cut : gather).push(te - tk);
      }
    }
    const f = median(fwd);
    const h = heads.length ? median(heads) : null;
    const c = median(cut);
    const g = median(gather);
    return {
      context: P, reps, verify_forward_ms: f, heads_ms: h, truncate_ms: c, gather_ms: g,
      truncate_share: c / (c + f + (h ?? 0)),
      gather_share: g / (g + f + (h ?? 0)),
    };
  } finally {
    cache.release();
  }
}

export interface CostCurve {
  context: number;
  /** Timed forwards per n: two per round. */
  reps: number;
  /** n -> median ms of a bare forward over n new tokens. */
  ms: Record<number, number>;
  /** Per extra token beyond the first, ms: (t(max n) - t(1)) / (max n - 1). */
  marginal_ms: number;
  /** (n) * t(1) / t(n): the speedup a chain of n - 1 drafts would give if every draft were accepted and drafting were free. */
  ideal_speedup: Record<number, number>;
}

/** t(n) for each n after `context` cached tokens; rounds go over every n in turn so drift spreads evenly. */
export async function measureCostCurve(model: Pick<LoadedModel, 'base' | 'config'>, opts: { context?: number; ns?: number[]; reps?: number } = {}): Promise<CostCurve> {
  const ns = opts.ns ?? [1, 2, 3, 5, 9, 13, 17];
  const maxN = Math.max(...ns);
  const P = Math.min(opts.context ?? 128, model.config.n_positions - maxN);
  const reps = opts.reps ?? 8;
  const lm = model.base;
  const cache = await prefilled(lm, P, model.config.bos_token_id);
  try {
    const times = new Map<number, number[]>(ns.map((n) => [n, []]));
    for (let r = 0; r <= reps; r++) {
      for (const n of ns) {
        // a block of three, the first untimed: a step follows a step of its own kind, not a bigger one
        for (let b = 0; b < 3; b++) {
          const { runMs } = await timeForwardParts(lm, cache, n);
          if (r > 0 && b > 0) times.get(n)!.push(runMs);
        }
      }
    }
    const ms: Record<number, number> = {};
    for (const n of ns) ms[n] = median(times.get(n)!);
    const t1 = ms[Math.min(...ns)]!;
    const ideal: Record<number, number> = {};
    for (const n of ns) ideal[n] = (n * t1) / ms[n]!;
    return { context: P, reps: 2 * reps, ms, marginal_ms: (ms[maxN]! - t1) / (maxN - Math.min(...ns)), ideal_speedup: ideal };
  } finally {
    cache.release();
  }
}
