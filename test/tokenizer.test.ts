/**
 * The TypeScript tokenizer against the Python trainer's encodings (golden.json), plus the
 * round-trip property decode(encode(s)) === s on seeded random Unicode strings.
 */
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { beforeAll, describe, expect, it } from 'vitest';

import { parseConfig } from '../src/engine/runtime/config.ts';
import { Rng } from '../src/engine/decoding/rng.ts';
import { createTokenizer, splitChunks, StreamDecoder, type TextTokenizer } from '../src/engine/runtime/tokenizer.ts';
import { loadGolden, MODEL_DIR } from './model-paths.ts';

let tok: TextTokenizer;
beforeAll(() => {
  const config = parseConfig(readFileSync(join(MODEL_DIR, 'config.json'), 'utf8'));
  tok = createTokenizer(readFileSync(join(MODEL_DIR, 'tokenizer.json'), 'utf8'), {
    vocabSize: config.vocab_size,
    bosId: config.bos_token_id,
    eosId: config.eos_token_id,
  });
});

/** Code point ranges to draw from: scripts, whitespace, combining marks, astral planes. */
const POOLS: Array<[number, number]> = [
  [0x20, 0x7e], // ASCII
  [0x20, 0x7e],
  [0x30, 0x39], // digits
  [0xa0, 0x24f], // Latin-1 and Latin Extended
  [0x300, 0x36f], // combining diacritics
  [0x370, 0x4ff], // Greek, Cyrillic
  [0x590, 0x6ff], // Hebrew, Arabic
  [0x900, 0x97f], // Devanagari
  [0x2000, 0x206f], // general punctuation: odd spaces, ZWJ, LRM, line/paragraph separators
  [0x3000, 0x30ff], // CJK symbols, kana, ideographic space
  [0x4e00, 0x9fff], // CJK
  [0xac00, 0xd7a3], // Hangul
  [0xe000, 0xe0ff], // private use
  [0xfe00, 0xfeff], // variation selectors, BOM
  [0x1d400, 0x1d7ff], // math alphanumerics (astral)
  [0x1f300, 0x1faff], // emoji (astral)
  [0x20000, 0x2a6df], // CJK extension B (astral)
  [0x10fff0, 0x10fffd], // top of the code space
];
const SPACES = [' ', '\t', '\n', '\r', '\v', '\f', '\u0085', '\u00a0', '\u1680', '\u2028', '\u3000', '\u200b', '\ufeff'];
const PIECES = ["'s", "'ll", "'re", ' the', '  ', '\r\n', '<|endoftext|>', '👨‍👩‍👧', 'e\u0301', '🏽'];

function randomString(rng: Rng): string {
  const n = Math.floor(rng.uniform() * 24);
  let s = '';
  for (let i = 0; i < n; i++) {
    const r = rng.uniform();
    if (r < 0.2) s += SPACES[Math.floor(rng.uniform() * SPACES.length)];
    else if (r < 0.3) s += PIECES[Math.floor(rng.uniform() * PIECES.length)];
    else {
      const [lo, hi] = POOLS[Math.floor(rng.uniform() * POOLS.length)]!;
      s += String.fromCodePoint(lo + Math.floor(rng.uniform() * (hi - lo + 1)));
    }
  }
  return s;
}

describe('tokenizer', () => {
  it('encodes every golden text exactly as the Python trainer did', () => {
    const cases = loadGolden().tokenizer;
    expect(cases.length).toBeGreaterThan(10);
    for (const { text, ids } of cases) {
      expect(tok.encode(text), JSON.stringify(text.slice(0, 80))).toEqual(ids);
    }
  });

  it('decodes the golden ids back to their texts', () => {
    for (const { text, ids } of loadGolden().tokenizer) expect(tok.decode(ids)).toBe(text);
  });

  it('round-trips 400 seeded random Unicode strings', () => {
    const rng = new Rng(20240611);
    for (let i = 0; i < 400; i++) {
      const s = randomString(rng);
      const ids = tok.encode(s);
      if (tok.decode(ids) !== s) expect.fail(`string ${i} ${JSON.stringify(s)} came back as ${JSON.stringify(tok.decode(ids))}`);
    }
  });

  it('round-trips lone whitespace and combining marks', () => {
    for (const s of ['', ' ', '\n', '\t', '\r\n', '   ', '\u0301', ' \u0301', '\u200d', '\ufeff', '\ufeffa', '😀', 'a\u0300\u0301\u0302']) {
      expect(tok.decode(tok.encode(s))).toBe(s);
    }
  });

  it('turns the literal <|endoftext|> into the special id, as the Python encoder does', () => {
    expect(tok.encode('<|endoftext|>')).toEqual([tok.eosId]);
    expect(tok.decode([tok.bosId])).toBe('<|endoftext|>');
  });

  it('decodes an empty list to "" (the library throws) and never rewrites spaces before punctuation', () => {
    expect(tok.decode([])).toBe('');
    for (const s of ['a , b .', "it 's", ' ?', 'x !']) expect(tok.decode(tok.encode(s))).toBe(s);
  });

  it('streams text that concatenates to decode(), holding split UTF-8 characters back', () => {
    const rng = new Rng(5);
    for (let i = 0; i < 100; i++) {
      // random ids make invalid UTF-8 too: the stream must replace it exactly as decode() does
      const ids = Array.from({ length: 30 }, () => Math.floor(rng.uniform() * tok.vocabSize));
      const d = new StreamDecoder(tok.tokenBytes);
      const parts = ids.map((id) => d.push(id));
      expect(parts.join('') + d.flush()).toBe(tok.decode(ids));
    }
    const emoji = tok.encode('🙂');
    expect(emoji.length).toBeGreaterThan(1);
    const d = new StreamDecoder(tok.tokenBytes);
    expect(emoji.map((id) => d.push(id))).toEqual([...Array(emoji.length - 1).fill(''), '🙂']);
  });

  it('pre-tokenizes as GPT-2 / Python regex do, with \\s meaning Unicode White_Space', () => {
    expect(splitChunks("I'm  here 42x\n\n")).toEqual(['I', "'m", ' ', ' here', ' 42', 'x', '\n\n']);
    // The library's JS \s would give ['\u0085!'] and ['!', '\ufeff']: NEL is whitespace, BOM is not.
    expect(splitChunks('\u0085!')).toEqual(['\u0085', '!']);
    expect(splitChunks('!\ufeff')).toEqual(['!\ufeff']);
  });

  it('rejects a tokenizer.json whose size disagrees with config.json', () => {
    const json = readFileSync(join(MODEL_DIR, 'tokenizer.json'), 'utf8');
    expect(() => createTokenizer(json, { vocabSize: tok.vocabSize + 1, bosId: tok.bosId, eosId: tok.eosId })).toThrow(
      /has \d+ tokens but config.json says vocab_size/,
    );
  });
});
