"""The evaluation run whose figures go into card.json (and from there into the README):
validation loss per domain, and how often each drafter agrees with the base model's own
greedy tokens on held-out text, which is what greedy speculative decoding accepts.

Agreement is measured against greedy rollouts of the frozen base model from random
held-out prefixes: g_1 .. g_{K+1} are the base model's next K+1 greedy tokens.
  head k (1-based): argmax of head k at the prefix's last position == g_{k+1}
  heads chain:      mean number of leading heads that all agree (a K-chain's accepted
                    drafts per step; add 1 for the bonus token to get tau)
  draft model:      teacher-forced (given g_1 .. g_{j-1}, its argmax == g_j: the per-
                    position accept rate of a greedy draft chain) and free-running (its
                    own j-th greedy token == g_j)
"""
from __future__ import annotations

import json
import math

import torch
import torch.nn.functional as F

from data import eval_windows
from model import greedy_rollout
import quality


@torch.no_grad()
def val_loss(model, tok, stream, T: int, max_windows: int) -> dict:
    xy = eval_windows(stream, T, max_windows)  # (n, T+1)
    nats, n_tok, n_bytes = 0.0, 0, 0
    for i in range(0, xy.size(0), 16):
        chunk = xy[i : i + 16]
        logits, _ = model.forward_train(chunk[:, :-1])
        tgt = chunk[:, 1:]
        nats += F.cross_entropy(logits.reshape(-1, logits.size(-1)), tgt.reshape(-1), reduction="sum").item()
        n_tok += tgt.numel()
        n_bytes += sum(len(tok.vocab_bytes[t]) if t != tok.eot_id else 0 for t in tgt.reshape(-1).tolist())
    return {
        "nats_per_token": round(nats / n_tok, 4),
        "bits_per_byte": round(nats / math.log(2) / max(1, n_bytes), 4),
        "tokens": n_tok,
    }


@torch.no_grad()
def agreement(base, heads, draft, stream, n_prompts: int, seed: int, min_p: int = 16, max_p: int = 192) -> dict:
    K = heads.num_heads
    gen = torch.Generator().manual_seed(seed)
    s = torch.from_numpy(stream)
    head_hits = torch.zeros(K)
    chain = 0.0
    tf_hits = torch.zeros(K + 1)
    fr_hits = torch.zeros(K + 1)
    done = 0
    while done < n_prompts:
        B = min(32, n_prompts - done)
        P = int(torch.randint(min_p, max_p + 1, (1,), generator=gen))
        starts = torch.randint(0, len(s) - P - 1, (B,), generator=gen)
        prefix = torch.stack([s[int(a) : int(a) + P] for a in starts])  # (B, P)
        g = greedy_rollout(base, prefix, K + 1)[:, P:]  # (B, K+1)
        _, hidden = base.forward_train(prefix)  # (B, P, C)
        drafts = heads(hidden[:, -1:])[:, 0].argmax(-1)  # (B, K)
        ok = drafts == g[:, 1:]  # (B, K)
        head_hits += ok.float().sum(0)
        chain += ok.long().cumprod(1).sum().item()
        seq = torch.cat([prefix, g], 1)  # (B, P+K+1)
        d_logits, _ = draft.forward_train(seq[:, :-1])
        tf_hits += (d_logits[:, P - 1 :].argmax(-1) == g).float().sum(0)
        fr = greedy_rollout(draft, prefix, K + 1)[:, P:]
        fr_hits += (fr == g).float().sum(0)
        done += B
    return {
        "prompts": n_prompts,
        "heads_top1": [round(float(x) / n_prompts, 4) for x in head_hits],
        "heads_chain_mean_accepted": round(chain / n_prompts, 4),
        "draft_model_teacher_forced_top1": [round(float(x) / n_prompts, 4) for x in tf_hits],
        "draft_model_free_running_top1": [round(float(x) / n_prompts, 4) for x in fr_hits],
    }


def evaluate(base, heads, draft, tok, streams, cfg, log) -> dict:
    T = base.cfg.n_positions
    out = {"validation": {}, "agreement": {}}
    for i, domain in enumerate(sorted(streams)):
        stream = streams[domain]["val"]
        out["validation"][domain] = {
            "base": val_loss(base, tok, stream, T, cfg.eval_windows),
            "draft_model": val_loss(draft, tok, stream, T, cfg.eval_windows),
        }
        out["agreement"][domain] = agreement(base, heads, draft, stream, cfg.agree_prompts, 999 + i)
        log(f"eval {domain}: {out['validation'][domain]} {out['agreement'][domain]}")
    out["agreement_definition"] = (
        "on the validation split: heads_top1[k-1] = P(argmax head k == base greedy token k+1 ahead); "
        "draft_model_*_top1[j-1] = P(draft's token j ahead == base greedy token j ahead)"
    )
    return out



def generation_quality(base, tok, suites, prose_words, code_idents, cfg, seed: int, log) -> dict:
    """quality.py's figures on the test-split prompt suites, plus three example prompts' texts."""
    q = quality.quality(base, tok, suites, prose_words, code_idents, cfg.quality_prompts, cfg.quality_tokens, seed,
                        examples=3)
    q["definition"] = quality.__doc__.strip()
    q["sampled_settings"] = quality.SAMPLED
    q["tokens"] = cfg.quality_tokens
    for d in ("prose", "code"):
        log(f"quality {d}: " + json.dumps({k: v for k, v in q[d].items() if k != "examples"}))
    return q
