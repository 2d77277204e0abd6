/**
 * The simulator's export as vLLM's speculative_config (src/ui/simulator/speculative-config.ts):
 * the keys per method, the round trip through JSON, and a hand-edited config refused by key.
 */
import { describe, expect, it } from 'vitest';

import { methodFor, modelPlaceholder, parseSpeculativeConfig, speculativeConfig, speculativeConfigJson, VLLM_METHODS } from '../src/ui/simulator/speculative-config.ts';

describe('speculative_config export', () => {
  it('writes ngram with our prompt-lookup n-gram sizes and no model', () => {
    expect(JSON.parse(speculativeConfigJson(speculativeConfig('ngram', 4)))).toEqual({ method: 'ngram', num_speculative_tokens: 4, prompt_lookup_max: 3, prompt_lookup_min: 1 });
  });

  it('writes a model placeholder for a method that needs a drafter, or the model given', () => {
    expect(speculativeConfig('medusa', 3)).toEqual({ method: 'medusa', model: modelPlaceholder('medusa'), num_speculative_tokens: 3 });
    expect(speculativeConfig('eagle', 5, { model: ' yuhuili/EAGLE-LLaMA3.1-Instruct-8B ' }).model).toBe('yuhuili/EAGLE-LLaMA3.1-Instruct-8B');
    expect(speculativeConfig('mtp', 1)).toEqual({ method: 'mtp', num_speculative_tokens: 1 });
  });

  it('names our drafters as vLLM does', () => {
    expect([methodFor('heads'), methodFor('draft-model'), methodFor('prompt-lookup'), methodFor('none')]).toEqual(['medusa', 'draft_model', 'ngram', null]);
  });

  it('round-trips: every method and k parses back to the same configuration', () => {
    for (const method of VLLM_METHODS) {
      for (const k of [1, 7, 32]) {
        const cfg = speculativeConfig(method, k, { model: method === 'ngram' ? undefined : 'org/drafter', lookup: { max: 4, min: 2 } });
        expect(parseSpeculativeConfig(speculativeConfigJson(cfg))).toEqual(cfg);
      }
    }
  });

  it('refuses a k out of range when building', () => {
    expect(() => speculativeConfig('ngram', 0)).toThrow(/num_speculative_tokens: expected a whole number from 1 to 32/);
    expect(() => speculativeConfig('ngram', 4, { lookup: { max: 2, min: 3 } })).toThrow(/prompt_lookup_min: expected at most prompt_lookup_max \(2\), found 3/);
  });
});

describe('speculative_config parse', () => {
  const bad = (text: string, re: RegExp) => expect(() => parseSpeculativeConfig(text)).toThrow(re);
  it('refuses text that is not JSON', () => bad('{method: ngram}', /is not JSON/));
  it('refuses what is not an object', () => bad('[1]', /expected a JSON object/));
  it('refuses an unknown method', () => bad('{"method": "lookahead", "num_speculative_tokens": 2}', /method: expected one of eagle, eagle3, medusa, mtp, draft_model, ngram/));
  it('refuses a fractional k', () => bad('{"method": "ngram", "num_speculative_tokens": 2.5}', /num_speculative_tokens: expected a whole number from 1 to 32/));
  it('refuses a k given as a string', () => bad('{"method": "ngram", "num_speculative_tokens": "2"}', /num_speculative_tokens: expected a number/));
  it('refuses keys it does not read', () => bad('{"method": "ngram", "num_speculative_tokens": 2, "draft_tensor_parallel_size": 1}', /reads only method, model.*found 'draft_tensor_parallel_size'/));
  it('refuses a model-based method without a model', () => bad('{"method": "eagle", "num_speculative_tokens": 2}', /model: method 'eagle' needs the drafter's model/));
  it('refuses ngram sizes on another method', () => bad('{"method": "medusa", "model": "m", "num_speculative_tokens": 2, "prompt_lookup_max": 3}', /prompt_lookup_max: only method 'ngram'/));
  it('refuses ngram with a model', () => bad('{"method": "ngram", "model": "m", "num_speculative_tokens": 2}', /takes no model/));
  it('refuses an oversized paste before parsing', () => bad(' '.repeat(10_001), /10001 characters/));
});
