"""Checks the exported EAGLE head against its PyTorch reference, without vitest:
  1. the KV-cached draft chain in fixtures/<id>/eagle.json equals one forward with the
     training loss's chain bias (so the cache, positions and bias conventions agree);
  2. eagle.onnx in onnxruntime-web (Node: train/eagle_parity.mjs) reproduces the fixture's
     logits and hidden_states within 1e-4, prefill and every draft step.
Exit status 1 says which failed and by how much.

    python3 train/check_eagle.py [--config full]
"""
from __future__ import annotations

import argparse
import json
import os
import subprocess
import sys

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))

import numpy as np  # noqa: E402
import torch  # noqa: E402

from config import CONFIGS  # noqa: E402
import eagle as eagle_mod  # noqa: E402
from model import GPT  # noqa: E402

TOL = 1e-4


def main() -> int:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--config", choices=sorted(CONFIGS), default="full")
    ap.add_argument("--out", help="model folder (default public/models/<id>)")
    ap.add_argument("--fixtures", help="fixtures folder (default test/fixtures/<id>)")
    ap.add_argument("--work", help="checkpoint folder (default train/work/<id>)")
    args = ap.parse_args()
    cfg = CONFIGS[args.config]
    root = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
    out = args.out or os.path.join(root, "public", "models", cfg.id)
    fixtures = args.fixtures or os.path.join(root, "test", "fixtures", cfg.id)
    work = args.work or os.path.join(root, "train", "work", cfg.id)
    base = GPT(cfg.base)
    base.load_state_dict(torch.load(os.path.join(work, "base.pt"))["state"])
    head = eagle_mod.EagleHead(cfg.base, base)
    head.load_state_dict(torch.load(os.path.join(work, "eagle.pt"))["state"])
    base.eval()
    head.eval()
    with open(os.path.join(fixtures, "eagle.json")) as f:
        g = json.load(f)
    read = lambda t: torch.from_numpy(np.fromfile(os.path.join(fixtures, t["file"]), "<f4").reshape(t["shape"]))  # noqa: E731
    pre, steps = g["prefill"], g["draft"]["steps"]
    P, D = len(pre["input_ids"]), len(steps) + 1
    feats = read(pre["features"])  # (1, P, C)
    with torch.no_grad():
        # one forward: column P-1+j of step j+1 sits in chain column P-1 (chain_bias over the prefix)
        ids = torch.tensor([pre["input_ids"] + [s["input_id"] for s in steps]])  # (1, P+D-1)
        x, past, worst = feats, head.empty_past(), 0.0
        for j in range(1, D + 1):
            L = P
            pos = torch.arange(j - 1, j - 1 + L).unsqueeze(0)
            logits, x, past = head(x, ids[:, j - 1 : j - 1 + L], pos, eagle_mod.chain_bias(L, j), past)
            want = read(pre["logits"])[:, -1] if j == 1 else read(steps[j - 2]["logits"])[:, 0]
            worst = max(worst, float((logits[:, -1] - want).abs().max()))
    print(f"eagle: KV-cached draft chain vs one chain-bias forward, max |diff| logits {worst:.2e}")
    ok = worst < TOL
    res = subprocess.run(["node", os.path.join(root, "train", "eagle_parity.mjs"), out, fixtures],
                         capture_output=True, text=True, cwd=root)
    if res.returncode != 0:
        print(f"eagle: onnxruntime-web run failed:\n{res.stderr.strip()}")
        return 1
    onnx_diff = json.loads(res.stdout.strip().splitlines()[-1])
    print(f"eagle: eagle.onnx (onnxruntime-web) vs PyTorch, max |diff| over the prefill and "
          f"{onnx_diff['steps']} draft steps: logits {onnx_diff['logits']:.2e}, "
          f"hidden_states {onnx_diff['hidden_states']:.2e}")
    ok = ok and onnx_diff["logits"] < TOL and onnx_diff["hidden_states"] < TOL
    if not ok:
        print(f"eagle: a difference is at or above {TOL}: re-export with python3 train/pipeline.py --resume")
    return 0 if ok else 1


if __name__ == "__main__":
    sys.exit(main())
