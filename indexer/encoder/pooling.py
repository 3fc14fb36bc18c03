"""Pure pooling: token states -> unit vectors, the same formula the model card prescribes
(mean over the attention mask, then L2 normalization)."""
from __future__ import annotations

import numpy as np


def l2_normalize(x: np.ndarray) -> np.ndarray:
    x = np.asarray(x, dtype=np.float32)
    norm = np.linalg.norm(x, axis=-1, keepdims=True)
    return x / np.maximum(norm, 1e-12)


def mean_pool(states: np.ndarray, mask: np.ndarray) -> np.ndarray:
    """(n, T, d) token states, (n, T) mask -> (n, d) L2-normalized mean of the masked tokens."""
    m = np.asarray(mask, dtype=np.float32)[..., None]
    pooled = (states * m).sum(1) / np.maximum(m.sum(1), 1e-9)
    return l2_normalize(pooled)


def token_span(offsets: list[tuple[int, int]], start: int, end: int) -> list[int]:
    """Indices of the real tokens whose characters lie in [start, end) (special tokens have (0, 0))."""
    return [i for i, (a, b) in enumerate(offsets) if b > a and a >= start and b <= end]


def span_vectors(states: np.ndarray, offsets: list[tuple[int, int]], spans: list[tuple[int, int]]) -> list[np.ndarray | None]:
    """One text's (T, d) token states pooled per character span; None for a span with no token
    (cut off by truncation)."""
    out: list[np.ndarray | None] = []
    for start, end in spans:
        idx = token_span(offsets, start, end)
        out.append(l2_normalize(states[idx].mean(0)) if idx else None)
    return out
