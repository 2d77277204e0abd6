"""One training loop (fit) and the three things it trains: the base model on text, the Medusa heads on the frozen base
model's own greedy continuations, the small draft model by distillation from the base.

Why the heads learn from the base model's own greedy tokens: speculative decoding asks
head k to guess the token the *base model* will emit k+1 steps later, not the corpus's
(Medusa's self-distillation, Cai et al. 2024). Two sources of such targets: greedy
lookahead from every position of real text (make_lookahead: what a decode sees right
after a prompt) and long greedy rollouts (make_rollouts: what it sees deep into its own
output). The base model never changes after its
own loop, so losslessness is defined against it.
"""
from __future__ import annotations

import math
import os
import time

import torch
import torch.nn as nn
import torch.nn.functional as F

from config import Stage

from data import WindowSampler
from model import GPT, MedusaHeads, causal_bias, greedy_rollout


def lr_at(step: int, total: int, peak: float, warmup: int) -> float:
    """Linear warm-up, then cosine decay to a tenth of the peak."""
    if step < warmup:
        return peak * (step + 1) / warmup
    frac = (step - warmup) / max(1, total - warmup)
    return peak * (0.1 + 0.9 * 0.5 * (1 + math.cos(math.pi * frac)))


def _opt(params, lr):
    decay = [p for p in params if p.dim() >= 2]
    no_decay = [p for p in params if p.dim() < 2]
    return torch.optim.AdamW(
        [{"params": decay, "weight_decay": 0.1}, {"params": no_decay, "weight_decay": 0.0}], lr=lr, betas=(0.9, 0.95)
    )


def fit(name: str, module: nn.Module, stage: Stage, loss_fn, gen: torch.Generator, log,
        ckpt: str | None = None, ckpt_every: int = 100, probe=None, probe_every: int = 0,
        stop_after: int | None = None) -> dict:
    """The one training loop: AdamW, warm-up + cosine schedule, gradient clipping at 1.0.

    loss_fn(step) -> scalar loss draws its own batch from `gen`, the loop's only source of
    randomness. With `ckpt`, the module, optimiser, generator state and step go there every
    `ckpt_every` steps, and a later call resumes from it bit for bit (same losses as an
    uninterrupted run). probe(step) -> dict, every `probe_every` steps and at the end,
    builds the training curve (held-out loss and generation quality per CPU second).
    stop_after: leave (SystemExit) after that many steps of this call, checkpoint written, as
    a cut-off run would; check_determinism.py uses it to prove that --resume continues exactly."""
    params = [p for p in module.parameters() if p.requires_grad]
    opt = _opt(params, stage.lr)
    start, curve, spent = 0, [], 0.0
    if ckpt and os.path.exists(ckpt):
        state = torch.load(ckpt)
        module.load_state_dict(state["module"])
        opt.load_state_dict(state["opt"])
        gen.set_state(state["gen"])
        start, curve, spent = state["step"], state["curve"], state["wall_s"]
        log(f"{name}: resuming at step {start}/{stage.steps}")
    t0 = time.time() - spent
    warmup = max(1, stage.steps // 20)
    module.train()
    for step in range(start, stage.steps):
        for g in opt.param_groups:
            g["lr"] = lr_at(step, stage.steps, stage.lr, warmup)
        loss = loss_fn(step)
        opt.zero_grad(set_to_none=True)
        loss.backward()
        torch.nn.utils.clip_grad_norm_(params, 1.0)
        opt.step()
        done = step + 1
        if step % 50 == 0 or done == stage.steps:
            log(f"{name} step {step}/{stage.steps} loss {loss.item():.3f} ({time.time() - t0:.0f}s)")
        if probe and probe_every and (done % probe_every == 0 or done == stage.steps):
            module.eval()
            train_s = time.time() - t0
            point = {"step": done, "train_wall_s": round(train_s, 1), **probe(done)}
            curve.append(point)
            log(f"{name} probe {point}")
            t0 = time.time() - train_s  # probes are not training time
            module.train()
        if ckpt and (done % ckpt_every == 0 or done == stage.steps):
            torch.save({"module": module.state_dict(), "opt": opt.state_dict(), "gen": gen.get_state(),
                        "step": done, "curve": curve, "wall_s": time.time() - t0}, ckpt)
        if stop_after is not None and done - start >= stop_after and done < stage.steps:
            if not ckpt or done % ckpt_every:
                raise ValueError("stop_after must land on a checkpoint step")
            raise SystemExit(f"{name}: stopped after step {done} (--stop-after-steps); continue with --resume")
    module.eval()
    info = {"steps": stage.steps, "batch": stage.batch, "wall_s": round(time.time() - t0, 1)}
    if curve:
        info["curve"] = curve
    return info


def train_base(model: GPT, sampler: WindowSampler, stage: Stage, log, **kw) -> dict:
    def loss_fn(_step):
        xy = sampler.batch(stage.batch)  # (B, T+1)
        logits, _ = model.forward_train(xy[:, :-1])  # (B, T, V)
        return F.cross_entropy(logits.reshape(-1, logits.size(-1)), xy[:, 1:].reshape(-1))

    info = fit("base", model, stage, loss_fn, sampler.gen, log, **kw)
    return {**info, "seq_len": sampler.T}


@torch.no_grad()
def make_rollouts(model: GPT, streams, n_batches: int, batch: int, rollout: int, min_prefix: int,
                  max_prefix: int, seed: int, log):
    """Greedy continuations of random train-split prefixes. Returns (hidden, targets):
    hidden (N, C) are the base model's final hidden states at positions P-1 .. P+R-2 of
    each rollout, targets (N, R) the tokens from that position's +1 onward (padded -1),
    so head k at row n is trained towards targets[n, k]."""
    gen = torch.Generator().manual_seed(seed)
    sampler_streams = [torch.from_numpy(streams[d]["train"]) for d in sorted(streams)]
    hiddens, targets = [], []
    t0 = time.time()
    for i in range(n_batches):
        s = sampler_streams[i % len(sampler_streams)]
        P = int(torch.randint(min_prefix, max_prefix + 1, (1,), generator=gen))
        starts = torch.randint(0, len(s) - P - 1, (batch,), generator=gen)
        prefix = torch.stack([s[int(a) : int(a) + P] for a in starts])  # (B, P)
        seq = greedy_rollout(model, prefix, rollout)  # (B, P+R)
        _, hidden = model.forward_train(seq)  # (B, P+R, C)
        h = hidden[:, P - 1 : P + rollout - 1]  # (B, R, C)
        tgt = torch.full((batch, rollout, rollout), -1, dtype=torch.long)  # (B, R, R)
        for r in range(rollout):
            n = rollout - r  # tokens after position P-1+r within the rollout
            tgt[:, r, :n] = seq[:, P + r : P + rollout]
        hiddens.append(h.reshape(-1, h.size(-1)))
        targets.append(tgt.reshape(-1, rollout))
        if i % 20 == 0:
            log(f"rollouts {i}/{n_batches} ({time.time() - t0:.0f}s)")
    return torch.cat(hiddens), torch.cat(targets), round(time.time() - t0, 1)


@torch.no_grad()
def make_lookahead(model: GPT, streams, n_batches: int, batch: int, T: int, K: int, seed: int, log):
    """The base model's greedy tokens 1..K+1 ahead of EVERY position of real train text, in
    K+1 batched forwards instead of one rollout per position. Step j feeds, for every
    position t at once, the token greedy decoding would have placed at t+j-1, at that
    position, seeing the real keys <= t and its own chain of earlier guesses only:
    T independent lookahead chains sharing one KV cache, told apart by the attention bias.
    Returns (hidden (N, C) at the real positions, targets (N, K+1) with [:, k] = k+1 ahead)."""
    gen = torch.Generator().manual_seed(seed)
    sampler_streams = [torch.from_numpy(streams[d]["train"]) for d in sorted(streams)]
    eye = torch.full((T, T), float("-inf"))
    eye.fill_diagonal_(0.0)  # key (block b, s) is visible to query t iff s == t
    hiddens, targets = [], []
    t0 = time.time()
    for i in range(n_batches):
        s = sampler_streams[i % len(sampler_streams)]
        starts = torch.randint(0, len(s) - T - 1, (batch,), generator=gen)
        x = torch.stack([s[int(a) : int(a) + T] for a in starts])  # (B, T)
        pos = torch.arange(T).unsqueeze(0).expand(batch, T)
        logits, hidden, past = model(x, pos, causal_bias(T), model.empty_past(batch))
        g = [logits.argmax(-1)]  # (B, T): greedy token 1 ahead of each t
        for j in range(2, K + 2):
            blocks = [causal_bias(T)[0, 0]] + [eye] * (j - 1)  # real keys, earlier guesses, itself
            bias = torch.cat(blocks, dim=1).view(1, 1, T, T * j)  # (1, 1, T, P+T)
            logits, _, past = model(g[-1], pos + (j - 1), bias, past)
            g.append(logits.argmax(-1))
        hiddens.append(hidden.reshape(-1, hidden.size(-1)))
        targets.append(torch.stack(g, dim=-1).reshape(-1, K + 1))
        if i % 10 == 0:
            log(f"lookahead {i}/{n_batches} ({time.time() - t0:.0f}s)")
    return torch.cat(hiddens), torch.cat(targets), round(time.time() - t0, 1)


def train_heads(heads: MedusaHeads, hidden: torch.Tensor, targets: torch.Tensor, stage: Stage, seed: int,
                log, **kw) -> dict:
    """targets[:, 0] is the base model's own next token; head k (1-based) learns targets[:, k]."""
    gen = torch.Generator().manual_seed(seed)
    K = heads.num_heads

    def loss_fn(_step):
        idx = torch.randint(0, hidden.size(0), (stage.batch,), generator=gen)
        logits = heads(hidden[idx].unsqueeze(0))[0]  # (N, K, V)
        tgt = targets[idx, 1 : K + 1]  # (N, K)
        return F.cross_entropy(logits.reshape(-1, logits.size(-1)), tgt.reshape(-1), ignore_index=-1)

    info = fit("heads", heads, stage, loss_fn, gen, log, **kw)
    return {**info, "batch_positions": info.pop("batch")}


def train_draft(draft: GPT, teacher: GPT, sampler: WindowSampler, stage: Stage, log, **kw) -> dict:
    """Distillation: KL(teacher || draft) over the whole vocabulary at every position, so the
    draft model learns the base model's distribution (what speculative sampling compares
    against), not just the corpus's next token."""

    def loss_fn(_step):
        x = sampler.batch(stage.batch)[:, :-1]  # (B, T)
        with torch.no_grad():
            t_logits, _ = teacher.forward_train(x)  # (B, T, V)
        s_logits, _ = draft.forward_train(x)  # (B, T, V)
        V = s_logits.size(-1)
        return F.kl_div(F.log_softmax(s_logits.reshape(-1, V), -1), F.log_softmax(t_logits.reshape(-1, V), -1),
                        log_target=True, reduction="batchmean")

    info = fit("draft", draft, stage, loss_fn, sampler.gen, log, **kw)
    return {**info, "seq_len": sampler.T}
