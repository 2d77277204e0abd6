/**
 * The model's byte-level BPE (tokenizer.json from train/bpe.py) behind a small interface,
 * encoding exactly as the Python trainer does: tests compare against its encodings.
 *
 * @huggingface/tokenizers supplies the vocabulary, the special tokens and the BPE merges;
 * two steps around them are ours, because the library gets them wrong for this model:
 * - Pre-tokenization. The library's ByteLevel pre-tokenizer runs GPT-2's split pattern as a
 *   JS regex, where \s is JS whitespace: it includes U+FEFF and leaves out U+0085, unlike
 *   Python's `regex` (which the trainer uses) and Oniguruma (which Rust tokenizers uses),
 *   whose \s is Unicode White_Space. So "\u0085!" and "!\ufeff" split differently and, with
 *   the merges of a real vocabulary, encode differently. SPLIT below is the same pattern
 *   with \s spelled \p{White_Space}; it splits like Python's on every code point.
 * - Decoding. The library's decode throws on an empty id list, by default "cleans up
 *   tokenization spaces" (" ." -> "."), and decodes the bytes between special tokens
 *   separately. The Python reference joins every token's bytes and decodes them once as
 *   UTF-8 with replacement, so that is what decode() does, from a per-id byte table. The
 *   same table drives StreamDecoder, which turns tokens into text as they arrive without
 *   splitting a character whose UTF-8 bytes span two tokens.
 */
import { Tokenizer } from '@huggingface/tokenizers';

export interface TextTokenizer {
  /**
   * Plain text -> ids, no BOS added; the literal text <|endoftext|> becomes its special id.
   * A lone surrogate (not valid Unicode) is encoded as U+FFFD, as TextEncoder does.
   */
  encode(text: string): number[];
  /** Ids -> text; bytes that are not valid UTF-8 become U+FFFD, as in Python's errors="replace". */
  decode(ids: readonly number[]): string;
  /** The UTF-8 bytes of one token. */
  tokenBytes(id: number): Uint8Array;
  readonly vocabSize: number;
  readonly bosId: number;
  readonly eosId: number;
}

/** GPT-2's split pattern (bpe.py SPLIT_PATTERN) with \s as Unicode White_Space, as in Python. */
const SPLIT =
  /'s|'t|'re|'ve|'m|'ll|'d| ?\p{L}+| ?\p{N}+| ?[^\p{White_Space}\p{L}\p{N}]+|\p{White_Space}+(?!\P{White_Space})|\p{White_Space}+/gu;

/** Pre-tokenization of text without special tokens: "I'm  here" -> ["I", "'m", " ", " here"]. */
export function splitChunks(text: string): string[] {
  return text.match(SPLIT) ?? [];
}

/**
 * GPT-2's reversible map from the 256 byte values to printable characters (bpe.py
 * bytes_to_unicode): printable Latin-1 maps to itself, the rest to 256 + n, e.g. 32
 * (space) -> 'Ġ' (U+0120). Index = byte.
 */
function byteChars(): string[] {
  const keep: number[] = [];
  for (let b = 0x21; b <= 0x7e; b++) keep.push(b);
  for (let b = 0xa1; b <= 0xac; b++) keep.push(b);
  for (let b = 0xae; b <= 0xff; b++) keep.push(b);
  const chars: string[] = new Array(256);
  for (const b of keep) chars[b] = String.fromCodePoint(b);
  let n = 0;
  for (let b = 0; b < 256; b++) if (!keep.includes(b)) chars[b] = String.fromCodePoint(256 + n++);
  return chars;
}

/** The parts of tokenizer.json whose meaning the wrapper depends on. */
function checkFormat(json: unknown, where: string): void {
  const j = json as Record<string, any> | null;
  const pre = j?.pre_tokenizer;
  const ok =
    j?.model?.type === 'BPE' &&
    j.normalizer == null &&
    pre?.type === 'ByteLevel' &&
    pre.add_prefix_space === false &&
    pre.use_regex !== false &&
    j.decoder?.type === 'ByteLevel';
  if (!ok) {
    throw new Error(
      `${where} is not the byte-level BPE train/bpe.py writes (model BPE, no normalizer, ByteLevel ` +
        'pre-tokenizer and decoder, no prefix space); re-export the model with `npm run train`',
    );
  }
}

function escapeRegExp(s: string): string {
  return s.replace(/[.*+?^${}()|[\]\\]/g, '\\$&');
}

export function createTokenizer(
  tokenizerJson: string,
  ids: { vocabSize: number; bosId: number; eosId: number },
  where = 'tokenizer.json',
): TextTokenizer {
  let json: unknown;
  try {
    json = JSON.parse(tokenizerJson);
  } catch (e) {
    throw new Error(`${where} is not valid JSON (${(e as Error).message}); re-export the model with \`npm run train\``);
  }
  checkFormat(json, where);
  const hf = new Tokenizer(json as object, {});
  const bpe = hf.model!;
  const vocab = hf.get_vocab(true);
  if (vocab.size !== ids.vocabSize) {
    throw new Error(
      `${where} has ${vocab.size} tokens but config.json says vocab_size ${ids.vocabSize}; ` +
        'the two files come from different exports: re-export the model with `npm run train`',
    );
  }
  const special = new Map<string, number>();
  for (const [id, tok] of hf.get_added_tokens_decoder()) special.set(tok.content, id);
  for (const [name, id] of [['bos', ids.bosId], ['eos', ids.eosId]] as const) {
    if (![...special.values()].includes(id)) throw new Error(`${where}: the ${name} id ${id} from config.json is not a special token`);
  }

  const chars = byteChars();
  const toByte = new Map(chars.map((c, b) => [c, b]));
  const utf8 = new TextEncoder();
  const table: Uint8Array[] = new Array(ids.vocabSize);
  for (const [piece, id] of vocab) {
    if (special.has(piece)) {
      table[id] = utf8.encode(piece);
      continue;
    }
    const bytes: number[] = [];
    for (const ch of piece) {
      const b = toByte.get(ch);
      if (b === undefined) throw new Error(`${where}: token ${id} "${piece}" has a character outside the byte-level alphabet`);
      bytes.push(b);
    }
    table[id] = Uint8Array.from(bytes);
  }
  const tokenBytes = (id: number): Uint8Array => {
    const b = Number.isInteger(id) ? table[id] : undefined;
    if (!b) throw new Error(`token id ${id} is outside the vocabulary [0, ${ids.vocabSize})`);
    return b;
  };

  // Special tokens split the text first (bpe.py: text.split(EOT)); longest first so one never hides another.
  const specialSplit = new RegExp(
    `(${[...special.keys()].sort((a, b) => b.length - a.length).map(escapeRegExp).join('|')})`,
    'u',
  );
  const encodeChunk = (chunk: string, out: number[]) => {
    let pieceChars = '';
    for (const b of utf8.encode(chunk)) pieceChars += chars[b];
    for (const piece of bpe.encode([pieceChars])) {
      const id = bpe.tokens_to_ids.get(piece);
      if (id === undefined) throw new Error(`${where}: BPE produced "${piece}", which is not in the vocabulary`);
      out.push(id);
    }
  };
  return {
    vocabSize: ids.vocabSize,
    bosId: ids.bosId,
    eosId: ids.eosId,
    tokenBytes,
    encode(text) {
      const out: number[] = [];
      const parts = special.size ? text.split(specialSplit) : [text];
      parts.forEach((part, i) => {
        if (i % 2 === 1) out.push(special.get(part)!);
        else for (const chunk of splitChunks(part)) encodeChunk(chunk, out);
      });
      return out;
    },
    decode(idList) {
      const d = new StreamDecoder(tokenBytes);
      let out = '';
      for (const id of idList) out += d.push(id);
      return out + d.flush();
    },
  };
}

/**
 * Incremental detokenizer: push() returns the text completed by one more token. A
 * character whose UTF-8 bytes are split across tokens is held until its last byte
 * arrives; the concatenation of every push() and flush() equals decode() of all ids.
 */
export class StreamDecoder {
  private readonly dec = new TextDecoder('utf-8', { fatal: false, ignoreBOM: true });

  constructor(private readonly bytesOf: (id: number) => Uint8Array) {}

  push(id: number): string {
    return this.dec.decode(this.bytesOf(id), { stream: true });
  }

  /** Text still held back (an unfinished character becomes U+FFFD); resets the decoder. */
  flush(): string {
    return this.dec.decode();
  }
}
