"""The pipeline's configuration, typed: one PipelineConfig per named run (`full`, the
model the page ships; `smoke`, a few steps of a tiny model for CI).

Why these numbers (`full`), measured on this 2-core machine:
  vocabulary 3072, tokenizer text 70% prose: 14% of King James word occurrences need more
      than one token (22% at 2048 from a half-and-half text, 10.5% at 4096); a word split
      into pieces is where sampled prose invents words. 4096 would double the Medusa heads'
      cost (4 x V x C a step) for 3 points less (train/vocab_study.py measures all of these).
  prose share 0.6 of every batch: the page's headline suite is prose, and the King James
      train split (about 1.05M tokens) takes several epochs to learn; code (about 2.9M
      tokens) gets one epoch.
  base steps 1000 x 32 x 256 (8.2M tokens, 4.9M of them prose): 2.1 s a step on an idle
      2-core machine, so about 36 minutes; with the heads' greedy rollouts and the draft model
      the pipeline should take about an hour, inside the 2-hour budget (not yet timed from
      scratch on an idle machine; card.json holds each stage's measured time).
  heads: 16 x 64 greedy rollouts of 48 tokens plus greedy lookahead from 48 x 24 x 192 real
      positions, 500 steps (12 minutes on a shared machine); draft model: 300 steps of
      distillation (10 minutes there).
  EAGLE head: 1500 steps of EAGLE-1 (16 crops of 128 tokens a step) on features of 1024
      windows: 12 minutes on a shared machine (70 s of features, 11 minutes of training; about
      0.37 s a step when idle); EAGLE-1 rather than the training-time test: EAGLE_STUDY.
"""
from __future__ import annotations

from dataclasses import asdict, dataclass, field

from model import GPTConfig


@dataclass(frozen=True)
class Stage:
    """One training loop's length and step size."""

    steps: int
    batch: int
    lr: float


@dataclass(frozen=True)
class PipelineConfig:
    id: str
    vocab_size: int
    tokenizer_chars: int
    tokenizer_prose_share: float
    base: GPTConfig
    draft: GPTConfig
    num_heads: int
    prose_share: float  # share of each training batch's rows drawn from the prose stream
    base_train: Stage
    heads_train: Stage  # batch counts positions
    draft_train: Stage
    rollout_batches: int
    rollout_batch: int
    rollout_len: int
    prefix_min: int
    prefix_max: int
    lookahead_batches: int
    lookahead_batch: int
    lookahead_len: int
    eval_windows: int
    agree_prompts: int
    quality_prompts: int  # prompts per domain in the quality figures (card and training curve)
    quality_tokens: int  # new tokens per continuation in the quality figures
    probe_every: int  # base steps between training-curve probes (val loss + quality)
    eagle_train: Stage  # batch counts windows, each cropped to eagle_crop tokens
    eagle_windows: int  # train-split windows whose base features are computed once
    eagle_crop: int
    eagle_unroll: int  # 1: EAGLE-1; > 1: EAGLE-3's training-time test over that many draft steps
    eagle_step_weights: tuple  # loss weight per unrolled step
    eagle_ce_weight: float  # cross-entropy's weight beside the feature regression (EAGLE-1: 0.1)
    checkpoint_every: int = 100
    notes: dict = field(default_factory=dict)

    def to_dict(self) -> dict:
        return asdict(self)


EAGLE_STUDY = (
    "train/eagle_study.py, equal CPU time (about 185 s of training each, shared 2-core machine, 256 windows, "
    "96 validation prompts per domain): greedy top-1 per depth 1..4 on prose, EAGLE-1 (500 steps) "
    "0.69 0.49 0.38 0.24, chain mean accepted 1.69; training-time test over 2 steps (240 steps) 0.56 0.36 0.22 "
    "0.16, 1.20; over 3 steps (156 steps) 0.51 0.34 0.19 0.09, 1.00 (code: 1.09, 0.90, 0.70). An unrolled step "
    "costs 2-3x as much, and at this budget the extra steps of EAGLE-1 are worth more; so eagle_unroll 1."
)

CONFIGS: dict[str, PipelineConfig] = {
    "full": PipelineConfig(
        id="toy", vocab_size=3072, tokenizer_chars=6_000_000, tokenizer_prose_share=0.7,
        base=GPTConfig(vocab_size=3072, n_layer=4, n_head=4, n_embd=256, n_positions=256),
        draft=GPTConfig(vocab_size=3072, n_layer=2, n_head=2, n_embd=128, n_positions=256),
        num_heads=4, prose_share=0.6,
        base_train=Stage(steps=1000, batch=32, lr=3e-3),
        heads_train=Stage(steps=500, batch=2048, lr=2e-3),
        draft_train=Stage(steps=300, batch=32, lr=3e-3),
        rollout_batches=16, rollout_batch=64, rollout_len=48, prefix_min=16, prefix_max=192,
        lookahead_batches=48, lookahead_batch=24, lookahead_len=192,
        eval_windows=64, agree_prompts=256, quality_prompts=32, quality_tokens=128, probe_every=250,
        eagle_train=Stage(steps=1500, batch=16, lr=2e-3), eagle_windows=1024, eagle_crop=128, eagle_unroll=1,
        eagle_step_weights=(1.0,), eagle_ce_weight=0.1,
        notes={"eagle_unroll": EAGLE_STUDY},
    ),
    "smoke": PipelineConfig(
        id="toy-smoke", vocab_size=320, tokenizer_chars=200_000, tokenizer_prose_share=0.5,
        base=GPTConfig(vocab_size=320, n_layer=2, n_head=2, n_embd=32, n_positions=256),
        draft=GPTConfig(vocab_size=320, n_layer=1, n_head=2, n_embd=16, n_positions=256),
        num_heads=4, prose_share=0.5,
        base_train=Stage(steps=30, batch=8, lr=3e-3),
        heads_train=Stage(steps=30, batch=256, lr=2e-3),
        draft_train=Stage(steps=20, batch=8, lr=3e-3),
        rollout_batches=4, rollout_batch=16, rollout_len=16, prefix_min=8, prefix_max=32,
        lookahead_batches=2, lookahead_batch=4, lookahead_len=32,
        eval_windows=4, agree_prompts=16, quality_prompts=4, quality_tokens=16, probe_every=15,
        # unrolled (the training-time test) although full is not, so CI runs that code path too
        eagle_train=Stage(steps=20, batch=4, lr=2e-3), eagle_windows=16, eagle_crop=32, eagle_unroll=2,
        eagle_step_weights=(1.0, 0.8), eagle_ce_weight=0.1,
        checkpoint_every=10,
    ),
}
