"""EAGLE-1 against EAGLE-3's training-time test at equal CPU time, on the trained base model:
both heads learn from the same precomputed features; each is scored by the card's figures
(eagle.agreement on the validation split). What chose the pipeline's eagle_unroll.

    python3 train/eagle_study.py [--seconds 150]
"""
from __future__ import annotations

import argparse
import json
import os
import sys
import time

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))

import torch  # noqa: E402

from config import CONFIGS, Stage  # noqa: E402
import eagle  # noqa: E402
from model import GPT, MedusaHeads  # noqa: E402


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--steps", type=int, default=500, help="EAGLE-1's steps; the unrolled heads get the same wall time")
    ap.add_argument("--prompts", type=int, default=96)
    args = ap.parse_args()
    torch.set_num_threads(2)
    cfg = CONFIGS["full"]
    work = os.path.join(os.path.dirname(os.path.abspath(__file__)), "work", cfg.id)
    base = GPT(cfg.base)
    base.load_state_dict(torch.load(os.path.join(work, "base.pt"))["state"])
    base.eval()
    for p in base.parameters():
        p.requires_grad_(False)
    heads = MedusaHeads(cfg.base.n_embd, cfg.base.vocab_size, cfg.num_heads, base.wte.weight)
    heads.load_state_dict(torch.load(os.path.join(work, "heads.pt"))["state"])
    heads.eval()
    streams = torch.load(os.path.join(work, "streams.pt"))
    ids, feats = eagle.make_features(base, streams, 256, cfg.base.n_positions, cfg.prose_share, 77, print)
    results, per_step = {}, None
    for unroll in (1, 2, 3):
        torch.manual_seed(5)
        head = eagle.EagleHead(cfg.base, base)
        steps = args.steps if per_step is None else max(1, int(results[1]["train_wall_s"] / per_step[unroll]))
        stage = Stage(steps=steps, batch=cfg.eagle_train.batch, lr=cfg.eagle_train.lr)
        t = time.time()
        info = eagle.train_eagle(head, ids, feats, stage, cfg.eagle_crop, unroll, cfg.eagle_step_weights,
                                 cfg.eagle_ce_weight, 6, lambda m: None)
        wall = time.time() - t
        if per_step is None:  # time the unrolled heads' steps to give them EAGLE-1's wall time
            per_step = {}
            for u in (2, 3):
                probe = eagle.EagleHead(cfg.base, base)
                t = time.time()
                eagle.train_eagle(probe, ids, feats, Stage(steps=8, batch=stage.batch, lr=stage.lr), cfg.eagle_crop,
                                  u, cfg.eagle_step_weights, cfg.eagle_ce_weight, 6, lambda m: None)
                per_step[u] = (time.time() - t) / 8
        figs = {d: eagle.agreement(base, heads, head, streams[d]["val"], args.prompts, 999 + i)
                for i, d in enumerate(sorted(streams))}
        results[unroll] = {"steps": steps, "train_wall_s": round(wall, 1), "agreement": figs}
        print(json.dumps({f"unroll {unroll}": results[unroll]}), flush=True)


if __name__ == "__main__":
    main()
