/**
 * The logits processors (src/engine/decoding/processors.ts) on a 5-token vocabulary, worked out on
 * paper; a row's prefix split anywhere between the indexed context and the tail gives the
 * same row; and the settings as the link, the CLIs and the engine take them.
 */
import { describe, expect, it } from 'vitest';

import { parseConfigSpec } from '../src/cli/bench-configs.ts';
import { baselineFor } from '../src/cli/bench-configs.ts';
import { parseRunConfig } from '../src/cli/run-config.ts';
import { samplingLabel, specOptionsOf } from '../src/engine/decoding/decode-config.ts';
import { decodeSettings } from '../src/engine/decoding/decode-settings.ts';
import { LogitsProcessors, processLogits, type ProcessorSettings } from '../src/engine/decoding/processors.ts';
import { Rng } from '../src/engine/decoding/rng.ts';
import { DEFAULT_SETTINGS, settingsFromQuery, settingsToQuery } from '../src/ui/store/settings.ts';

const V = 5;
const NEG = -Infinity;

function processed(logits: number[], prefix: number[], settings: Partial<ProcessorSettings>): number[] {
  const row = Float32Array.from(logits);
  processLogits(row, 0, V, prefix, { repetitionPenalty: 1, noRepeatNgramSize: 0, ...settings });
  return Array.from(row);
}

describe('repetition_penalty', () => {
  it('divides positive and multiplies negative logits of every token in the prefix, once per token', () => {
    // token 1: -1 * 2; token 3 (twice in the prefix, penalised once): 3 / 2; token 4: -2 * 2; 0 and 2 untouched
    expect(processed([2, -1, 0.5, 3, -2], [1, 3, 3, 4], { repetitionPenalty: 2 })).toEqual([2, -2, 0.5, 1.5, -4]);
  });

  it('includes the prompt (BOS too) and leaves a zero logit at zero', () => {
    expect(processed([1, 0, 4, 4, 4], [0, 1], { repetitionPenalty: 4 })).toEqual([0.25, 0, 4, 4, 4]);
  });

  it('below 1 it favours repeats, as in Hugging Face', () => {
    expect(processed([1, -1, 1, 1, 1], [0, 1], { repetitionPenalty: 0.5 })).toEqual([2, -0.5, 1, 1, 1]);
  });

  it('at 1 changes nothing', () => {
    expect(processed([1, -1, 2, 0.5, 3], [0, 1, 2, 3, 4], { repetitionPenalty: 1 })).toEqual([1, -1, 2, 0.5, 3]);
  });
});

describe('no_repeat_ngram_size', () => {
  const flat = [1, 1, 1, 1, 1];

  it('n = 3: bans what followed the last two tokens before', () => {
    // (1, 2, 3) occurred; the prefix ends with 1, 2, so 3 would repeat it
    expect(processed(flat, [1, 2, 3, 1, 2], { noRepeatNgramSize: 3 })).toEqual([1, 1, 1, NEG, 1]);
    // two earlier continuations of (1, 2): 3 and 4
    expect(processed(flat, [1, 2, 3, 1, 2, 4, 1, 2], { noRepeatNgramSize: 3 })).toEqual([1, 1, 1, NEG, NEG]);
  });

  it('n = 2: bans what followed the last token', () => {
    expect(processed(flat, [0, 1, 2, 0], { noRepeatNgramSize: 2 })).toEqual([1, NEG, 1, 1, 1]);
  });

  it('n = 1: bans every token of the prefix', () => {
    expect(processed(flat, [4, 0, 4], { noRepeatNgramSize: 1 })).toEqual([NEG, 1, 1, 1, NEG]);
  });

  it('bans nothing before an n-gram can repeat', () => {
    expect(processed(flat, [1, 2], { noRepeatNgramSize: 3 })).toEqual(flat);
    // (1, 2, 1) is the only 3-gram; the prefix ends with (2, 1), which has not been followed yet
    expect(processed(flat, [1, 2, 1], { noRepeatNgramSize: 3 })).toEqual(flat);
    expect(processed(flat, [1, 2, 1, 2], { noRepeatNgramSize: 3 })).toEqual([1, NEG, 1, 1, 1]);
  });

  it('refuses to ban every token, saying what to change', () => {
    expect(() => processed([1, 1, 1, 1, 1], [0, 1, 2, 3, 4], { noRepeatNgramSize: 1 })).toThrow(
      /no_repeat_ngram_size 1 bans every one of the 5 tokens after this 5-token prefix; use a larger no_repeat_ngram_size, or 0 \(off\)/,
    );
    expect(processed([1, 1, 1, 1, 1], [0, 1, 2, 3, 4], { noRepeatNgramSize: 2 })).toEqual([1, 1, 1, 1, 1]);
  });

  it('with repetition_penalty: both apply (a banned token stays banned)', () => {
    const got = processed([1, 1, 1, 1, -1], [1, 2, 3, 1, 2], { repetitionPenalty: 2, noRepeatNgramSize: 3 });
    expect(got).toEqual([1, 0.5, 0.5, NEG, -1]);
  });
});

describe('the indexed context and the tail', () => {
  it('give the row the whole prefix would, wherever the prefix is split and however the context grew', () => {
    // prefixes over 5 of 8 tokens, so even n = 1 leaves some token allowed
    const VP = 8;
    const rng = new Rng(5);
    const pick = () => Math.floor(rng.uniform() * 5);
    let checked = 0;
    for (let trial = 0; trial < 60; trial++) {
      const settings: ProcessorSettings = { repetitionPenalty: trial % 3 === 0 ? 1 : 1.7, noRepeatNgramSize: trial % 4 };
      if (settings.repetitionPenalty === 1 && settings.noRepeatNgramSize === 0) continue;
      const prefix = Array.from({ length: 2 + (trial % 9) }, pick);
      const logits = Array.from({ length: VP }, () => rng.uniform() * 6 - 3);
      const whole = Float32Array.from(logits);
      processLogits(whole, 0, VP, prefix, settings);
      const want = Array.from(whole);
      // one LogitsProcessors per "decode", fed a context that grows through every split point
      const p = new LogitsProcessors(settings, VP);
      for (let cut = 0; cut <= prefix.length; cut++) {
        const row = Float32Array.from(logits);
        p.apply(row, 0, prefix.slice(0, cut), prefix.slice(cut));
        expect(Array.from(row), `prefix ${prefix} cut at ${cut}`).toEqual(want);
        checked++;
      }
    }
    expect(checked).toBeGreaterThan(200);
  });

  it('works on a row inside a larger buffer and leaves the other rows alone', () => {
    const rows = Float32Array.from([1, 1, 1, 1, 1, 2, 2, 2, 2, 2, 3, 3, 3, 3, 3]); // [3, V]
    new LogitsProcessors({ repetitionPenalty: 2, noRepeatNgramSize: 0 }, V).apply(rows, V, [0], [4]);
    expect(Array.from(rows)).toEqual([1, 1, 1, 1, 1, 1, 2, 2, 2, 1, 3, 3, 3, 3, 3]);
  });

  it('refuses a context that does not extend the one it indexed', () => {
    const p = new LogitsProcessors({ repetitionPenalty: 1.5, noRepeatNgramSize: 2 }, V);
    p.apply(new Float32Array(V), 0, [0, 1, 2]);
    expect(() => p.apply(new Float32Array(V), 0, [0, 1])).toThrow(/does not extend.*one LogitsProcessors per decode/);
    expect(() => p.apply(new Float32Array(V), 0, [0, 1, 3, 4])).toThrow(/does not extend/);
    expect(() => new LogitsProcessors({ repetitionPenalty: 1.5, noRepeatNgramSize: 0 }, V).apply(new Float32Array(V), 0, [7])).toThrow(
      /token 7 is outside the vocabulary \[0, 5\)/,
    );
  });
});

describe('the settings', () => {
  it('the engine defaults them to off and refuses bad values, naming them', () => {
    const s = decodeSettings({ maxTokens: 4 });
    expect([s.repetitionPenalty, s.noRepeatNgramSize]).toEqual([1, 0]);
    for (const repetitionPenalty of [0, -1, Number.NaN, Infinity]) {
      expect(() => decodeSettings({ maxTokens: 4, repetitionPenalty })).toThrow(/repetition_penalty must be a finite number > 0 \(1 = off\)/);
    }
    for (const noRepeatNgramSize of [-1, 2.5, Number.NaN]) {
      expect(() => decodeSettings({ maxTokens: 4, noRepeatNgramSize })).toThrow(/no_repeat_ngram_size must be an integer >= 0 \(0 = off\)/);
    }
  });

  it('the link: round trip, and bad values fall back to the defaults with a note', () => {
    const on = { ...DEFAULT_SETTINGS, repetitionPenalty: 1.3, noRepeatNgramSize: 3 };
    const q = settingsToQuery(on);
    expect(new URLSearchParams(q).get('repetition_penalty')).toBe('1.3');
    expect(new URLSearchParams(q).get('no_repeat_ngram_size')).toBe('3');
    expect(settingsFromQuery(q)).toEqual({ settings: on, problems: [] });
    const bad = settingsFromQuery('?repetition_penalty=0&no_repeat_ngram_size=2.5');
    expect(bad.settings).toEqual(DEFAULT_SETTINGS);
    expect(bad.problems).toEqual([
      `repetition_penalty="0" in the link is not a number from 0.05 to 10 (1 = off); using ${DEFAULT_SETTINGS.repetitionPenalty}.`,
      'no_repeat_ngram_size="2.5" in the link is not a whole number from 0 to 64; using 0.',
    ]);
    expect(settingsFromQuery('?repetition_penalty=abc').problems).toHaveLength(1);
  });

  it('the decode flags and bench specs: parsed, passed on, labelled, refused when bad', () => {
    const cfg = parseRunConfig({ drafter: 'heads', 'repetition-penalty': '1.3', 'no-repeat-ngram-size': '3' });
    expect(specOptionsOf({ ...cfg, maxTokens: 16, seed: 0 })).toMatchObject({ repetitionPenalty: 1.3, noRepeatNgramSize: 3 });
    expect(samplingLabel(cfg)).toBe('repetition-penalty=1.3 no-repeat-ngram-size=3 greedy');
    expect(samplingLabel(parseRunConfig({ drafter: 'heads' }))).toBe('greedy');
    expect(parseRunConfig({ drafter: 'heads' })).toMatchObject({ repetitionPenalty: 1, noRepeatNgramSize: 0 });
    const spec = parseConfigSpec('draft-model:k=2:t=0.7:repetition-penalty=1.2:no-repeat-ngram-size=2');
    expect(spec).toMatchObject({ drafter: 'draft-model', temperature: 0.7, repetitionPenalty: 1.2, noRepeatNgramSize: 2 });
    // the baseline a config is measured against runs the same processors
    expect(baselineFor(spec)).toMatchObject({ drafter: 'none', repetitionPenalty: 1.2, noRepeatNgramSize: 2 });
    expect(() => parseRunConfig({ drafter: 'heads', 'repetition-penalty': '0' })).toThrow(/--repetition-penalty expects a number in \[0\.05, 10\], got '0'/);
    expect(() => parseRunConfig({ drafter: 'heads', 'no-repeat-ngram-size': '-1' })).toThrow(/--no-repeat-ngram-size expects an integer in \[0, 64\], got '-1'/);
    expect(() => parseConfigSpec('heads:no-repeat-ngram-size=x')).toThrow(/no-repeat-ngram-size expects an integer/);
  });
});
