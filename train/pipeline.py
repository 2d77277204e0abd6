"""The whole pipeline, corpus to browser-ready model folder, in one command:

    python3 train/pipeline.py --config full   # public/models/toy + test/fixtures/toy
    python3 train/pipeline.py --config smoke --out build/smoke/models/toy-smoke --fixtures build/smoke/fixtures

Stages: corpora -> tokenizer -> base model -> greedy rollouts -> Medusa heads -> draft
model -> evaluation (card) -> ONNX export -> golden fixtures -> prompt suites. Every
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
from data import WindowSampler, build_streams  # noqa: E402
from model import GPT, GPTConfig, MedusaHeads  # noqa: E402
from train import make_lookahead, make_rollouts, train_base, train_draft, train_heads  # noqa: E402

CONFIGS = {
    # The model the page ships. Step counts fit the 60-minute budget on 2 cores.
    "full": dict(
        id="toy", vocab_size=2048, tokenizer_chars=6_000_000,
        base=dict(n_layer=4, n_head=4, n_embd=256, n_positions=256),
        draft=dict(n_layer=2, n_head=2, n_embd=128, n_positions=256),
        num_heads=4, base_steps=480, base_batch=32, base_lr=3e-3,
        rollout_batches=48, rollout_batch=64, rollout_len=48, prefix_min=16, prefix_max=192,
        lookahead_batches=48, lookahead_batch=24, lookahead_len=192,
        head_steps=700, head_batch=2048, head_lr=2e-3,
        draft_steps=360, draft_batch=32, draft_lr=3e-3,
        eval_windows=64, agree_prompts=256,
    ),
    # A few steps of a tiny model: proves the pipeline end to end in CI.
    "smoke": dict(
        id="toy-smoke", vocab_size=320, tokenizer_chars=200_000,
        base=dict(n_layer=2, n_head=2, n_embd=32, n_positions=256),
        draft=dict(n_layer=1, n_head=2, n_embd=16, n_positions=256),
        num_heads=4, base_steps=30, base_batch=8, base_lr=3e-3,
        rollout_batches=4, rollout_batch=16, rollout_len=16, prefix_min=8, prefix_max=32,
        lookahead_batches=2, lookahead_batch=4, lookahead_len=32,
        head_steps=30, head_batch=256, head_lr=2e-3,
        draft_steps=20, draft_batch=8, draft_lr=3e-3,
        eval_windows=4, agree_prompts=16,
    ),
}


def log(msg: str) -> None:
    print(f"[{time.strftime('%H:%M:%S')}] {msg}", flush=True)


def tokenizer_texts(splits, budget_chars: int) -> list[str]:
    """Half the budget from each domain's train split, documents in split order."""
    out = []
    for domain in corpus.DOMAINS:
        used = 0
        for _, text in splits[domain]["train"]:
            if used >= budget_chars // 2:
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
    args = ap.parse_args()

    cfg = CONFIGS[args.config]
    root = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
    out = args.out or os.path.join(root, "public", "models", cfg["id"])
    fixtures = args.fixtures or os.path.join(root, "test", "fixtures", cfg["id"])
    work = args.work or os.path.join(root, "train", "work", cfg["id"])
    if not args.resume and os.path.exists(work):
        shutil.rmtree(work)
    os.makedirs(work, exist_ok=True)
    torch.set_num_threads(args.threads)
    torch.manual_seed(args.seed)
    t_start = time.time()
    timings: dict[str, float] = {}

    def stage(name, path, fn):
        """Run fn() unless --resume and its checkpoint exists; the checkpoint is what fn returns."""
        if args.resume and os.path.exists(path):
            log(f"{name}: reusing {os.path.relpath(path, root)}")
            return torch.load(path)
        t = time.time()
        result = fn()
        torch.save(result, path)
        timings[name] = round(time.time() - t, 1)
        log(f"{name}: done in {timings[name]}s")
        return result

    log(f"config {args.config}, seed {args.seed}, {args.threads} threads")
    splits = corpus.load_splits()

    def fit_tokenizer():
        return bpe.train(tokenizer_texts(splits, cfg["tokenizer_chars"]), cfg["vocab_size"])

    merges = stage("tokenizer", os.path.join(work, "merges.pt"), fit_tokenizer)
    tok = bpe.Tokenizer([tuple(m) for m in merges])
    streams = stage("tokenize", os.path.join(work, "streams.pt"), lambda: build_streams(splits, tok))
    corpus_tokens = {d: {s: int(len(a)) for s, a in v.items()} for d, v in streams.items()}
    log(f"corpus tokens {corpus_tokens}")

    base_cfg = GPTConfig(vocab_size=tok.vocab_size, **cfg["base"])
    draft_cfg = GPTConfig(vocab_size=tok.vocab_size, **cfg["draft"])

    def fit_base():
        torch.manual_seed(args.seed)
        model = GPT(base_cfg)
        sampler = WindowSampler(streams, base_cfg.n_positions, args.seed)
        info = train_base(model, sampler, cfg["base_steps"], cfg["base_batch"], cfg["base_lr"], log)
        return {"state": model.state_dict(), "info": info}

    base_ck = stage("base", os.path.join(work, "base.pt"), fit_base)
    base = GPT(base_cfg)
    base.load_state_dict(base_ck["state"])
    base.eval()
    for p in base.parameters():
        p.requires_grad_(False)

    def fit_heads():
        K = cfg["num_heads"]
        r_hidden, r_targets, roll_s = make_rollouts(
            base, streams, cfg["rollout_batches"], cfg["rollout_batch"], cfg["rollout_len"],
            cfg["prefix_min"], cfg["prefix_max"], args.seed + 1, log)
        l_hidden, l_targets, look_s = make_lookahead(
            base, streams, cfg["lookahead_batches"], cfg["lookahead_batch"], cfg["lookahead_len"], K, args.seed + 6, log)
        hidden = torch.cat([r_hidden, l_hidden])
        targets = torch.cat([r_targets[:, : K + 1], l_targets])
        torch.manual_seed(args.seed + 2)
        heads = MedusaHeads(base_cfg.n_embd, base_cfg.vocab_size, cfg["num_heads"], base.wte.weight)
        info = train_heads(heads, hidden, targets, cfg["head_steps"], cfg["head_batch"], cfg["head_lr"],
                           args.seed + 3, log)
        info.update(rollout_wall_s=roll_s, rollout_positions=int(r_hidden.size(0)),
                    lookahead_wall_s=look_s, lookahead_positions=int(l_hidden.size(0)))
        return {"state": heads.state_dict(), "info": info}

    heads_ck = stage("heads", os.path.join(work, "heads.pt"), fit_heads)
    heads = MedusaHeads(base_cfg.n_embd, base_cfg.vocab_size, cfg["num_heads"], base.wte.weight)
    heads.load_state_dict(heads_ck["state"])
    heads.eval()

    def fit_draft():
        torch.manual_seed(args.seed + 4)
        draft = GPT(draft_cfg)
        sampler = WindowSampler(streams, draft_cfg.n_positions, args.seed + 5)
        info = train_draft(draft, base, sampler, cfg["draft_steps"], cfg["draft_batch"], cfg["draft_lr"], log)
        return {"state": draft.state_dict(), "info": info}

    draft_ck = stage("draft", os.path.join(work, "draft.pt"), fit_draft)
    draft = GPT(draft_cfg)
    draft.load_state_dict(draft_ck["state"])
    draft.eval()

    # Everything below is cheap and always re-run, so its code can change without retraining.
    import evaluate  # noqa: E402  (imported late: the training stages do not need it)
    import export  # noqa: E402
    import fixtures as fixtures_mod  # noqa: E402

    os.makedirs(os.path.join(out, "onnx"), exist_ok=True)
    tok.save(os.path.join(out, "tokenizer.json"))
    t = time.time()
    card = evaluate.evaluate(base, heads, draft, tok, streams, splits, cfg, log)
    timings["evaluate"] = round(time.time() - t, 1)
    t = time.time()
    files = export.export_all(base, heads, draft, out, log)
    timings["export"] = round(time.time() - t, 1)
    config = export.model_config(cfg["id"], base_cfg, draft_cfg, cfg["num_heads"], tok, files)
    with open(os.path.join(out, "config.json"), "w") as f:
        json.dump(config, f, indent=2)
    t = time.time()
    fixtures_mod.write_all(base, heads, draft, tok, splits, fixtures, cfg["id"], log)
    prompts = fixtures_mod.prompt_suites(splits, tok, base_cfg.n_positions)
    with open(os.path.join(out, "prompts.json"), "w") as f:
        json.dump(prompts, f, indent=1, ensure_ascii=False)
    timings["fixtures"] = round(time.time() - t, 1)

    card.update(
        id=cfg["id"],
        config=args.config,
        seed=args.seed,
        threads=args.threads,
        torch_version=torch.__version__,
        parameters={"base": base.num_params(), "heads": heads.num_params(), "draft_model": draft.num_params()},
        corpus_tokens=corpus_tokens,
        training={"base": base_ck["info"], "heads": heads_ck["info"], "draft_model": draft_ck["info"]},
        stage_wall_s=timings,
        onnx_bytes={k: os.path.getsize(os.path.join(out, v)) for k, v in files.items()},
        command=f"python3 train/pipeline.py --config {args.config} --seed {args.seed}",
    )
    if not args.resume:
        card["pipeline_wall_s"] = round(time.time() - t_start, 1)
    with open(os.path.join(out, "card.json"), "w") as f:
        json.dump(card, f, indent=2)
    if args.config == "full" and os.path.abspath(out) == os.path.join(root, "public", "models", cfg["id"]):
        import readme_card  # noqa: E402

        sys.argv = ["readme_card.py", os.path.join(out, "card.json"), os.path.join(root, "README.md")]
        readme_card.main()
    log(f"wrote {out} in {time.time() - t_start:.0f}s")


if __name__ == "__main__":
    np.set_printoptions(precision=4)
    main()
