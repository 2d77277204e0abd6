"""How often a King James word needs more than one token, per vocabulary size and tokenizer
text mix: the measurement that chose config.py's vocabulary (a word split into pieces is where
sampled prose invents words).

    python3 train/vocab_study.py            # about 10 s

Prints, per (prose share of the tokenizer text, vocabulary size): the share of word occurrences
(" word" with its leading space, as the pre-tokenizer splits them) in the prose train split that
encode to more than one token, and bytes per token on the first 50 validation documents.
"""
from __future__ import annotations

import os
import re
import sys
from collections import Counter

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))

import bpe  # noqa: E402
import corpus  # noqa: E402
from pipeline import tokenizer_texts  # noqa: E402

SETTINGS = [(0.5, 2048), (0.75, 2048), (0.6, 3072), (0.7, 3072), (0.75, 3072), (0.75, 4096)]


def main() -> None:
    splits = corpus.load_splits()
    words = Counter()
    for _, text in splits["prose"]["train"]:
        words.update(re.findall(r" ?[A-Za-z]+", text))
    total = sum(words.values())
    val = {d: "".join(t for _, t in splits[d]["val"][:50]) for d in ("prose", "code")}
    print("prose share | vocab | multi-token words | bytes/token prose | bytes/token code")
    for share, vocab in SETTINGS:
        tok = bpe.Tokenizer([tuple(m) for m in bpe.train(tokenizer_texts(splits, 6_000_000, share), vocab)])
        multi = sum(c for w, c in words.items() if len(tok.encode(w)) > 1)
        bpt = {d: len(t.encode()) / len(tok.encode(t)) for d, t in val.items()}
        print(f"{share:.2f} | {vocab} | {multi / total:.3f} | {bpt['prose']:.2f} | {bpt['code']:.2f}", flush=True)


if __name__ == "__main__":
    main()
