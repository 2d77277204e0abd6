/**
 * The decode trace: the same seed writes the same bytes (timings off), every trace replays
 * to its own output without the model, parse(traceToJson(t)) gives t back, and hostile or
 * corrupt files are refused with a message naming the problem and where it is.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';

import {
  buildTrace,
  createDrafter,
  decodeConfig,
  specOptionsOf,
  type DecodeConfigInput,
  MAX_TRACE_CHARS,
  parseTrace,
  replayTrace,
  speculativeGenerate,
  stripTimings,
  traceToJson,
  type LoadedModel,
  type SpecResult,
  type Trace,
} from '../src/engine/index.ts';
import { loadTestModel } from './model-paths.ts';

const PROMPT = 'The word of the LORD came unto me, saying,';

const RUNS: Record<string, DecodeConfigInput> = {
  'none, greedy': { drafter: 'none', maxTokens: 24 },
  'heads chain, greedy': { drafter: 'heads', k: 3, maxTokens: 24 },
  'heads tree, greedy': { drafter: 'heads-tree', tree: 'tree-8', maxTokens: 24 },
  'draft model, greedy': { drafter: 'draft-model', k: 2, maxTokens: 24 },
  'draft model, sampled': { drafter: 'draft-model', k: 3, temperature: 1, seed: 11, maxTokens: 24 },
  'heads chain, sampled, adaptive, top-k': { drafter: 'heads', k: 4, temperature: 0.8, topK: 20, adaptive: true, seed: 11, maxTokens: 24 },
  'heads tree, sampled, top-p': { drafter: 'heads-tree', tree: 'tree-12', temperature: 1, topP: 0.9, seed: 11, maxTokens: 24 },
  'prompt lookup, sampled': { drafter: 'prompt-lookup', k: 4, temperature: 1, seed: 11, maxTokens: 24 },
  'typical acceptance': { drafter: 'heads-tree', tree: 'tree-8', temperature: 1, acceptance: 'typical', seed: 11, maxTokens: 24 },
};

let model: LoadedModel;
const recorded = new Map<string, { result: SpecResult; trace: Trace }>();

async function record(input: DecodeConfigInput): Promise<{ result: SpecResult; trace: Trace }> {
  const cfg = decodeConfig(input);
  const result = await speculativeGenerate(model, createDrafter(model, cfg), PROMPT, specOptionsOf(cfg));
  return { result, trace: buildTrace(result, cfg, model) };
}

beforeAll(async () => {
  model = await loadTestModel();
  for (const [name, cfg] of Object.entries(RUNS)) recorded.set(name, await record(cfg));
}, 120_000);

afterAll(async () => {
  await model?.release();
});

const TIMED = /"(draftMs|verifyForwardMs|verifyDecisionsMs|acceptMs|totalMs|timings|elapsedMs|elapsed_ms|tokens_per_second|cost_coefficient|predicted_speedup)"/;

describe('determinism', () => {
  it('the same seed gives a byte-identical trace with timings off, for every drafter', async () => {
    const differ: string[] = [];
    for (const [name, cfg] of Object.entries(RUNS)) {
      const again = await record(cfg);
      const a = traceToJson(recorded.get(name)!.trace, { timings: false });
      const b = traceToJson(again.trace, { timings: false });
      if (a !== b) differ.push(name);
      expect(a).not.toMatch(TIMED);
    }
    expect(differ).toEqual([]);
  });

  it('with timings on, the measured times are written', () => {
    expect(traceToJson(recorded.get('heads chain, greedy')!.trace, { timings: true })).toMatch(TIMED);
  });

  it('a different seed gives a different sampled trace', async () => {
    const cfg = RUNS['draft model, sampled']!;
    const other = await record({ ...cfg, seed: 12 });
    expect(traceToJson(other.trace, { timings: false })).not.toBe(traceToJson(recorded.get('draft model, sampled')!.trace, { timings: false }));
  });

  it('has keys in a fixed order whatever order the object was built in', () => {
    const { trace } = recorded.get('heads chain, greedy')!;
    const shuffled = JSON.parse(JSON.stringify(trace), (_k, v) =>
      v && typeof v === 'object' && !Array.isArray(v) ? Object.fromEntries(Object.entries(v).reverse()) : v,
    ) as Trace;
    expect(Object.keys(shuffled)[0]).toBe('metrics');
    expect(traceToJson(shuffled, { timings: true })).toBe(traceToJson(trace, { timings: true }));
  });
});

describe('round trip and replay', () => {
  it('parse(traceToJson(t)) deep-equals t, with and without timings', () => {
    for (const { trace } of recorded.values()) {
      const json = traceToJson(trace, { timings: true });
      const back = parseTrace(json);
      expect(back).toStrictEqual(trace);
      expect(traceToJson(back, { timings: true })).toBe(json);
      expect(parseTrace(traceToJson(trace, { timings: false }))).toStrictEqual(stripTimings(trace));
    }
  });

  it('every trace replays, from its steps alone, to the run’s tokens and text', () => {
    for (const [name, { result, trace }] of recorded) {
      const replay = replayTrace(parseTrace(traceToJson(trace, { timings: false })));
      expect(replay.mismatch, name).toBeNull();
      expect(replay.tokens, name).toEqual(result.tokens);
      expect(replay.text, name).toBe(result.text);
    }
  });

  it('covers drafts, sampled decisions and both kinds of final token', () => {
    const steps = [...recorded.values()].flatMap((r) => r.trace.steps);
    const kinds = new Set(steps.flatMap((s) => s.verify.decisions.map((d) => `${d.kind}:${d.accepted}`)));
    for (const k of ['match:true', 'match:false', 'ratio:false', 'typical:true']) expect(kinds).toContain(k);
    expect(new Set(steps.map((s) => s.verify.final.kind))).toEqual(new Set(['bonus', 'correction']));
  });

  it('shares nothing with the result it was built from', () => {
    const { result, trace } = recorded.get('heads chain, greedy')!;
    trace.steps[1]!.emitted.push(0);
    expect(result.steps[1]!.emitted).not.toContain(0);
    trace.steps[1]!.emitted.pop();
  });
});

describe('replay finds the step that does not add up', () => {
  const tampered = (edit: (t: Trace) => void) => {
    const t = structuredClone(recorded.get('draft model, sampled')!.trace);
    edit(t);
    return replayTrace(t).mismatch;
  };
  const firstRatio = (t: Trace) => {
    const i = t.steps.findIndex((s) => s.verify.decisions.some((d) => d.kind === 'ratio'));
    return { i, d: t.steps[i]!.verify.decisions.find((d) => d.kind === 'ratio')! };
  };

  it('an untouched copy replays clean', () => {
    expect(tampered(() => {})).toBeNull();
  });
  it('a changed emitted token', () => {
    expect(tampered((t) => { t.steps[2]!.emitted[0] = (t.steps[2]!.emitted[0]! + 1) % t.model.vocab_size; })?.step).toBe(2);
  });
  it('a KV length off by one', () => {
    expect(tampered((t) => { t.steps[2]!.kvAfter += 1; })).toMatchObject({ step: 2, message: expect.stringMatching(/kvAfter/) });
  });
  it('a flipped accept decision', () => {
    const t0 = recorded.get('draft model, sampled')!.trace;
    const { i } = firstRatio(t0);
    expect(tampered((t) => { const { d } = firstRatio(t); d.accepted = !d.accepted; })?.step).toBe(i);
  });
  it('a uniform that contradicts its decision', () => {
    // a decision with 0 < threshold: u = threshold contradicts an accept (it needs u < threshold),
    // u = 0 contradicts a reject
    const uncertain = (t: Trace) => {
      const i = t.steps.findIndex((s) => s.verify.decisions.some((d) => d.kind === 'ratio' && d.threshold > 0));
      return { i, d: t.steps[i]!.verify.decisions.find((d) => d.kind === 'ratio' && d.threshold > 0)! };
    };
    const { i } = uncertain(recorded.get('draft model, sampled')!.trace);
    expect(i).toBeGreaterThanOrEqual(0);
    expect(tampered((t) => {
      const { d } = uncertain(t);
      if (d.kind === 'ratio') d.u = d.accepted ? d.threshold : 0;
    })).toMatchObject({ step: i, message: expect.stringMatching(/threshold/) });
  });
  it('result tokens, stop reason, metrics or a missing step', () => {
    expect(tampered((t) => { t.result.tokens[0] = (t.result.tokens[0]! + 1) % 300; })).toMatchObject({ step: null, message: expect.stringMatching(/result\.tokens/) });
    expect(tampered((t) => { t.result.stopReason = 'eos'; })?.message).toMatch(/stopReason/);
    expect(tampered((t) => { t.metrics.num_accepted_tokens += 1; })?.message).toMatch(/metrics\.num_accepted_tokens/);
    expect(tampered((t) => { t.steps.pop(); })?.message).toMatch(/result\.tokens/);
  });
});

describe('parseTrace refuses bad files', () => {
  let base: string;
  beforeAll(() => {
    base = traceToJson(recorded.get('draft model, sampled')!.trace, { timings: true });
  });
  const edit = (fn: (o: any) => void) => {
    const o = JSON.parse(base);
    fn(o);
    return JSON.stringify(o);
  };

  it('accepts the untouched file', () => {
    expect(() => parseTrace(base)).not.toThrow();
  });
  it('not JSON, or not an object', () => {
    expect(() => parseTrace('{"format": "space-decode-trace",', 'run.json')).toThrow(/run\.json is not valid JSON/);
    expect(() => parseTrace('[1, 2]')).toThrow(/expected a JSON object, found an array of 2/);
    expect(() => parseTrace(base.replace('"kvBefore":0', '"kvBefore":NaN'))).toThrow(/not valid JSON/);
  });
  it('the wrong format or version', () => {
    expect(() => parseTrace(edit((o) => { o.format = 'chrome-trace'; }))).toThrow(/format is "chrome-trace"/);
    expect(() => parseTrace(edit((o) => { o.version = 3; }))).toThrow(/version 3, but this app reads versions 1 and 2/);
    expect(() => parseTrace(edit((o) => { delete o.version; }))).toThrow(/version undefined/);
  });
  it('missing fields and wrong types, by path', () => {
    expect(() => parseTrace(edit((o) => { delete o.steps; }))).toThrow(/\n {2}steps: .*expected array/);
    expect(() => parseTrace(edit((o) => { delete o.steps[1].verify.final; }))).toThrow(/steps\[1\]\.verify\.final: .*expected object/);
    expect(() => parseTrace(edit((o) => { o.steps[1].kvBefore = '17'; }))).toThrow(/steps\[1\]\.kvBefore: .*expected number, received string/);
    expect(() => parseTrace(edit((o) => { o.config.drafter = 'no-such-drafter'; }))).toThrow(/config\.drafter/);
    expect(() => parseTrace(edit((o) => { o.steps[0].extra = 1; }))).toThrow(/steps\[0\]: Unrecognized key: "extra"/);
  });
  it('out-of-range numbers: negative lengths, infinities, probabilities over 1', () => {
    expect(() => parseTrace(edit((o) => { o.steps[1].kvAfter = -1; }))).toThrow(/steps\[1\]\.kvAfter: Too small/);
    expect(() => parseTrace(base.replace(/"kvAfter":\d+/, '"kvAfter":1e999'))).toThrow(/steps\[0\]\.kvAfter: .*Infinity/);
    expect(() => parseTrace(edit((o) => { o.steps[0].target.nodes[0].top[0].prob = 1.5; }))).toThrow(/steps\[0\]\.target\.nodes\[0\]\.top\[0\]\.prob: Too big/);
  });
  it('token ids outside the vocabulary', () => {
    const V = (JSON.parse(base) as Trace).model.vocab_size;
    expect(() => parseTrace(edit((o) => { o.steps[1].emitted[0] = o.model.vocab_size; })))
      .toThrow(new RegExp(`steps\\[1\\]\\.emitted\\[0\\]: expected a token id in the model's vocabulary \\[0, ${V}\\) \\(found ${V}\\)`));
    expect(() => parseTrace(edit((o) => { o.prompt.ids[1] = -1; }))).toThrow(/prompt\.ids\[1\]: expected a token id/);
  });
  it('lists longer than a trace can hold', () => {
    expect(() => parseTrace(edit((o) => { o.steps = new Array(o.model.n_positions + 1).fill(o.steps[1]); })))
      .toThrow(/\n {2}steps: Too big: expected array to have <=256 items/);
    expect(() => parseTrace(edit((o) => { o.steps[1].draft.tree = Array.from({ length: 64 }, (_, i) => [i]); })))
      .toThrow(/steps\[1\]\.draft\.tree: Too big: expected array to have <=63 items/);
    expect(() => parseTrace(edit((o) => { o.steps[1].target.nodes[0].top = new Array(65).fill({ token: 1, prob: 0.01 }); })))
      .toThrow(/steps\[1\]\.target\.nodes\[0\]\.top: Too big/);
    expect(() => parseTrace(edit((o) => { o.result.tokens = new Array(70_000).fill(1); }))).toThrow(/result\.tokens: 70000 items/);
    expect(() => parseTrace(edit((o) => { o.steps[1].text = JSON.parse('['.repeat(20) + ']'.repeat(20)); }))).toThrow(/nested deeper/);
  });
  it('a tree that is not a tree', () => {
    expect(() => parseTrace(edit((o) => { o.steps[1].draft.tree = [[0], [1, 0, 0]]; }))).toThrow(/steps\[1\]\.draft\.tree: tree path \[1,0,0\] needs its parent/);
  });
  it('a file over the size limit, before parsing it', () => {
    expect(() => parseTrace(' '.repeat(MAX_TRACE_CHARS + 1))).toThrow(/over the 50000000 limit/);
  });
  it('"__proto__" and "constructor" keys are refused and pollute nothing', () => {
    const top = `{"__proto__":{"polluted":"yes"},${base.slice(1)}`;
    expect(() => parseTrace(top)).toThrow(/Unrecognized key: "__proto__"/);
    const nested = base.replace('{"index":1,', '{"__proto__":{"kvBefore":0,"polluted":"yes"},"index":1,');
    expect(nested).not.toBe(base);
    expect(() => parseTrace(nested)).toThrow(/steps\[1\]: Unrecognized key: "__proto__"/);
    const ctor = base.replace('"model": {', '"model": {"constructor":{"prototype":{"polluted":"yes"}},');
    expect(ctor).not.toBe(base);
    expect(() => parseTrace(ctor)).toThrow(/model: Unrecognized key: "constructor"/);
    expect(({} as Record<string, unknown>).polluted).toBeUndefined();
    expect(Object.prototype).not.toHaveProperty('polluted');
  });
  it('shows at most ten problems', () => {
    const many = edit((o) => { for (const s of o.steps) s.kvBefore = s.kvAfter = 'x'; });
    expect(() => parseTrace(many)).toThrow(/\(and \d+ more\)/);
  });
});
