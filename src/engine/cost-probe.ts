/**
 * What keeping the accepted path costs at a full context (issue 5, target 4): the base
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
