/**
 * The first two emitted tokens (t1, t2) of a decode, two ways: their EXACT autoregressive law
 * computed from the target (p(t1) from the prompt's last logits, p(t2 | t1) from one more
 * forward per t1 that matters), and samples of them from speculativeGenerate with a drafter,
 * one seed per sample. t1 comes from the prefill; t2 from the first speculative step, so the
 * pair tests the verifier's output law given the drafts.
 */
import { createDrafter, type DrafterSettings } from '../../src/engine/drafters/index.ts';
import { causalBias } from '../../src/engine/runtime/lm.ts';
import type { LoadedModel } from '../../src/engine/runtime/model.ts';
import { speculativeGenerate, type Acceptance } from '../../src/engine/decoding/speculative.ts';
import { PROCESSORS_OFF, processLogits, type ProcessorSettings } from '../../src/engine/decoding/processors.ts';
import { toProbs, type SamplingParams } from '../../src/engine/decoding/sampling.ts';
import type { Group } from '../../src/engine/bench/chi-square.ts';

/** Sampling with, optionally, the logits processors (off when absent). */
export type SamplingSetting = SamplingParams & Partial<ProcessorSettings>;

export interface FirstTwoReference {
  /** One group per t1 with p(t1) > 0, named by t1; its cells are the pairs (t1, t2), keyed by t2,
   *  that expect at least minExpected of n samples (the rest share the group's remainder). */
  groups: Group[];
  /** True when the pair has exact probability 0, which a lossless decoder never emits (for a t1
   *  whose p(t2 | t1) was not computed, only p(t1) = 0 counts). */
  impossible(t1: number, t2: number): boolean;
  /** How many t1 got their p(t2 | t1): one target forward each. */
  expanded: number;
}

/**
 * The exact law of (t1, t2) after promptIds (BOS first) under sampling `s`, detailed as far as
 * n samples can resolve: p(t2 | t1) is computed only for t1 with n * p(t1) >= minExpected, since
 * no pair under a rarer t1 could fill a bin of its own.
 */
export async function exactFirstTwo(
  model: Pick<LoadedModel, 'base' | 'config'>,
  promptIds: readonly number[],
  s: SamplingSetting,
  n: number,
  minExpected = 5,
): Promise<FirstTwoReference> {
  const lm = model.base;
  const V = model.config.vocab_size;
  const L0 = promptIds.length;
  const cache = lm.newCache();
  const groups: Group[] = [];
  const processors = { ...PROCESSORS_OFF, ...s };
  /** The distribution after `prefix` from its logits row: the processors, then the warpers. */
  const dist = (logits: Float32Array, offset: number, prefix: readonly number[]) => {
    const row = logits.slice(offset, offset + V);
    processLogits(row, 0, V, prefix, processors);
    return toProbs(row, s, 0, V);
  };
  const p1 = new Float64Array(V);
  const p2 = new Map<number, Float64Array>();
  try {
    const pre = await lm.forward(promptIds, [...Array(L0).keys()], causalBias(L0, 0), cache); // logits [L0, V]
    p1.set(dist(pre.logits, (L0 - 1) * V, promptIds));
    for (let t1 = 0; t1 < V; t1++) {
      const pa = p1[t1]!;
      if (pa === 0) continue;
      const cells: Group['cells'][number][] = [];
      if (n * pa >= minExpected) {
        const branch = cache.clone(); // the prefill's keys/values, for t1 alone
        try {
          const { logits } = await lm.forward([t1], [L0], causalBias(1, L0), branch); // logits [1, V]
          const pb = dist(logits, 0, [...promptIds, t1]);
          p2.set(t1, pb);
          for (let t2 = 0; t2 < V; t2++) {
            if (n * pa * pb[t2]! >= minExpected) cells.push({ key: String(t2), prob: pa * pb[t2]! });
          }
        } finally {
          branch.release();
        }
      }
      groups.push({ name: String(t1), prob: pa, cells });
    }
  } finally {
    cache.release();
  }
  return {
    groups,
    impossible: (t1, t2) => p1[t1] === 0 || p2.get(t1)?.[t2] === 0,
    expanded: p2.size,
  };
}

/** How often the first speculative step really exercised the verifier. */
export interface DraftedStats {
  /** Samples whose first decode step verified drafts (prompt lookup may find none). */
  drafted: number;
  /** ... with at least one draft accepted; with at least one rejected; with both. */
  accepted: number;
  rejected: number;
  both: number;
}

export interface FirstTwoTally extends DraftedStats {
  /** "t1 t2" -> how many samples emitted that pair. */
  counts: Record<string, number>;
}

export interface SampleJob {
  /** Drafter 'none' is plain autoregressive decoding through the same loop. */
  drafter: DrafterSettings;
  acceptance: Acceptance;
  sampling: SamplingSetting;
  promptIds: number[];
  /** Seeds from .. to - 1, one decode each. */
  from: number;
  to: number;
}

export async function sampleFirstTwo(model: LoadedModel, job: SampleJob): Promise<FirstTwoTally> {
  const drafter = createDrafter(model, job.drafter);
  const tally: FirstTwoTally = { counts: {}, drafted: 0, accepted: 0, rejected: 0, both: 0 };
  for (let seed = job.from; seed < job.to; seed++) {
    const res = await speculativeGenerate(model, drafter, { ids: job.promptIds }, {
      ...job.sampling,
      maxTokens: 2,
      stopAtEos: false,
      seed,
      acceptance: job.acceptance,
    });
    const [t1, t2] = res.tokens;
    const step = res.steps[1];
    if (res.tokens.length !== 2 || t1 === undefined || t2 === undefined || step?.kind !== 'decode') {
      throw new Error(
        `seed ${seed}: expected 2 tokens from a prefill and a decode step, got ${res.tokens.length} tokens ` +
          `in ${res.steps.length} steps (stop: ${res.stopReason}); use a prompt that leaves room in the context`,
      );
    }
    const key = `${t1} ${t2}`;
    tally.counts[key] = (tally.counts[key] ?? 0) + 1;
    if (step.draft) {
      const acc = step.verify.decisions.some((d) => d.accepted);
      const rej = step.verify.decisions.some((d) => !d.accepted);
      tally.drafted++;
      if (acc) tally.accepted++;
      if (rej) tally.rejected++;
      if (acc && rej) tally.both++;
    }
  }
  return tally;
}
