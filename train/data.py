"""Token streams per domain and split, and the samplers training draws batches from.

Each split of each domain becomes one long int32 stream: documents joined by the
end-of-text id, which also opens the stream, so "after <|endoftext|>" always means
"a document starts here" (the runtime prepends it to every prompt for that reason).
"""
from __future__ import annotations

import numpy as np
import torch

from bpe import Tokenizer


def build_streams(splits, tok: Tokenizer) -> dict[str, dict[str, np.ndarray]]:
    out: dict[str, dict[str, np.ndarray]] = {}
    for domain, by_split in splits.items():
        out[domain] = {}
        for split, docs in by_split.items():
            ids: list[int] = []
            for _, text in docs:
                ids.append(tok.eot_id)
                ids.extend(tok.encode(text))
            out[domain][split] = np.asarray(ids, dtype=np.int64)
    return out


class WindowSampler:
    """Random windows of length T+1 from the train streams. A batch of B rows takes its
    first round(B * prose_share) rows from prose and the rest from code, e.g. B = 32,
    prose_share = 0.6 -> 19 prose rows, 13 code rows."""

    def __init__(self, streams: dict[str, dict[str, np.ndarray]], T: int, seed: int, prose_share: float = 0.5,
                 split: str = "train"):
        self.streams = {d: torch.from_numpy(streams[d][split]) for d in sorted(streams)}
        self.prose_share = prose_share
        self.T = T
        self.gen = torch.Generator().manual_seed(seed)

    def domain_of_row(self, b: int, B: int) -> str:
        if len(self.streams) == 1:
            return next(iter(self.streams))
        return "prose" if b < round(B * self.prose_share) else "code"

    def batch(self, B: int) -> torch.Tensor:
        rows = []
        for b in range(B):
            s = self.streams[self.domain_of_row(b, B)]
            start = int(torch.randint(0, len(s) - self.T - 1, (1,), generator=self.gen))
            rows.append(s[start : start + self.T + 1])
        return torch.stack(rows)  # (B, T+1)


def eval_windows(stream: np.ndarray, T: int, max_windows: int) -> torch.Tensor:
    """Non-overlapping windows of T+1 tokens from the start of a held-out stream."""
    n = min(max_windows, (len(stream) - 1) // T)
    if n < 1:
        raise SystemExit(f"held-out stream of {len(stream)} tokens is shorter than one window of {T + 1}")
    rows = [torch.from_numpy(stream[i * T : i * T + T + 1]) for i in range(n)]
    return torch.stack(rows)  # (n, T+1)
