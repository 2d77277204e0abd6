/**
 * Bare costs of the runtime, measured apart from any decode: the cost curve t(n) (a target
 * forward over n new tokens after a fixed context), and what keeping the accepted path
 * costs at a full context (issue 5, target 4). For the latter the base
 * cache is filled to `context` tokens, then, repeatedly, a 5-token verify forward (a k=4
 * chain) is run and the cache cut back as a step would: truncate (chain, 2 drafts kept)
 * or gather (a tree path off the spine). Medians over reps; the share is the KV time over
 * a step made of only the heads run, the verify forward and the KV work, which
 * overstates the share (a real step also verifies and records).
 */
import { causalBias } from './lm.ts';
import type { LoadedModel } from './model.ts';

export interface KvKeepCost {
  context: number;
  reps: number;
  forward_ms: number;
  heads_ms: number | null;
  truncate_ms: number;
  gather_ms: number;
  truncate_share: number;
  gather_share: number;
}

const median = (xs: readonly number[]) => {
  const s = [...xs].sort((a, b) => a - b);
  const m = s.length >> 1;
  return s.length % 2 ? s[m]! : (s[m - 1]! + s[m]!) / 2;
};

export async function measureKvKeep(model: Pick<LoadedModel, 'base' | 'heads' | 'config'>, opts: { context?: number; reps?: number } = {}): Promise<KvKeepCost> {
  const T = 5;
  const nPos = model.config.n_positions;
  const P = Math.min(opts.context ?? nPos - T - 1, nPos - T - 1);
  const reps = opts.reps ?? 30;
  const lm = model.base;
  const cache = lm.newCache();
  const now = () => performance.now();
  try {
    const prefix = Array.from({ length: P }, (_, i) => (i === 0 ? model.config.bos_token_id : 32 + (i % 60)));
    const pre = await lm.forward(prefix, prefix.map((_, i) => i), causalBias(P, 0), cache);
    const hidden = pre.hidden.slice((P - 1) * lm.nEmbd, P * lm.nEmbd); // [C]
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
      context: P, reps, forward_ms: f, heads_ms: h, truncate_ms: c, gather_ms: g,
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
  const cache = lm.newCache();
  try {
    const prefix = Array.from({ length: P }, (_, i) => (i === 0 ? model.config.bos_token_id : 32 + (i % 60)));
    await lm.forward(prefix, prefix.map((_, i) => i), causalBias(P, 0), cache);
    const times = new Map<number, number[]>(ns.map((n) => [n, []]));
    for (let r = 0; r <= reps; r++) {
      for (const n of ns) {
        const ids = Array.from({ length: n }, (_, i) => 40 + i);
        // a block of three, the first untimed: a step follows a step of its own kind, not a bigger one
        for (let b = 0; b < 3; b++) {
          const run0 = lm.runMs;
          await lm.forward(ids, ids.map((_, i) => P + i), causalBias(n, P), cache);
          if (r > 0 && b > 0) times.get(n)!.push(lm.runMs - run0);
          cache.truncate(P);
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
