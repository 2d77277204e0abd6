"""The two corpora, from files Debian packages ship (nothing is downloaded), with a
deterministic train / validation / test split per domain.

prose: the King James Bible from `bible-kjv`, one document per chapter
       ("Genesis 1\n1 In the beginning ...\n2 And the earth ...\n").
code:  the Python standard library's own .py sources (test suites left out), one
       document per file.
Documents go to a split by a hash of their name, so adding or removing one document
never moves another.
"""
from __future__ import annotations

import glob
import hashlib
import os
import re
import subprocess

DOMAINS = ("prose", "code")
SPLITS = ("train", "val", "test")
MAX_CODE_FILE_BYTES = 200_000  # generated tables (pydoc topics, codecs) are not code to learn from


# Held-out shares per domain: the code test split gets 8% so its prompt suite can draw on at
# least 24 distinct files (5% of the standard library's ~630 modules is ~30, too few once short
# files are set aside).
HELD_OUT = {"prose": (0.05, 0.05), "code": (0.05, 0.08)}  # (val, test)


def _split_of(name: str, val_frac: float = 0.05, test_frac: float = 0.05) -> str:
    h = int(hashlib.sha256(name.encode()).hexdigest()[:8], 16) / 0xFFFFFFFF
    if h < test_frac:
        return "test"
    if h < test_frac + val_frac:
        return "val"
    return "train"


def prose_documents() -> list[tuple[str, str]]:
    """[(name, text)] for every chapter of the KJV, in canonical order."""
    try:
        raw = subprocess.run(
            ["bible", "-l0", "gen1:1-rev22:21"], check=True, capture_output=True, text=True
        ).stdout
    except FileNotFoundError as e:
        raise SystemExit("the `bible` command is missing: apt-get install bible-kjv") from e
    docs: list[tuple[str, str]] = []
    name, lines = None, []
    for raw_line in raw.splitlines():
        line = raw_line.strip()
        if not line:
            continue
        m = re.match(r"^\s+(\d+) (.*)$", raw_line)  # verses are indented, headings are not
        if m and name is not None:
            lines.append(f"{m.group(1)} {m.group(2)}")
        else:  # a chapter heading such as "Genesis 1" or "1 Kings 3"
            if name is not None and lines:
                docs.append((name, name + "\n" + "\n".join(lines) + "\n"))
            name, lines = line, []
    if name is not None and lines:
        docs.append((name, name + "\n" + "\n".join(lines) + "\n"))
    if len(docs) < 1000:
        raise SystemExit(f"expected ~1189 KJV chapters from `bible`, found {len(docs)}")
    return docs


def python_stdlib_dir() -> str:
    cands = sorted(glob.glob("/usr/lib/python3.[0-9]*"))
    cands = [c for c in cands if os.path.exists(os.path.join(c, "os.py"))]
    if not cands:
        raise SystemExit("no Python standard library found under /usr/lib/python3.*")
    return cands[-1]


def code_documents() -> list[tuple[str, str]]:
    root = python_stdlib_dir()
    docs = []
    for path in sorted(glob.glob(os.path.join(root, "**", "*.py"), recursive=True)):
        rel = os.path.relpath(path, root)
        parts = rel.split(os.sep)
        if parts[0] in ("test", "site-packages", "dist-packages") or "tests" in parts or "idle_test" in parts:
            continue
        if os.path.getsize(path) > MAX_CODE_FILE_BYTES:
            continue
        with open(path, encoding="utf-8", errors="replace") as f:
            text = f.read()
        if text.strip():
            docs.append((rel, text))
    return docs


def load_splits() -> dict[str, dict[str, list[tuple[str, str]]]]:
    """{domain: {split: [(name, text)]}}"""
    out = {}
    for domain, docs in (("prose", prose_documents()), ("code", code_documents())):
        out[domain] = {s: [] for s in SPLITS}
        for name, text in docs:
            out[domain][_split_of(domain + ":" + name, *HELD_OUT[domain])].append((name, text))
    return out
