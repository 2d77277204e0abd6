"""The whole pipeline, corpus to browser-ready model folder, in one command:

    python3 train/pipeline.py --config full   # public/models/toy + test/fixtures/toy
    python3 train/pipeline.py --config smoke --out build/smoke/models/toy-smoke --fixtures build/smoke/fixtures

Stages: corpora -> tokenizer -> base model -> greedy rollouts -> Medusa heads -> draft
model -> EAGLE head -> evaluation (card) -> ONNX export -> golden fixtures -> prompt suites. Every
stage is seeded from --seed; checkpoints go to train/work/<id>/ so a later stage can be
re-run with --resume without retraining (a plain run always starts from scratch).
"""
from __future__ import annotations

import argparse
import json
import os
import shutil
import sys
import time

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))

import numpy as np  # noqa: E402
import torch  # noqa: E402

import bpe  # noqa: E402
import corpus  # noqa: E402
import eagle as eagle_mod  # noqa: E402
from data import WindowSampler, build_streams  # noqa: E402
from model import GPT, MedusaHeads  # noqa: E402
import quality  # noqa: E402
from config import CONFIGS, PipelineConfig  # noqa: E402
from train import make_lookahead, make_rollouts, train_base, train_draft, train_heads  # noqa: E402

def log(msg: str) -> None:
    print(f"[{time.strftime('%H:%M:%S')}] {msg}", flush=True)


def tokenizer_texts(splits, budget_chars: int, prose_share: float) -> list[str]:
    """Train-split documents in split order, prose_share of the budget from prose."""
    out = []
    for domain, budget in (("prose", budget_chars * prose_share), ("code", budget_chars * (1 - prose_share))):
        used = 0
        for _, text in splits[domain]["train"]:
            if used >= budget:
                break
            out.append(text)
            used += len(text)
    return out


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--config", choices=sorted(CONFIGS), default="full")
    ap.add_argument("--seed", type=int, default=1234)
    ap.add_argument("--out", help="model folder (default public/models/<id>)")
    ap.add_argument("--fixtures", help="golden fixtures folder (default test/fixtures/<id>)")
    ap.add_argument("--work", help="checkpoint folder (default train/work/<id>)")
    ap.add_argument("--resume", action="store_true", help="reuse checkpoints of finished stages")
    ap.add_argument("--threads", type=int, default=2)
    ap.add_argument("--stop-after-steps", type=int, default=None,
                    help="test aid: each training loop of this run stops after N steps, as a cut-off run would")
    args = ap.parse_args()

    cfg: PipelineConfig = CONFIGS[args.config]
    root = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
    out = args.out or os.path.join(root, "public", "models", cfg.id)
    fixtures = args.fixtures or os.path.join(root, "test", "fixtures", cfg.id)
    work = args.work or os.path.join(root, "train", "work", cfg.id)
    if not args.resume and os.path.exists(work):
        shutil.rmtree(work)
    os.makedirs(work, exist_ok=True)
    torch.set_num_threads(args.threads)
    torch.manual_seed(args.seed)
    t_start = time.time()
    timings_path = os.path.join(work, "timings.json")  # per-stage wall time, kept across --resume
    timings: dict[str, float] = {}
    if args.resume and os.path.exists(timings_path):
        with open(timings_path) as f:
            timings = json.load(f)

    def stage(name, path, fn):
        """Run fn() unless --resume and its checkpoint exists; the checkpoint is what fn returns.
        A training stage cut short resumes from its own step checkpoint (name.step.pt)."""
        if args.resume and os.path.exists(path):
            log(f"{name}: reusing {os.path.relpath(path, root)}")
            return torch.load(path)
        t = time.time()
        result = fn()
        torch.save(result, path)
        timings[name] = round(time.time() - t, 1)  # after a resume: the resumed part only (fit info has all)
        with open(timings_path, "w") as f:
            json.dump(timings, f)
        log(f"{name}: done in {timings[name]}s")
        return result

    def step_ckpt(name):
        return dict(ckpt=os.path.join(work, f"{name}.step.pt"), ckpt_every=cfg.checkpoint_every,
                    stop_after=args.stop_after_steps)

    log(f"config {args.config}, seed {args.seed}, {args.threads} threads")
    splits = corpus.load_splits()

    def fit_tokenizer():
        return bpe.train(tokenizer_texts(splits, cfg.tokenizer_chars, cfg.tokenizer_prose_share), cfg.vocab_size)

    merges = stage("tokenizer", os.path.join(work, "merges.pt"), fit_tokenizer)
    tok = bpe.Tokenizer([tuple(m) for m in merges])
    if tok.vocab_size != cfg.vocab_size:
        raise SystemExit(f"tokenizer has {tok.vocab_size} ids, config wants {cfg.vocab_size}: too little text")
    streams = stage("tokenize", os.path.join(work, "streams.pt"), lambda: build_streams(splits, tok))
    corpus_tokens = {d: {s: int(len(a)) for s, a in v.items()} for d, v in streams.items()}
    log(f"corpus tokens {corpus_tokens}")
    base_cfg, draft_cfg = cfg.base, cfg.draft
    prose_words, code_idents = quality.vocabulary_sets(splits)
    # The training curve's probes use the validation split; the card's figures, the test split.
    probe_suites = fixtures_prompt_suites(splits, tok, base_cfg.n_positions, cfg.quality_prompts, "val")
    import evaluate  # noqa: E402  (its val_loss serves the probes too)

    def fit_base():
        torch.manual_seed(args.seed)
        model = GPT(base_cfg)
        sampler = WindowSampler(streams, base_cfg.n_positions, args.seed, cfg.prose_share)
        probe_n = max(1, cfg.quality_prompts // 4)

        def probe(step):
            val = {d: evaluate.val_loss(model, tok, streams[d]["val"], base_cfg.n_positions,
                                        max(1, cfg.eval_windows // 4))["bits_per_byte"] for d in sorted(streams)}
            q = quality.quality(model, tok, probe_suites, prose_words, code_idents, probe_n, cfg.quality_tokens,
                                args.seed + 7)
            return {"val_bits_per_byte": val,
                    "quality": {d: {k: v for k, v in q[d].items() if k in ("greedy", "sampled")} for d in q}}

        info = train_base(model, sampler, cfg.base_train, log, probe=probe, probe_every=cfg.probe_every,
                          **step_ckpt("base"))
        tokens = cfg.base_train.steps * cfg.base_train.batch * base_cfg.n_positions
        rows = [sampler.domain_of_row(b, cfg.base_train.batch) for b in range(cfg.base_train.batch)]
        info["tokens_seen"] = {d: tokens * rows.count(d) // len(rows) for d in sorted(streams)}
        return {"state": model.state_dict(), "info": info}

    base_ck = stage("base", os.path.join(work, "base.pt"), fit_base)
    base = GPT(base_cfg)
    base.load_state_dict(base_ck["state"])
    base.eval()
    for p in base.parameters():
        p.requires_grad_(False)

    def fit_heads():
        K = cfg.num_heads
        r_hidden, r_targets, roll_s = make_rollouts(
            base, streams, cfg.rollout_batches, cfg.rollout_batch, cfg.rollout_len,
            cfg.prefix_min, cfg.prefix_max, args.seed + 1, log)
        l_hidden, l_targets, look_s = make_lookahead(
            base, streams, cfg.lookahead_batches, cfg.lookahead_batch, cfg.lookahead_len, K, args.seed + 6, log)
        hidden = torch.cat([r_hidden, l_hidden])
        targets = torch.cat([r_targets[:, : K + 1], l_targets])
        torch.manual_seed(args.seed + 2)
        heads = MedusaHeads(base_cfg.n_embd, base_cfg.vocab_size, K, base.wte.weight)
        info = train_heads(heads, hidden, targets, cfg.heads_train, args.seed + 3, log, **step_ckpt("heads"))
        info.update(rollout_wall_s=roll_s, rollout_positions=int(r_hidden.size(0)),
                    lookahead_wall_s=look_s, lookahead_positions=int(l_hidden.size(0)))
        return {"state": heads.state_dict(), "info": info}

    heads_ck = stage("heads", os.path.join(work, "heads.pt"), fit_heads)
    heads = MedusaHeads(base_cfg.n_embd, base_cfg.vocab_size, cfg.num_heads, base.wte.weight)
    heads.load_state_dict(heads_ck["state"])
    heads.eval()

    def fit_draft():
        torch.manual_seed(args.seed + 4)
        draft = GPT(draft_cfg)
        sampler = WindowSampler(streams, draft_cfg.n_positions, args.seed + 5, cfg.prose_share)
        info = train_draft(draft, base, sampler, cfg.draft_train, log, **step_ckpt("draft"))
        return {"state": draft.state_dict(), "info": info}

    draft_ck = stage("draft", os.path.join(work, "draft.pt"), fit_draft)
    draft = GPT(draft_cfg)
    draft.load_state_dict(draft_ck["state"])
    draft.eval()

    def fit_eagle():
        t = time.time()
        ids, feats = eagle_mod.make_features(base, streams, cfg.eagle_windows, base_cfg.n_positions, cfg.prose_share,
                                             args.seed + 9, log)
        features_s = round(time.time() - t, 1)
        torch.manual_seed(args.seed + 10)
        head = eagle_mod.EagleHead(base_cfg, base)
        info = eagle_mod.train_eagle(head, ids, feats, cfg.eagle_train, cfg.eagle_crop, cfg.eagle_unroll,
                                     cfg.eagle_step_weights, cfg.eagle_ce_weight, args.seed + 11, log,
                                     **step_ckpt("eagle"))
        info["features_wall_s"] = features_s
        return {"state": head.state_dict(), "info": info}

    eagle_ck = stage("eagle", os.path.join(work, "eagle.pt"), fit_eagle)
    eagle = eagle_mod.EagleHead(base_cfg, base)
    eagle.load_state_dict(eagle_ck["state"])
    eagle.eval()

    import finish  # noqa: E402  (imported late, so its code can change while the training stages run)

    finish.finish(args, cfg, root, out, fixtures, work, t_start, timings, tok, splits, streams, corpus_tokens,
                  base, heads, draft, base_ck, heads_ck, draft_ck, prose_words, code_idents, log,
                  eagle=eagle, eagle_ck=eagle_ck)


def fixtures_prompt_suites(splits, tok, n_positions, per_domain, split):
    import fixtures as fixtures_mod  # noqa: E402

    return fixtures_mod.prompt_suites(splits, tok, n_positions, per_domain=per_domain, split=split)["suites"]


if __name__ == "__main__":
    np.set_printoptions(precision=4)
    main()
