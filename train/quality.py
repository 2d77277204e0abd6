"""Generation quality: does the base model write text that reads like its corpus?

Loss alone does not say: a model at a fine loss can still loop under greedy decoding
("and the LORD, and the LORD, ...") or invent words when sampled. On held-out prompts,
each figure is given for greedy and sampled (temperature 0.8, top-p 0.95) continuations and
for the true held-out continuation, the human reference:
  distinct-4       unique token 4-grams / all token 4-grams of a continuation, e.g.
                   [1, 2, 3, 4, 1, 2, 3, 4] -> 4-grams (1234, 2341, 3412, 4123, 1234): 4/5
  collapsed        a continuation with distinct-4 below 0.5 (it repeats itself)
  real-word share  prose: generated words (lower-cased, letters only) found in the
                   training text's word set, pooled over continuations
  identifier share code: generated identifiers found in the training code, pooled
  mostly whitespace code: a continuation at least 75% whitespace characters
The TypeScript side (src/engine/bench/text-quality.ts) computes distinct-4 and collapsed the same
way for the bench and the page.
"""
from __future__ import annotations

import re
import statistics

import torch

from model import GPT, causal_bias

WORD = re.compile(r"[a-z]+")
IDENT = re.compile(r"[A-Za-z_][A-Za-z0-9_]*")
COLLAPSED_BELOW = 0.5
WHITESPACE_SHARE = 0.75
SAMPLED = {"temperature": 0.8, "top_p": 0.95}


def distinct_n(ids: list[int], n: int = 4) -> float:
    grams = [tuple(ids[i : i + n]) for i in range(len(ids) - n + 1)]
    return len(set(grams)) / len(grams) if grams else 1.0


def words(text: str) -> list[str]:
    return WORD.findall(text.lower())


def identifiers(text: str) -> list[str]:
    return IDENT.findall(text)


def mostly_whitespace(text: str) -> bool:
    return not text or sum(c.isspace() for c in text) / len(text) >= WHITESPACE_SHARE


def vocabulary_sets(splits) -> tuple[set[str], set[str]]:
    """(prose words, code identifiers) of the train split."""
    prose = set()
    for _, t in splits["prose"]["train"]:
        prose.update(words(t))
    code = set()
    for _, t in splits["code"]["train"]:
        code.update(identifiers(t))
    return prose, code


def _pick(logits: torch.Tensor, temperature: float, top_p: float, gen: torch.Generator | None) -> int:
    if temperature == 0.0:
        return int(logits.argmax())
    probs = torch.softmax(logits / temperature, -1)  # (V,)
    sorted_p, order = probs.sort(descending=True)
    keep = sorted_p.cumsum(0) - sorted_p < top_p  # the smallest prefix whose mass reaches top_p
    sorted_p = sorted_p * keep
    j = int(torch.multinomial(sorted_p / sorted_p.sum(), 1, generator=gen))
    return int(order[j])


@torch.no_grad()
def continue_ids(model: GPT, prompt: list[int], n_new: int, eot: int, temperature: float = 0.0,
                 top_p: float = 1.0, gen: torch.Generator | None = None) -> list[int]:
    """Up to n_new tokens after `prompt` (which starts with end-of-text, as the runtime's
    prompts do), one at a time with the KV cache; stops at end-of-text or the context end."""
    P = len(prompt)
    x = torch.tensor([prompt])  # (1, P)
    logits, _, past = model(x, torch.arange(P).unsqueeze(0), causal_bias(P), model.empty_past(1))
    last = logits[0, -1]  # (V,)
    out: list[int] = []
    for s in range(n_new):
        t = _pick(last, temperature, top_p, gen)
        if t == eot:
            break
        out.append(t)
        L = P + s
        if L + 1 >= model.cfg.n_positions:
            break
        logits, _, past = model(torch.tensor([[t]]), torch.tensor([[L]]), torch.zeros(1, 1, 1, L + 1), past)
        last = logits[0, -1]
    return out


def figures(domain: str, conts: list[tuple[list[int], str]], prose_words: set[str], code_idents: set[str]) -> dict:
    """Quality figures of continuations [(ids, text)] of one domain."""
    d4 = [distinct_n(ids) for ids, _ in conts]
    out = {
        "distinct4_median": round(statistics.median(d4), 4),
        "collapsed_share": round(sum(d < COLLAPSED_BELOW for d in d4) / len(d4), 4),
    }
    if domain == "prose":
        ws = [w for _, text in conts for w in words(text)]
        out["real_word_share"] = round(sum(w in prose_words for w in ws) / max(1, len(ws)), 4)
    else:
        ids = [w for _, text in conts for w in identifiers(text)]
        out["identifier_share"] = round(sum(w in code_idents for w in ids) / max(1, len(ids)), 4)
        out["mostly_whitespace_share"] = round(sum(mostly_whitespace(text) for _, text in conts) / len(conts), 4)
    return out


def quality(model: GPT, tok, suites: dict, prose_words: set[str], code_idents: set[str], n_prompts: int,
            n_tokens: int, seed: int, examples: int = 0) -> dict:
    """Per domain: figures for greedy, sampled and reference (true) continuations of the
    first n_prompts prompts of each suite; with examples > 0, that many prompts' texts."""
    out = {}
    gen = torch.Generator().manual_seed(seed)
    for domain in ("prose", "code"):
        prompts = suites[domain][:n_prompts]
        runs: dict[str, list[tuple[list[int], str]]] = {"greedy": [], "sampled": [], "reference": []}
        for p in prompts:
            ids = [tok.eot_id] + tok.encode(p["text"])
            g = continue_ids(model, ids, n_tokens, tok.eot_id)
            s = continue_ids(model, ids, n_tokens, tok.eot_id, SAMPLED["temperature"], SAMPLED["top_p"], gen)
            r = tok.encode(p["continuation"])[:n_tokens]
            for name, c in (("greedy", g), ("sampled", s), ("reference", r)):
                runs[name].append((c, tok.decode(c)))
        out[domain] = {name: figures(domain, c, prose_words, code_idents) for name, c in runs.items()}
        out[domain]["prompts"] = len(prompts)
        if examples:
            out[domain]["examples"] = [
                {"id": p["id"], "prompt": p["text"], "greedy": runs["greedy"][i][1], "sampled": runs["sampled"][i][1]}
                for i, p in enumerate(prompts[:examples])
            ]
    return out
