/**
 * A hand-built model the real decode loop runs on unchanged: a target, a draft model and
 * Medusa heads over a tiny vocabulary whose logits are a fixed random function of the row's
 * whole prefix. The prefix is read off the attention bias (the cached tokens and the new ones
 * a row may see), so tree verification, KV truncate and gather behave as with a real graph.
 * Small enough that every random decision of a short decode can be enumerated.
 */
import type { Chooser } from '../../src/engine/decoding/choice.ts';
import type { LoadedModel } from '../../src/engine/runtime/model.ts';
import { Rng } from '../../src/engine/decoding/rng.ts';

/** context -> logits [V]: a seeded table, some logits negative, some positive. */
export type LogitsTable = (prefix: readonly number[]) => Float32Array;

export function logitsTable(seed: number, V: number, spread = 3): LogitsTable {
  const memo = new Map<string, Float32Array>();
  return (prefix) => {
    const key = prefix.join(',');
    let row = memo.get(key);
    if (!row) {
      let h = (seed * 2654435761) >>> 0;
      for (const t of prefix) h = (Math.imul(h ^ (t + 1), 2246822519) + 3266489917) >>> 0;
      const rng = new Rng(h);
      row = Float32Array.from({ length: V }, () => (rng.uniform() * 2 - 1) * spread); // [V]
      memo.set(key, row);
    }
    return row;
  };
}

/** The tokens a cache holds; only what the decode loop and the draft model use of a KVStore. */
class TokenCache {
  constructor(public tokens: number[] = []) {}
  get length() {
    return this.tokens.length;
  }
  truncate(n: number) {
    this.tokens.length = n;
  }
  gather(positions: readonly number[]) {
    this.tokens = positions.map((p) => this.tokens[p]!);
  }
  clone() {
    return new TokenCache([...this.tokens]);
  }
  release() {}
}

/** A causal LM whose row t's logits are table(the tokens row t attends to); hidden [T, 1] = the row's last token.
 *  As an EAGLE head it ignores the features it is fed: its rows still see what the drafter's bias lets them. */
export class TableLM {
  runMs = 0;
  runs = 0;
  readonly nEmbd = 1;
  constructor(
    private readonly table: LogitsTable,
    readonly vocabSize: number,
  ) {}

  newCache() {
    return new TokenCache();
  }

  async forward(inputIds: readonly number[], positionIds: readonly number[], bias: Float32Array, cache: TokenCache) {
    const P = cache.length;
    const T = inputIds.length;
    const W = P + T;
    if (bias.length !== T * W || positionIds.length !== T) throw new Error(`TableLM: bias [${T}, ${W}] and ${T} positions expected`);
    const all = [...cache.tokens, ...inputIds];
    const logits = new Float32Array(T * this.vocabSize); // [T, V]
    const hidden = new Float32Array(T); // [T, 1]
    for (let t = 0; t < T; t++) {
      const prefix = all.filter((_, j) => bias[t * W + j] === 0);
      if (prefix.length !== positionIds[t]! + 1) throw new Error(`TableLM: row ${t} sees ${prefix.length} tokens at position ${positionIds[t]}`);
      logits.set(this.table(prefix), t * this.vocabSize);
      hidden[t] = prefix[prefix.length - 1]!;
    }
    cache.tokens.push(...inputIds);
    this.runs++;
    return { logits, hidden };
  }
}

/** K heads: head d's logits are table([d, last token]), so each depth has its own guesses. */
export class TableHeads {
  runMs = 0;
  runs = 0;
  constructor(
    private readonly table: LogitsTable,
    readonly numHeads: number,
    readonly vocabSize: number,
  ) {}

  async run(hidden: Float32Array, N: number): Promise<Float32Array> {
    const out = new Float32Array(N * this.numHeads * this.vocabSize); // [N, K, V]
    for (let n = 0; n < N; n++) {
      for (let d = 0; d < this.numHeads; d++) out.set(this.table([d, hidden[n]!]), (n * this.numHeads + d) * this.vocabSize);
    }
    this.runs++;
    return out;
  }
}

type TableParts = Pick<LoadedModel, 'id' | 'base' | 'tokenizer' | 'config' | 'heads' | 'draftModel' | 'eagle'>;

/** A model with a target, a draft model, heads and an EAGLE head over V tokens (BOS = 0; EOS = V - 1, for stopAtEos false). */
export function tableModel(seed: number, V: number, numHeads = 3): TableParts {
  const letters = (ids: readonly number[]) => ids.map((i) => String.fromCharCode(97 + i)).join('');
  const tokenizer = {
    vocabSize: V,
    bosId: 0,
    eosId: V - 1,
    encode: (text: string) => [...text].map((c) => c.charCodeAt(0) - 97),
    decode: letters,
    tokenBytes: (id: number) => new TextEncoder().encode(letters([id])),
  };
  const config = { vocab_size: V, n_positions: 64, n_embd: 1, bos_token_id: 0, eos_token_id: V - 1, heads: { num_heads: numHeads } };
  return {
    id: `table-${seed}`,
    base: new TableLM(logitsTable(seed, V), V),
    draftModel: new TableLM(logitsTable(seed + 1000, V), V),
    heads: new TableHeads(logitsTable(seed + 2000, V), numHeads, V),
    eagle: new TableLM(logitsTable(seed + 3000, V), V),
    tokenizer,
    config,
  } as unknown as TableParts;
}

/**
 * The exact law of an async function of its random decisions (choice.ts's enumerate, for a
 * function that awaits): depth-first over the decisions, one replay per outcome, each
 * following a scripted prefix and taking the first possible branch past it.
 */
export async function enumerateAsync(fn: (c: Chooser) => Promise<string>, maxOutcomes = 200_000): Promise<Map<string, number>> {
  type Decision = { kind: 'accept'; value: boolean } | { kind: 'sample'; value: number };
  const law = new Map<string, number>();
  const pending: Decision[][] = [[]];
  let outcomes = 0;
  while (pending.length > 0) {
    const script = pending.pop()!;
    const taken: Decision[] = [];
    let prob = 1;
    const chooser: Chooser = {
      lastU: null,
      accept(p) {
        const s = script[taken.length];
        let value: boolean;
        if (s) {
          if (s.kind !== 'accept') throw new Error('enumerateAsync: the decisions changed between replays');
          value = s.value;
        } else {
          value = p > 0;
          if (p > 0 && p < 1) pending.push([...taken, { kind: 'accept', value: false }]);
        }
        prob *= value ? p : 1 - p;
        taken.push({ kind: 'accept', value });
        return value;
      },
      sample(weights) {
        let sum = 0;
        for (let i = 0; i < weights.length; i++) sum += weights[i]!;
        const s = script[taken.length];
        let value: number;
        if (s) {
          if (s.kind !== 'sample') throw new Error('enumerateAsync: the decisions changed between replays');
          value = s.value;
        } else {
          value = -1;
          for (let i = 0; i < weights.length; i++) {
            if (!(weights[i]! > 0)) continue;
            if (value < 0) value = i;
            else pending.push([...taken, { kind: 'sample', value: i }]);
          }
        }
        prob *= weights[value]! / sum;
        taken.push({ kind: 'sample', value });
        return value;
      },
    };
    const key = await fn(chooser);
    law.set(key, (law.get(key) ?? 0) + prob);
    if (++outcomes > maxOutcomes) throw new Error(`enumerateAsync: more than ${maxOutcomes} outcomes`);
  }
  return law;
}
