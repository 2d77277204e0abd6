"""The toy decoder-only transformer, its Medusa-style draft heads, and nothing else.

One forward serves training, KV-cached decoding and ONNX export: the caller passes
position ids and an additive attention bias (0 or -inf) over [past + new] keys, so
causal, tree and padding masks are all the caller's business. Learned absolute
position embeddings keep the export to plain Gather/MatMul/LayerNormalization ops.
Left out on purpose: dropout (tiny data, short training), rotary embeddings, fused
attention kernels (torch 1.13 has none that export cleanly).
"""
from __future__ import annotations

import math
from dataclasses import dataclass, asdict

import torch
import torch.nn as nn
import torch.nn.functional as F


@dataclass
class GPTConfig:
    vocab_size: int = 2048
    n_layer: int = 4
    n_head: int = 4
    n_embd: int = 256
    n_positions: int = 256

    @property
    def head_dim(self) -> int:
        return self.n_embd // self.n_head

    def to_dict(self) -> dict:
        return asdict(self)


class Attention(nn.Module):
    def __init__(self, cfg: GPTConfig):
        super().__init__()
        self.n_head, self.head_dim = cfg.n_head, cfg.head_dim
        self.qkv = nn.Linear(cfg.n_embd, 3 * cfg.n_embd)
        self.proj = nn.Linear(cfg.n_embd, cfg.n_embd)

    def forward(self, x, bias, past_k, past_v):
        B, T, C = x.shape
        q, k, v = self.qkv(x).split(C, dim=2)
        q = q.view(B, T, self.n_head, self.head_dim).transpose(1, 2)  # (B, H, T, Dh)
        k = k.view(B, T, self.n_head, self.head_dim).transpose(1, 2)  # (B, H, T, Dh)
        v = v.view(B, T, self.n_head, self.head_dim).transpose(1, 2)  # (B, H, T, Dh)
        k = torch.cat([past_k, k], dim=2)  # (B, H, P+T, Dh)
        v = torch.cat([past_v, v], dim=2)  # (B, H, P+T, Dh)
        att = (q @ k.transpose(-2, -1)) * (1.0 / math.sqrt(self.head_dim))  # (B, H, T, P+T)
        att = F.softmax(att + bias, dim=-1)
        y = (att @ v).transpose(1, 2).reshape(B, T, C)  # (B, T, C)
        return self.proj(y), k, v


class Block(nn.Module):
    def __init__(self, cfg: GPTConfig):
        super().__init__()
        self.ln1 = nn.LayerNorm(cfg.n_embd)
        self.attn = Attention(cfg)
        self.ln2 = nn.LayerNorm(cfg.n_embd)
        self.fc = nn.Linear(cfg.n_embd, 4 * cfg.n_embd)
        self.out = nn.Linear(4 * cfg.n_embd, cfg.n_embd)

    def forward(self, x, bias, past_k, past_v):
        a, k, v = self.attn(self.ln1(x), bias, past_k, past_v)
        x = x + a
        x = x + self.out(F.gelu(self.fc(self.ln2(x))))
        return x, k, v


def causal_bias(T: int, P: int = 0, device=None) -> torch.Tensor:
    """Additive mask [1, 1, T, P+T]: token t sees every past key and new keys <= t."""
    full = torch.full((T, P + T), float("-inf"), device=device)
    full[:, :P] = 0.0
    full[:, P:] = torch.triu(full[:, P:], diagonal=1)
    return full.view(1, 1, T, P + T)


class GPT(nn.Module):
    def __init__(self, cfg: GPTConfig):
        super().__init__()
        self.cfg = cfg
        self.wte = nn.Embedding(cfg.vocab_size, cfg.n_embd)
        self.wpe = nn.Embedding(cfg.n_positions, cfg.n_embd)
        self.blocks = nn.ModuleList([Block(cfg) for _ in range(cfg.n_layer)])
        self.ln_f = nn.LayerNorm(cfg.n_embd)
        self.apply(self._init)
        for name, p in self.named_parameters():  # GPT-2's scaled init of residual projections
            if name.endswith("proj.weight") or name.endswith("out.weight"):
                nn.init.normal_(p, 0.0, 0.02 / math.sqrt(2 * cfg.n_layer))

    @staticmethod
    def _init(m):
        if isinstance(m, nn.Linear):
            nn.init.normal_(m.weight, 0.0, 0.02)
            nn.init.zeros_(m.bias)
        elif isinstance(m, nn.Embedding):
            nn.init.normal_(m.weight, 0.0, 0.02)

    def num_params(self) -> int:
        return sum(p.numel() for p in self.parameters())

    def empty_past(self, batch: int = 1):
        shape = (batch, self.cfg.n_head, 0, self.cfg.head_dim)
        return [torch.zeros(shape) for _ in range(2 * self.cfg.n_layer)]

    def forward(self, input_ids, position_ids, attention_bias, past):
        """input_ids, position_ids: (B, T); attention_bias: (B|1, 1, T, P+T);
        past: flat list [k0, v0, k1, v1, ...] each (B, H, P, Dh).
        Returns logits (B, T, V), hidden (B, T, C) after the final norm, present (flat list)."""
        x = self.wte(input_ids) + self.wpe(position_ids)  # (B, T, C)
        present = []
        for i, block in enumerate(self.blocks):
            x, k, v = block(x, attention_bias, past[2 * i], past[2 * i + 1])
            present += [k, v]
        hidden = self.ln_f(x)  # (B, T, C)
        logits = hidden @ self.wte.weight.t()  # (B, T, V), tied embeddings
        return logits, hidden, present

    def forward_train(self, idx):
        """Plain causal forward over (B, T) token ids from position 0."""
        B, T = idx.shape
        pos = torch.arange(T).unsqueeze(0).expand(B, T)
        logits, hidden, _ = self.forward(idx, pos, causal_bias(T), self.empty_past(B))
        return logits, hidden


class MedusaHeads(nn.Module):
    """K heads; head k (1-based) predicts the token k+1 positions past the hidden state's
    position. Each head is a residual SiLU block feeding its own LM head, initialised as a
    copy of the (frozen) base LM head, with the block's weight at zero so training starts
    from "predict the next token again" (Medusa, Cai et al. 2024)."""

    def __init__(self, n_embd: int, vocab_size: int, num_heads: int, lm_head_weight: torch.Tensor):
        super().__init__()
        self.num_heads = num_heads
        self.blocks = nn.ModuleList([nn.Linear(n_embd, n_embd) for _ in range(num_heads)])
        for b in self.blocks:
            nn.init.zeros_(b.weight)
            nn.init.zeros_(b.bias)
        self.lm_heads = nn.ParameterList(
            [nn.Parameter(lm_head_weight.detach().clone()) for _ in range(num_heads)]
        )  # each (V, C)

    def num_params(self) -> int:
        return sum(p.numel() for p in self.parameters())

    def forward(self, hidden):
        """hidden (B, N, C) -> draft logits (B, N, K, V)."""
        outs = []
        for block, w in zip(self.blocks, self.lm_heads):
            h = hidden + F.silu(block(hidden))  # (B, N, C)
            outs.append(h @ w.t())  # (B, N, V)
        return torch.stack(outs, dim=2)  # (B, N, K, V)


@torch.no_grad()
def greedy_rollout(model: GPT, prefix: torch.Tensor, steps: int) -> torch.Tensor:
    """Greedy continuation of a batch of equal-length prefixes (B, P) -> (B, P+steps),
    with the KV cache, exactly as one-token-at-a-time decoding does it."""
    B, P = prefix.shape
    pos = torch.arange(P).unsqueeze(0).expand(B, P)
    logits, _, past = model(prefix, pos, causal_bias(P), model.empty_past(B))
    out = [prefix]
    nxt = logits[:, -1].argmax(-1, keepdim=True)  # (B, 1)
    for s in range(steps):
        out.append(nxt)
        if s == steps - 1:
            break
        L = P + s
        pos = torch.full((B, 1), L, dtype=torch.long)
        logits, _, past = model(nxt, pos, torch.zeros(1, 1, 1, L + 1), past)
        nxt = logits[:, -1].argmax(-1, keepdim=True)
    return torch.cat(out, dim=1)
