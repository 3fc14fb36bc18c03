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
