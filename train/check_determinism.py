"""Runs the smoke pipeline twice with the same seed, once straight through and once cut off
every 10 training steps and continued with --resume, and checks that every output file is
byte-identical (card.json: identical once wall-clock timings are removed).
Exit status 1 names each file that differs.

    python3 train/check_determinism.py
"""
from __future__ import annotations

import json
import os
import subprocess
import sys
import tempfile

HERE = os.path.dirname(os.path.abspath(__file__))


RUN_KEYS = {"stage_wall_s", "resumed"}  # how a run went, not what it computed


def strip_timings(x):
    if isinstance(x, dict):
        return {k: strip_timings(v) for k, v in x.items() if not (k.endswith("wall_s") or k in RUN_KEYS)}
    if isinstance(x, list):
        return [strip_timings(v) for v in x]
    return x


def run(dest: str, *extra: str, check: bool = True) -> int:
    return subprocess.run(
        [sys.executable, os.path.join(HERE, "pipeline.py"), "--config", "smoke", "--out", os.path.join(dest, "model"),
         "--fixtures", os.path.join(dest, "fixtures"), "--work", os.path.join(dest, "work"), *extra],
        check=check, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL,
    ).returncode


def run_cut_and_resumed(dest: str) -> None:
    """A run cut off after 10 steps of a training loop, then continued with --resume until
    every stage is done: the same outputs as an uninterrupted run."""
    if run(dest, "--stop-after-steps", "10", check=False) == 0:
        raise SystemExit("determinism: --stop-after-steps 10 did not stop the smoke run")
    for _ in range(10):
        if run(dest, "--resume", "--stop-after-steps", "10", check=False) == 0:
            return
    raise SystemExit("determinism: the resumed smoke run did not finish in 10 resumes")


def files_under(root: str) -> list[str]:
    out = []
    for sub in ("model", "fixtures"):
        for dirpath, _, names in os.walk(os.path.join(root, sub)):
            out += [os.path.relpath(os.path.join(dirpath, n), root) for n in names]
    return sorted(out)


def main() -> int:
    with tempfile.TemporaryDirectory() as a, tempfile.TemporaryDirectory() as b:
        run(a)
        run_cut_and_resumed(b)
        fa, fb = files_under(a), files_under(b)
        bad = sorted(set(fa) ^ set(fb))
        for rel in sorted(set(fa) & set(fb)):
            with open(os.path.join(a, rel), "rb") as x, open(os.path.join(b, rel), "rb") as y:
                da, db = x.read(), y.read()
            if rel.endswith("card.json"):
                same = strip_timings(json.loads(da)) == strip_timings(json.loads(db))
            else:
                same = da == db
            if not same:
                bad.append(rel)
                if rel.endswith("card.json"):
                    ja, jb = strip_timings(json.loads(da)), strip_timings(json.loads(db))
                    bad += [f"  card key {k}" for k in sorted(set(ja) | set(jb)) if ja.get(k) != jb.get(k)]
        if bad:
            print("determinism: these outputs differ between two runs with the same seed:", *bad, sep="\n  ")
            return 1
        print(f"determinism: {len(fa)} output files identical across two smoke runs (seed fixed), "
              "one of them cut off and resumed")
        return 0


if __name__ == "__main__":
    sys.exit(main())
