"""The EAGLE-style draft head (Li et al. 2024): its module, its training data and loss, and
its card figures. Trained on the frozen base model through train.py's one fit() loop.

The head sees, at position t, the base model's feature f_t concatenated with the
embedding of token t+1, reduces the pair to C with one linear layer, adds the base's
position embedding, runs one decoder layer with its own causal attention (and KV cache),
and reads the result with the base's LM head: the result is its guess of f_{t+1}, whose
logits give token t+2. Later draft depths feed its own output feature back in place of
f, with the token it drafted.

f_t is the base's hidden state AFTER its final LayerNorm: the tensor the LM head reads
(EAGLE's "second-to-top layer" feature), and what model.onnx already outputs as
hidden_states, so the base graph stays as it is, and the head's output goes to the same
frozen LM head without a norm of its own, as in EAGLE.

Training (EAGLE-1): smooth L1 from the head's output to the base's next feature, plus
0.1 x cross-entropy against the base's next-token distribution (soft targets), on
features the frozen base computes once for real train-split windows. With unroll U > 1,
EAGLE-3's training-time test: the head also runs U-1 more steps on its own output
features, each query seeing the real keys up to its chain's root and its own chain's
earlier steps (make_lookahead's bias), each step's loss weighted.
Left out: EAGLE-1's input noise, EAGLE-3's multi-layer feature fusion.
"""
from __future__ import annotations

import time

import torch
import torch.nn as nn
import torch.nn.functional as F

from model import GPT, Block, GPTConfig, causal_bias, greedy_rollout


class EagleHead(nn.Module):
    def __init__(self, cfg: GPTConfig, base: GPT):
        super().__init__()
        self.cfg = cfg
        C = cfg.n_embd
        self.fc = nn.Linear(2 * C, C)
        self.block = Block(cfg)
        # the base's embedding (= its tied LM head) and position embedding, frozen and shared:
        # buffers, so they reach the ONNX graph but not the head's checkpoint or optimiser. The
        # embedding is kept transposed, as the LM head's MatMul wants it, and the input tokens'
        # rows are gathered from its columns: one copy in eagle.onnx instead of a Gather's
        # and a constant-folded transpose's (3 MB each)
        self.register_buffer("lm_head", base.wte.weight.detach().t().contiguous(), persistent=False)  # (C, V)
        self.register_buffer("wpe", base.wpe.weight.detach(), persistent=False)  # (n_positions, C)
        nn.init.normal_(self.fc.weight, 0.0, 0.02)
        nn.init.zeros_(self.fc.bias)
        for m in self.block.modules():
            if isinstance(m, nn.Linear):
                nn.init.normal_(m.weight, 0.0, 0.02)
                nn.init.zeros_(m.bias)

    def num_params(self) -> int:
        return sum(p.numel() for p in self.parameters())

    def empty_past(self, batch: int = 1):
        shape = (batch, self.cfg.n_head, 0, self.cfg.head_dim)
        return [torch.zeros(shape), torch.zeros(shape)]

    def forward(self, features, input_ids, position_ids, attention_bias, past):
        """features (B, T, C): a feature per position (the base's, or the head's own output);
        input_ids (B, T): the token after each; position_ids (B, T): the features' positions;
        attention_bias (B|1, 1, T, P+T); past [key, value] each (B, H, P, Dh).
        Returns logits (B, T, V) for the token two past each feature's position, hidden
        (B, T, C) (the next feature, fed back for the next depth), present [key, value]."""
        B, T = input_ids.shape
        e = torch.index_select(self.lm_head, 1, input_ids.reshape(-1)).t().reshape(B, T, -1)  # (B, T, C)
        x = self.fc(torch.cat([features, e], dim=-1)) + F.embedding(position_ids, self.wpe)  # (B, T, C)
        hidden, k, v = self.block(x, attention_bias, past[0], past[1])  # (B, T, C)
        logits = hidden @ self.lm_head  # (B, T, V)
        return logits, hidden, [k, v]


@torch.no_grad()
def make_features(base: GPT, streams, n_windows: int, T: int, prose_share: float, seed: int, log):
    """Random train-split windows and the frozen base's features on them, computed once.
    Returns ids (N, T) and features (N, T, C); a prose_share of the rows are prose."""
    gen = torch.Generator().manual_seed(seed)
    n_prose = round(n_windows * prose_share)
    ids = []
    for domain, n in (("prose", n_prose), ("code", n_windows - n_prose)):
        s = torch.from_numpy(streams[domain]["train"])
        starts = torch.randint(0, len(s) - T, (n,), generator=gen)
        ids += [s[int(a) : int(a) + T] for a in starts]
    ids = torch.stack(ids)  # (N, T)
    feats = []
    t0 = time.time()
    for i in range(0, n_windows, 32):
        feats.append(base.forward_train(ids[i : i + 32])[1])  # (b, T, C)
    log(f"eagle features: {n_windows} windows x {T} ({time.time() - t0:.0f}s)")
    return ids, torch.cat(feats)


def chain_bias(L: int, step: int) -> torch.Tensor:
    """Bias (1, 1, L, step*L) for unroll step `step` (1-based) over L columns: column t sees
    step 1's keys at columns <= t (the real prefix) and, of every later step, its own column
    only: L independent draft chains sharing one KV cache."""
    eye = torch.full((L, L), float("-inf"))
    eye.fill_diagonal_(0.0)
    return torch.cat([causal_bias(L)[0, 0]] + [eye] * (step - 1), dim=1).view(1, 1, L, step * L)


def eagle_loss(head: EagleHead, ids, feats, unroll: int, step_weights, ce_weight: float, start: int = 0):
    """ids (B, T), feats (B, T, C): the base's features on those tokens, whose first sits at
    position `start` (a crop of a longer window: its keys start there). Step j (1-based)
    at column t feeds (feature of position t+j-1, token t+j) and is trained towards f_{t+j}
    and the base's distribution of token t+j+1; step 1's feature is the base's, later
    steps' the head's own previous output."""
    B, T = ids.shape
    L = T - unroll
    x = feats[:, :L]  # (B, L, C)
    past = head.empty_past(B)
    total = 0.0
    for j in range(1, unroll + 1):
        pos = torch.arange(start + j - 1, start + j - 1 + L).unsqueeze(0).expand(B, L)
        logits, x, past = head(x, ids[:, j : j + L], pos, chain_bias(L, j), past)  # (B, L, V), (B, L, C)
        target = feats[:, j : j + L]  # (B, L, C)
        with torch.no_grad():
            p = F.softmax(target @ head.lm_head, dim=-1)  # (B, L, V)
        reg = F.smooth_l1_loss(x, target)
        ce = -(p * F.log_softmax(logits, dim=-1)).sum(-1).mean()
        total = total + step_weights[j - 1] * (reg + ce_weight * ce)
    return total


def train_eagle(head: EagleHead, ids, feats, stage, crop: int, unroll: int, step_weights, ce_weight: float,
                seed: int, log, **kw) -> dict:
    """Each step: stage.batch windows, one random crop of `crop` tokens from them (at its true
    positions, so every position the base sees is trained; the crop bounds the unrolled
    steps' attention, which grows as (unroll x crop)^2)."""
    from train import fit  # noqa: E402  (train.py imports model.py, as this file does)

    gen = torch.Generator().manual_seed(seed)
    T = ids.size(1)
    crop = min(crop, T)

    def loss_fn(_step):
        idx = torch.randint(0, ids.size(0), (stage.batch,), generator=gen)
        a = int(torch.randint(0, T - crop + 1, (1,), generator=gen))
        return eagle_loss(head, ids[idx, a : a + crop], feats[idx, a : a + crop], unroll, step_weights, ce_weight, a)

    info = fit("eagle", head, stage, loss_fn, gen, log, **kw)
    return {**info, "batch_windows": info.pop("batch"), "crop": crop, "window": int(T), "windows": int(ids.size(0)),
            "unroll": unroll, "step_weights": list(step_weights), "ce_weight": ce_weight}


@torch.no_grad()
def draft_chain(head: EagleHead, hidden, prefix, root, depth: int, temperature: float = 0.0, gen=None):
    """A draft of `depth` tokens after prefix (B, P) + root (B,): the head prefills its cache on
    the base's features hidden (B, P, C), then drafts one token a step from its own features.
    temperature 0: argmax; else each token drawn from the head's own q at that temperature.
    Returns tokens (B, depth) and q rows (B, depth, V) (softmax at the temperature, or of the
    logits at 1 when greedy)."""
    B, P = prefix.shape
    toks = torch.cat([prefix[:, 1:], root[:, None]], 1)  # (B, P): the token after each position
    pos = torch.arange(P).unsqueeze(0).expand(B, P)
    logits, h, past = head(hidden, toks, pos, causal_bias(P), head.empty_past(B))
    logits, h = logits[:, -1:], h[:, -1:]  # (B, 1, V), (B, 1, C)
    out, qs = [], []
    for j in range(depth):
        q = F.softmax(logits[:, 0] / (temperature or 1.0), -1)  # (B, V)
        d = torch.multinomial(q, 1, generator=gen)[:, 0] if temperature else logits[:, 0].argmax(-1)
        out.append(d)
        qs.append(q)
        if j == depth - 1:
            break
        L = P + j
        logits, h, past = head(h, d[:, None], torch.full((B, 1), L, dtype=torch.long), torch.zeros(1, 1, 1, L + 1),
                               past)
    return torch.stack(out, 1), torch.stack(qs, 1)


@torch.no_grad()
def _target_probs(base: GPT, past, P: int, root, path, temperature: float):
    """The base's distributions (B, depth, V) at temperature for each token of path (B, depth)
    drafted after past (P positions) + root (B, 1): row j follows root + path[:, :j], what the
    verifier compares path[:, j] with."""
    B, D = path.shape
    fed = torch.cat([root, path[:, :-1]], 1)  # (B, D)
    pos = torch.arange(P, P + D).unsqueeze(0).expand(B, D)
    logits, _, _ = base(fed, pos, causal_bias(D, P), past)  # (B, D, V)
    return F.softmax(logits / temperature, -1)


@torch.no_grad()
def agreement(base: GPT, heads, head: EagleHead, stream, n_prompts: int, seed: int, depth: int = 4,
              temperature: float = 0.7, min_p: int = 16, max_p: int = 192) -> dict:
    """Per draft depth j = 1 .. depth, from the same held-out prefixes evaluate.agreement draws
    (same seed, same draws), g_1 .. g_{depth+1} the base's greedy tokens:
      greedy_top1[j-1]       P(the head's own j-th greedy draft == g_{j+1}) (free-running; heads_top1's peer)
      greedy_chain_mean_accepted  mean leading run of agreeing drafts (tau - 1 of a greedy chain)
      sampled_acceptance[j-1] at `temperature`, root token r sampled from the base, drafts sampled
                             from the drafter's own q along its own path: E[sum_x min(p_j(x), q_j(x))],
                             p_j the base's distribution after prefix + r + the first j-1 drafts
                             (the probability that speculative sampling accepts draft j, given the
                             earlier ones were), for the EAGLE head, the Medusa heads sampling from
                             their own distributions, and the heads' one-hot argmax drafts (accepted
                             with probability p_j(argmax))."""
    gen = torch.Generator().manual_seed(seed)
    sgen = torch.Generator().manual_seed(seed + 1)
    s = torch.from_numpy(stream)
    hits = torch.zeros(depth)
    chain = 0.0
    acc = {"eagle": torch.zeros(depth), "heads_sampled": torch.zeros(depth), "heads_one_hot": torch.zeros(depth)}
    done = 0
    while done < n_prompts:
        B = min(32, n_prompts - done)
        P = int(torch.randint(min_p, max_p + 1, (1,), generator=gen))
        starts = torch.randint(0, len(s) - P - 1, (B,), generator=gen)
        prefix = torch.stack([s[int(a) : int(a) + P] for a in starts])  # (B, P)
        g = greedy_rollout(base, prefix, depth + 1)[:, P:]  # (B, depth+1)
        pos = torch.arange(P).unsqueeze(0).expand(B, P)
        logits, hidden, past = base(prefix, pos, causal_bias(P), base.empty_past(B))  # hidden (B, P, C)
        d, _ = draft_chain(head, hidden, prefix, g[:, 0], depth)
        ok = d == g[:, 1:]  # (B, depth)
        hits += ok.float().sum(0)
        chain += ok.long().cumprod(1).sum().item()

        r = torch.multinomial(F.softmax(logits[:, -1] / temperature, -1), 1, generator=sgen)  # (B, 1) root
        d, q = draft_chain(head, hidden, prefix, r[:, 0], depth, temperature, sgen)  # (B, depth), (B, depth, V)
        p = _target_probs(base, past, P, r, d, temperature)
        acc["eagle"] += torch.minimum(p, q).sum(-1).sum(0)
        h_logits = heads(hidden[:, -1:])[:, 0]  # (B, K, V): head k guesses token k+1 past the prefix
        q = F.softmax(h_logits[:, :depth] / temperature, -1)  # (B, depth, V)
        d = torch.stack([torch.multinomial(q[:, j], 1, generator=sgen)[:, 0] for j in range(depth)], 1)
        p = _target_probs(base, past, P, r, d, temperature)
        acc["heads_sampled"] += torch.minimum(p, q).sum(-1).sum(0)
        d = h_logits[:, :depth].argmax(-1)  # (B, depth)
        p = _target_probs(base, past, P, r, d, temperature)
        acc["heads_one_hot"] += p.gather(-1, d[..., None])[..., 0].sum(0)
        done += B
    r4 = lambda t: [round(float(x) / n_prompts, 4) for x in t]  # noqa: E731
    return {"prompts": n_prompts, "greedy_top1": r4(hits), "greedy_chain_mean_accepted": round(chain / n_prompts, 4),
            "temperature": temperature, "sampled_acceptance": {k: r4(v) for k, v in acc.items()}}


def card_figures(base: GPT, heads, head: EagleHead, streams, cfg, log) -> dict:
    """agreement() per domain on the validation split, the prompts evaluate.agreement uses."""
    out = {}
    for i, domain in enumerate(sorted(streams)):
        out[domain] = agreement(base, heads, head, streams[domain]["val"], cfg.agree_prompts, 999 + i)
        log(f"eagle {domain}: {out[domain]}")
    return out
