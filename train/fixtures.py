"""Golden data from the PyTorch reference, for the TypeScript tests to compare against,
and the held-out prompt suites the app and the bench draw from.

fixtures/<id>/golden.json indexes everything (eagle.json, the same way, the EAGLE head's
cases: write_eagle); each float tensor is a little-endian float32 file beside it, named in
golden.json with its shape. Cases:
  prefill       one forward from position 0: logits, hidden states, all K draft logits
                (heads at every position), and the draft model's logits
  continuation  logits of tokens appended after a prefix, by full recomputation: the
                KV-cached path in TypeScript must reproduce them
  tree          a candidate tree after a prefix, in one forward with a tree-shaped bias;
                and each node's logits when its own path alone follows the prefix
  greedy        greedy continuations of fixed prompts (KV-cached, as the runtime decodes)
  tokenizer     encodings of held-out text and of awkward Unicode
"""
from __future__ import annotations

import json
import os
import random

import torch

from model import causal_bias, greedy_rollout

TOKENIZER_EXTRAS = [
    "",
    " ",
    "   leading and trailing   ",
    "tabs\tand\nnewlines\r\n\n",
    "naïve café, déjà vu — “quotes” … ½ ×",
    "日本語のテキストと中文字符",
    "emoji 🙂👍🏽 and zwj 👨‍👩‍👧",
    "Ünïcödé ẞ ǅ ﬁ Ω ≠ ∑",
    "def f(x):\n    return x ** 2  # comment\n",
    "it's they're we've I'm you'll he'd",
    "numbers 1234567890 3.14159 -42",
    "before<|endoftext|>after",
]


class _Writer:
    def __init__(self, folder: str):
        self.folder = folder
        os.makedirs(folder, exist_ok=True)

    def tensor(self, name: str, t: torch.Tensor) -> dict:
        arr = t.detach().to(torch.float32).contiguous().numpy().astype("<f4")
        arr.tofile(os.path.join(self.folder, name + ".f32"))
        return {"file": name + ".f32", "shape": list(arr.shape)}


def _held_out_ids(splits, tok, domain: str, n: int, offset: int = 0) -> list[int]:
    """BOS + n-1 tokens from the first held-out document long enough to have them at offset."""
    for _, text in splits[domain]["test"]:
        ids = tok.encode(text)
        if len(ids) >= offset + n - 1:
            return [tok.eot_id] + ids[offset : offset + n - 1]
    raise SystemExit(f"no {domain} test document has {offset + n - 1} tokens for a fixture")


@torch.no_grad()
def write_all(base, heads, draft, tok, splits, folder: str, model_id: str, log) -> None:
    w = _Writer(folder)
    g: dict = {"format_version": 1, "model_id": model_id}

    # prefill
    ids = torch.tensor([_held_out_ids(splits, tok, "prose", 12)])  # (1, 12)
    T = ids.size(1)
    pos = torch.arange(T).unsqueeze(0)
    logits, hidden, _ = base(ids, pos, causal_bias(T), base.empty_past())
    d_logits, _, _ = draft(ids, pos, causal_bias(T), draft.empty_past())
    g["prefill"] = {
        "input_ids": ids[0].tolist(),
        "position_ids": pos[0].tolist(),
        "logits": w.tensor("prefill.logits", logits),  # (1, T, V)
        "hidden_states": w.tensor("prefill.hidden_states", hidden),  # (1, T, C)
        "draft_logits": w.tensor("prefill.draft_logits", heads(hidden)),  # (1, T, K, V)
        "draft_model_logits": w.tensor("prefill.draft_model_logits", d_logits),  # (1, T, V)
    }

    # continuation: full recomputation of prefix + next is the reference for the cached path
    all_ids = _held_out_ids(splits, tok, "code", 20)
    P, n_next = 14, 6
    full = torch.tensor([all_ids])
    f_logits, _ = base.forward_train(full)  # (1, 20, V)
    g["continuation"] = {
        "prefix_ids": all_ids[:P],
        "next_ids": all_ids[P:],
        "logits": w.tensor("continuation.logits", f_logits[:, P:]),  # (1, n_next, V)
        "prefix_logits": w.tensor("continuation.prefix_logits", f_logits[:, :P]),  # (1, P, V)
    }
    assert len(all_ids) - P == n_next

    # tree: root a (child of the prefix), its children b, c, b's children d, e, c's child f
    prefix = _held_out_ids(splits, tok, "prose", 10, offset=40)
    tokens = [int(x) for x in torch.randint(1, tok.vocab_size - 1, (6,), generator=torch.Generator().manual_seed(7))]
    parents = [-1, 0, 0, 1, 1, 2]
    depth = []
    for i, p in enumerate(parents):
        depth.append(0 if p < 0 else depth[p] + 1)
    P, N = len(prefix), len(tokens)
    bias = torch.full((1, 1, N, P + N), float("-inf"))
    bias[..., :P] = 0.0
    for i in range(N):
        j = i
        while j >= 0:  # a node sees itself and its ancestors
            bias[0, 0, i, P + j] = 0.0
            j = parents[j]
    pfx = torch.tensor([prefix])
    _, _, past = base(pfx, torch.arange(P).unsqueeze(0), causal_bias(P), base.empty_past())
    tpos = torch.tensor([[P + d for d in depth]])
    t_logits, _, _ = base(torch.tensor([tokens]), tpos, bias, past)  # (1, N, V)
    path_logits = []
    for i in range(N):
        path, j = [], i
        while j >= 0:
            path.insert(0, tokens[j])
            j = parents[j]
        lo, _ = base.forward_train(torch.tensor([prefix + path]))
        path_logits.append(lo[0, -1])
    g["tree"] = {
        "prefix_ids": prefix,
        "tokens": tokens,
        "parents": parents,
        "position_ids": tpos[0].tolist(),
        "attention_bias": w.tensor("tree.attention_bias", bias),  # (1, 1, N, P+N), -inf as IEEE -inf
        "logits": w.tensor("tree.logits", t_logits),  # (1, N, V)
        "path_logits": w.tensor("tree.path_logits", torch.stack(path_logits).unsqueeze(0)),  # (1, N, V)
    }

    # greedy continuations, from test-split text
    cases = []
    for domain, offset in (("prose", 0), ("prose", 200), ("code", 0), ("code", 300)):
        p_ids = _held_out_ids(splits, tok, domain, 24, offset)
        n_new = 40
        seq = greedy_rollout(base, torch.tensor([p_ids]), n_new)[0].tolist()
        lo, _ = base.forward_train(torch.tensor([seq[:-1]]))
        top2 = lo[0, len(p_ids) - 1 :].topk(2, dim=-1).values
        cases.append({
            "domain": domain,
            "prompt": tok.decode(p_ids[1:]),
            "prompt_ids": p_ids,
            "max_new_tokens": n_new,
            "output_ids": seq[len(p_ids) :],
            "min_top2_margin": round(float((top2[:, 0] - top2[:, 1]).min()), 6),
        })
    g["greedy"] = cases

    # tokenizer
    texts = []
    for domain in ("prose", "code"):
        for _, text in splits[domain]["test"][:4]:
            texts.append(text[:3000])
    texts += TOKENIZER_EXTRAS
    g["tokenizer"] = [{"text": t, "ids": tok.encode(t)} for t in texts]

    with open(os.path.join(folder, "golden.json"), "w") as f:
        json.dump(g, f, ensure_ascii=False)
    log(f"fixtures written to {folder}")


def prompt_suites(splits, tok, n_positions: int, per_domain: int = 32, seed: int = 4321, split: str = "test",
                  continuation_tokens: int = 160) -> dict:
    """Prompts from held-out documents: a few whole lines (3 verses, or 10 code lines) from a
    random place, at most 96 tokens, each followed in its document by at least
    `continuation_tokens` tokens, kept as `continuation` (the human reference for the
    quality figures). One prompt per document while unused documents remain, so a suite of
    32 draws on as many documents as the split has (at least 24 are required)."""
    rng = random.Random(seed)
    out = {"format_version": 1, "source": f"{split} split of train/corpus.py", "suites": {}}
    for domain in ("prose", "code"):
        docs = list(splits[domain][split])
        rng.shuffle(docs)
        prompts, used = [], set()
        n = 3 if domain == "prose" else 10
        for rnd in range(4):  # later rounds take a second prompt from a document already used
            for name, text in docs:
                if len(prompts) >= per_domain:
                    break
                if rnd == 0 and name in used:
                    continue
                lines = text.splitlines(keepends=True)
                for _ in range(20):  # a few tries for a place whose prompt and continuation fit
                    if len(lines) < n + 8:
                        break
                    start = rng.randrange(0, len(lines) - n - 4)
                    chunk = "".join(lines[start : start + n])
                    rest = "".join(lines[start + n :])
                    taken = {p["text"] for p in prompts}
                    if not chunk.strip() or chunk in taken or len(tok.encode(chunk)) > 96:
                        continue
                    cont_ids = tok.encode(rest)
                    if len(cont_ids) < continuation_tokens:
                        continue
                    cont = tok.decode(cont_ids[:continuation_tokens])
                    prompts.append({"id": f"{domain}-{len(prompts):02d}", "source": name, "text": chunk,
                                    "continuation": cont})
                    used.add(name)
                    break
            if len(prompts) >= per_domain:
                break
        distinct = len({p["source"] for p in prompts})
        if per_domain >= 32 and (len(prompts) < per_domain or distinct < 24):
            raise SystemExit(f"prompt suite {domain}: {len(prompts)} prompts from {distinct} documents; "
                             f"want {per_domain} from at least 24")
        out["suites"][domain] = prompts
    return out


@torch.no_grad()
def write_eagle(base, eagle, tok, splits, folder: str, model_id: str, log, depth: int = 4) -> None:
    """fixtures/<id>/eagle.json, golden.json's format, for eagle.onnx: the head's prefill over
    the base's features of a held-out prefix (the root, the base's greedy token, as the last
    input_ids entry), then `depth` greedy draft steps through its KV cache, each feeding its
    own previous hidden_states and drafted token."""
    w = _Writer(folder)
    ids = torch.tensor([_held_out_ids(splits, tok, "prose", 12, offset=80)])  # (1, P)
    P = ids.size(1)
    pos = torch.arange(P).unsqueeze(0)
    b_logits, feats, _ = base(ids, pos, causal_bias(P), base.empty_past())  # feats (1, P, C)
    root = int(b_logits[0, -1].argmax())
    toks = torch.cat([ids[:, 1:], torch.tensor([[root]])], 1)  # (1, P): the token after each position
    logits, hidden, past = eagle(feats, toks, pos, causal_bias(P), eagle.empty_past())
    steps, h, d = [], hidden[:, -1:], int(logits[0, -1].argmax())
    drafted = [d]
    for j in range(1, depth):
        L = P + j - 1
        s_logits, h, past = eagle(h, torch.tensor([[d]]), torch.tensor([[L]]), torch.zeros(1, 1, 1, L + 1), past)
        steps.append((L, d, s_logits, h))
        d = int(s_logits[0, -1].argmax())
        drafted.append(d)
    g = {"format_version": 1, "model_id": model_id,
         "prefill": {"prefix_ids": ids[0].tolist(), "root_token": root, "input_ids": toks[0].tolist(),
                     "position_ids": pos[0].tolist(),
                     "features": w.tensor("eagle.prefill.features", feats),  # (1, P, C): base hidden_states
                     "logits": w.tensor("eagle.prefill.logits", logits),  # (1, P, V)
                     "hidden_states": w.tensor("eagle.prefill.hidden_states", hidden)},  # (1, P, C)
         "draft": {"tokens": drafted,  # greedy: argmax of the prefill's last row, then of each step's
                   "steps": [{"position_id": L, "input_id": t,
                              "logits": w.tensor(f"eagle.draft.{i}.logits", lo),  # (1, 1, V)
                              "hidden_states": w.tensor(f"eagle.draft.{i}.hidden_states", hs)}  # (1, 1, C)
                             for i, (L, t, lo, hs) in enumerate(steps)]}}
    with open(os.path.join(folder, "eagle.json"), "w") as f:
        json.dump(g, f)
    log(f"eagle fixtures written to {folder}")
