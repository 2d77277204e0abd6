"""Byte-level BPE, as GPT-2 and Hugging Face `tokenizers` define it: train, encode, and
write a `tokenizer.json` that any HF-compatible library loads.

Text is split by GPT-2's pre-tokenizer regex, each chunk becomes UTF-8 bytes, and merges
are learned over chunks, never across them. Bytes map to printable characters with
GPT-2's byte->unicode table so every merge is a plain string pair ("Ġ t" is " " + "t").
Ids: 0..255 the raw bytes (in byte order), then one id per merge, then the special
end-of-text token. Left out: dropout, byte fallback, normalisers (none needed: any
string is bytes).
"""
from __future__ import annotations

import heapq
import json
from collections import Counter, defaultdict

import regex

# GPT-2's split pattern, the one HF's ByteLevel pre-tokenizer uses with use_regex=true.
SPLIT_PATTERN = r"""'s|'t|'re|'ve|'m|'ll|'d| ?\p{L}+| ?\p{N}+| ?[^\s\p{L}\p{N}]+|\s+(?!\S)|\s+"""
_SPLIT = regex.compile(SPLIT_PATTERN)
EOT = "<|endoftext|>"


def bytes_to_unicode() -> dict[int, str]:
    """GPT-2's reversible map from the 256 bytes to printable characters:
    printable Latin-1 bytes map to themselves, the rest to 256+n, e.g. 32 (space) -> 'Ġ'."""
    keep = list(range(ord("!"), ord("~") + 1)) + list(range(0xA1, 0xAC + 1)) + list(range(0xAE, 0xFF + 1))
    chars = keep[:]
    n = 0
    for b in range(256):
        if b not in keep:
            keep.append(b)
            chars.append(256 + n)
            n += 1
    return dict(zip(keep, map(chr, chars)))


BYTE_CHARS = bytes_to_unicode()


def split_chunks(text: str) -> list[str]:
    return _SPLIT.findall(text)


def train(texts, vocab_size: int) -> list[tuple[int, int]]:
    """Learn vocab_size - 257 merges (256 bytes + 1 special). Returns merges as id pairs,
    merge i creating id 256 + i. Ties on count break towards the smaller id pair, so the
    result depends only on the input text."""
    counts: Counter[bytes] = Counter()
    for t in texts:
        counts.update(c.encode("utf-8") for c in split_chunks(t))
    words = [list(w) for w in counts]
    freqs = list(counts.values())
    pair_counts: dict[tuple[int, int], int] = defaultdict(int)
    where: dict[tuple[int, int], set[int]] = defaultdict(set)
    for i, w in enumerate(words):
        for p in zip(w, w[1:]):
            pair_counts[p] += freqs[i]
            where[p].add(i)
    heap = [(-c, p) for p, c in pair_counts.items()]
    heapq.heapify(heap)
    merges: list[tuple[int, int]] = []
    n_merges = vocab_size - 257
    while len(merges) < n_merges and heap:
        negc, best = heapq.heappop(heap)
        if pair_counts.get(best, 0) != -negc or -negc <= 0:
            continue  # stale heap entry; the current count was pushed separately
        new_id = 256 + len(merges)
        merges.append(best)
        touched = set()
        for i in sorted(where.pop(best)):
            w, f = words[i], freqs[i]
            for q in zip(w, w[1:]):
                pair_counts[q] -= f
                touched.add(q)
            nw, j = [], 0
            while j < len(w):
                if j + 1 < len(w) and w[j] == best[0] and w[j + 1] == best[1]:
                    nw.append(new_id)
                    j += 2
                else:
                    nw.append(w[j])
                    j += 1
            words[i] = nw
            for q in zip(nw, nw[1:]):
                pair_counts[q] += f
                where[q].add(i)
                touched.add(q)
        pair_counts.pop(best, None)
        for q in touched:
            c = pair_counts.get(q, 0)
            if c > 0:
                heapq.heappush(heap, (-c, q))
    return merges


class Tokenizer:
    """Encoder over learned merges: within each chunk, repeatedly merge the adjacent pair
    of lowest rank (the order HF's BPE model uses), with a cache per chunk."""

    def __init__(self, merges: list[tuple[int, int]]):
        self.merges = merges
        self.ranks = {p: i for i, p in enumerate(merges)}
        self.vocab_bytes: list[bytes] = [bytes([b]) for b in range(256)]
        for a, b in merges:
            self.vocab_bytes.append(self.vocab_bytes[a] + self.vocab_bytes[b])
        self.eot_id = len(self.vocab_bytes)
        self.vocab_size = self.eot_id + 1
        self._cache: dict[str, list[int]] = {}

    def _encode_chunk(self, chunk: str) -> list[int]:
        ids = self._cache.get(chunk)
        if ids is not None:
            return ids
        ids = list(chunk.encode("utf-8"))
        while len(ids) >= 2:
            pairs = [(self.ranks.get(p, 1 << 30), k) for k, p in enumerate(zip(ids, ids[1:]))]
            rank, _ = min(pairs)
            if rank == 1 << 30:
                break
            pair, new_id, out, j = self.merges[rank], 256 + rank, [], 0
            while j < len(ids):
                if j + 1 < len(ids) and ids[j] == pair[0] and ids[j + 1] == pair[1]:
                    out.append(new_id)
                    j += 2
                else:
                    out.append(ids[j])
                    j += 1
            ids = out
        if len(self._cache) < 500_000:
            self._cache[chunk] = ids
        return ids

    def encode(self, text: str) -> list[int]:
        """Plain text -> ids; the literal string <|endoftext|> becomes the special id."""
        out: list[int] = []
        for k, part in enumerate(text.split(EOT)):
            if k:
                out.append(self.eot_id)
            for chunk in split_chunks(part):
                out.extend(self._encode_chunk(chunk))
        return out

    def decode(self, ids: list[int]) -> str:
        return b"".join(EOT.encode() if i == self.eot_id else self.vocab_bytes[i] for i in ids).decode(
            "utf-8", errors="replace"
        )

    def token_str(self, i: int) -> str:
        return "".join(BYTE_CHARS[b] for b in self.vocab_bytes[i])

    def to_hf_json(self) -> dict:
        vocab = {self.token_str(i): i for i in range(self.eot_id)}
        vocab[EOT] = self.eot_id
        byte_level = {"type": "ByteLevel", "add_prefix_space": False, "trim_offsets": True, "use_regex": True}
        return {
            "version": "1.0",
            "truncation": None,
            "padding": None,
            "added_tokens": [
                {
                    "id": self.eot_id,
                    "content": EOT,
                    "single_word": False,
                    "lstrip": False,
                    "rstrip": False,
                    "normalized": False,
                    "special": True,
                }
            ],
            "normalizer": None,
            "pre_tokenizer": byte_level,
            "post_processor": None,
            "decoder": byte_level,
            "model": {
                "type": "BPE",
                "dropout": None,
                "unk_token": None,
                "continuing_subword_prefix": None,
                "end_of_word_suffix": None,
                "fuse_unk": False,
                "byte_fallback": False,
                "ignore_merges": False,
                "vocab": vocab,
                "merges": [f"{self.token_str(a)} {self.token_str(b)}" for a, b in self.merges],
            },
        }

    def save(self, path: str) -> None:
        with open(path, "w", encoding="utf-8") as f:
            json.dump(self.to_hf_json(), f, ensure_ascii=False, indent=None, separators=(",", ":"))
