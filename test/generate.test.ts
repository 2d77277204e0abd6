/**
 * Autoregressive decoding: greedy output equals PyTorch's token for token; sampling draws
 * one uniform per token exactly as a hand-written loop does; the prompt policy, option
 * checks, EOS, context_full and abort behave as documented.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';

import { argmax, causalBias, generate, Rng, sampleFrom, toProbs, type CausalLM, type LoadedModel } from '../src/engine/index.ts';
import { loadGolden, loadTestModel } from './model-paths.ts';

let model: LoadedModel;
beforeAll(async () => {
  model = await loadTestModel([]);
}, 60_000);
afterAll(async () => {
  await model?.release();
});

describe('generate', () => {
  it("reproduces PyTorch's greedy continuations token for token", async () => {
    const cases = loadGolden().greedy;
    expect(cases.length).toBeGreaterThan(0);
    for (const c of cases) {
      if (c.prompt_ids.length < 2) continue; // BOS alone: see the next test
      const r = await generate(model, { ids: c.prompt_ids }, { maxTokens: c.max_new_tokens, stopAtEos: false });
      expect(r.tokens, `${c.domain}: ${JSON.stringify(c.prompt.slice(0, 40))}`).toEqual(c.output_ids);
      expect(r.stopReason).toBe('max_tokens');
      expect(r.forwards).toBe(c.max_new_tokens); // the prefill yields the first token
      expect(r.promptIds).toEqual(c.prompt_ids);
      expect(r.text).toBe(model.tokenizer.decode(c.output_ids));
    }
  });

  it('a golden case with BOS alone is refused by the prompt policy, and the model still matches it', async () => {
    // train/fixtures.py slices its greedy prompts from a held-out document at fixed offsets;
    // when the document is shorter than the offset the prompt is BOS alone, which generate()
    // refuses as empty. The continuation is still checked, with the bare KV-cached loop.
    const V = model.config.vocab_size;
    for (const c of loadGolden().greedy.filter((x) => x.prompt_ids.length < 2)) {
      await expect(generate(model, { ids: c.prompt_ids }, { maxTokens: 3 })).rejects.toThrow(/prompt is empty/);
      const cache = model.base.newCache();
      let { logits } = await model.base.forward(c.prompt_ids, [0], causalBias(1, 0), cache);
      const out: number[] = [];
      for (let i = 0; i < c.max_new_tokens; i++) {
        out.push(argmax(logits, 0, V));
        if (i === c.max_new_tokens - 1) break;
        const P = cache.length;
        ({ logits } = await model.base.forward([out[i]!], [P], causalBias(1, P), cache));
      }
      cache.release();
      expect(out).toEqual(c.output_ids);
    }
  });

  it('a string prompt gets BOS prepended and matches the same ids', async () => {
    const c = loadGolden().greedy[0]!;
    expect(model.tokenizer.encode(c.prompt)).toEqual(c.prompt_ids.slice(1));
    const r = await generate(model, c.prompt, { maxTokens: 5, stopAtEos: false });
    expect(r.promptIds).toEqual(c.prompt_ids);
    expect(r.tokens).toEqual(c.output_ids.slice(0, 5));
  });

  it('streams tokens whose texts concatenate to the result text', async () => {
    const seen: number[] = [];
    let text = '';
    const r = await generate(model, 'And the', {
      maxTokens: 12,
      temperature: 1,
      seed: 3,
      stopAtEos: false,
      onToken: (t, s) => {
        seen.push(t);
        text += s;
      },
    });
    expect(seen).toEqual(r.tokens);
    // only a character cut off by the last token (U+FFFD in text) may be missing from the stream
    expect(r.text.startsWith(text)).toBe(true);
    expect(['', '\uFFFD']).toContain(r.text.slice(text.length));
  });

  it('samples with one uniform per token, as a plain full-recompute loop does', async () => {
    const params = { temperature: 0.8, topK: 20, topP: 0.9 };
    const r = await generate(model, 'In the beginning', { maxTokens: 8, seed: 11, stopAtEos: false, ...params });
    const V = model.config.vocab_size;
    const rng = new Rng(11);
    const seq = [...r.promptIds];
    const want: number[] = [];
    for (let i = 0; i < 8; i++) {
      const cache = model.base.newCache();
      const pos = seq.map((_, j) => j);
      const { logits } = await model.base.forward(seq, pos, causalBias(seq.length, 0), cache);
      cache.release();
      const tok = sampleFrom(toProbs(logits, params, (seq.length - 1) * V, V), rng.uniform());
      want.push(tok);
      seq.push(tok);
    }
    expect(r.tokens).toEqual(want);
    const again = await generate(model, 'In the beginning', { maxTokens: 8, seed: 11, stopAtEos: false, ...params });
    expect(again.tokens).toEqual(r.tokens);
  });

  it('stops at EOS when asked, keeping it in tokens but not in text', async () => {
    // A base model whose 4th forward makes EOS the argmax: the stop is then certain.
    const eos = model.config.eos_token_id;
    const V = model.config.vocab_size;
    const forcedAt = (k: number) => {
      let calls = 0;
      const forward: CausalLM['forward'] = async (...args) => {
        const out = await model.base.forward(...args);
        if (++calls === k) out.logits[out.logits.length - V + eos] = 1e9;
        return out;
      };
      return { ...model, base: Object.assign(Object.create(model.base) as CausalLM, { forward }) };
    };
    const r = await generate(forcedAt(4), 'And the', { maxTokens: 10 });
    expect(r.stopReason).toBe('eos');
    expect(r.tokens.length).toBe(4);
    expect(r.tokens[3]).toBe(eos);
    expect(r.text).toBe(model.tokenizer.decode(r.tokens.slice(0, 3)));
    const on = await generate(forcedAt(4), 'And the', { maxTokens: 10, stopAtEos: false });
    expect(on.stopReason).toBe('max_tokens');
    expect(on.tokens.slice(0, 4)).toEqual(r.tokens);
    expect(on.text).toContain('<|endoftext|>');
  });

  it('stops with context_full when the next token would need position n_positions', async () => {
    const N = model.config.n_positions;
    const bos = model.config.bos_token_id;
    const fill = (n: number) => [bos, ...Array.from({ length: n }, (_, i) => 32 + (i % 50))];
    const r = await generate(model, { ids: fill(N - 4) }, { maxTokens: 50, stopAtEos: false });
    expect(r.stopReason).toBe('context_full');
    // every fed token sits at a position < N; the last one is predicted from position N-1
    expect(r.promptIds.length + r.tokens.length).toBe(N + 1);
    const full = await generate(model, { ids: fill(N - 1) }, { maxTokens: 5, stopAtEos: false });
    expect(full.tokens.length).toBe(1);
    expect(full.stopReason).toBe('context_full');
  });

  it('refuses an empty prompt and an over-long one, saying what to do', async () => {
    const N = model.config.n_positions;
    const bos = model.config.bos_token_id;
    await expect(generate(model, '', { maxTokens: 4 })).rejects.toThrow(/prompt is empty/);
    await expect(generate(model, { ids: [bos] }, { maxTokens: 4 })).rejects.toThrow(/prompt is empty/);
    const long = [bos, ...Array.from({ length: N }, () => 40)];
    await expect(generate(model, { ids: long }, { maxTokens: 4 })).rejects.toThrow(
      new RegExp(`prompt is ${N} tokens but the model's context is ${N} positions.*at most ${N - 1}.*shorten`),
    );
    await expect(generate(model, { ids: [5, 6] }, { maxTokens: 4 })).rejects.toThrow(/must start with the BOS token/);
  });

  it('validates options with the offending value', async () => {
    const bad: Array<[object, RegExp]> = [
      [{ maxTokens: 0 }, /maxTokens must be a positive integer, got 0/],
      [{ maxTokens: 2.5 }, /maxTokens must be a positive integer, got 2.5/],
      [{}, /maxTokens must be a positive integer, got undefined/],
      [{ maxTokens: 3, temperature: -0.5 }, /temperature/],
      [{ maxTokens: 3, topK: -1 }, /top-k/],
      [{ maxTokens: 3, topP: 1.5 }, /top-p/],
      [{ maxTokens: 3, seed: -2 }, /seed must be a non-negative integer, got -2/],
    ];
    for (const [opts, re] of bad) {
      await expect(generate(model, 'hi', opts as { maxTokens: number })).rejects.toThrow(re);
    }
  });

  it('an abort mid-generation returns "aborted", and the model generates again afterwards', async () => {
    const ac = new AbortController();
    let n = 0;
    // The abort arrives as a macrotask, like a worker's Stop message: generate must yield for it to land.
    const r = await generate(model, 'And', {
      maxTokens: 200,
      stopAtEos: false,
      signal: ac.signal,
      onToken: () => {
        if (++n === 3) setTimeout(() => ac.abort(), 0);
      },
    });
    expect(r.stopReason).toBe('aborted');
    expect(r.tokens.length).toBeGreaterThanOrEqual(3);
    expect(r.tokens.length).toBeLessThan(200);
    const pre = new AbortController();
    pre.abort();
    const none = await generate(model, 'And', { maxTokens: 5, signal: pre.signal });
    expect(none).toMatchObject({ stopReason: 'aborted', tokens: [], forwards: 0 });
    const c = loadGolden().greedy[1]!;
    const after = await generate(model, { ids: c.prompt_ids }, { maxTokens: c.max_new_tokens, stopAtEos: false });
    expect(after.tokens).toEqual(c.output_ids);
  });
});
