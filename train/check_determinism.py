"""Runs the smoke pipeline twice from scratch with the same seed and checks that every
output file is byte-identical (card.json: identical once wall-clock timings are removed).
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


def strip_timings(x):
    if isinstance(x, dict):
        return {k: strip_timings(v) for k, v in x.items() if not (k.endswith("wall_s") or k == "stage_wall_s")}
    if isinstance(x, list):
        return [strip_timings(v) for v in x]
    return x


def run(dest: str) -> None:
    subprocess.run(
        [sys.executable, os.path.join(HERE, "pipeline.py"), "--config", "smoke", "--out", os.path.join(dest, "model"),
         "--fixtures", os.path.join(dest, "fixtures"), "--work", os.path.join(dest, "work")],
        check=True, stdout=subprocess.DEVNULL,
    )


def files_under(root: str) -> list[str]:
    out = []
    for sub in ("model", "fixtures"):
        for dirpath, _, names in os.walk(os.path.join(root, sub)):
            out += [os.path.relpath(os.path.join(dirpath, n), root) for n in names]
    return sorted(out)


def main() -> int:
    with tempfile.TemporaryDirectory() as a, tempfile.TemporaryDirectory() as b:
        run(a)
        run(b)
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
        if bad:
            print("determinism: these outputs differ between two runs with the same seed:", *bad, sep="\n  ")
            return 1
        print(f"determinism: {len(fa)} output files identical across two smoke runs (seed fixed)")
        return 0


if __name__ == "__main__":
    sys.exit(main())
