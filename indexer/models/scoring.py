"""Accuracy and macro-F1 with 95% percentile-bootstrap intervals (pure numpy, seeded).

Macro-F1 averages over the classes present in the gold labels, as indexer/evals/metrics.py does:
on a binary corpus a 3-class prediction of "neutral" is simply wrong.
"""
from __future__ import annotations

from typing import Sequence

import numpy as np


def _macro_f1(cm: np.ndarray, classes: np.ndarray) -> np.ndarray:
    """cm: [..., K, K] gold x pred counts -> macro-F1 over `classes` (gold rows present)."""
    tp = np.diagonal(cm, axis1=-2, axis2=-1)
    pred_tot = cm.sum(-2)
    gold_tot = cm.sum(-1)
    with np.errstate(divide="ignore", invalid="ignore"):
        p = np.where(pred_tot > 0, tp / np.maximum(pred_tot, 1), 0.0)
        r = np.where(gold_tot > 0, tp / np.maximum(gold_tot, 1), 0.0)
        f = np.where(p + r > 0, 2 * p * r / np.maximum(p + r, 1e-12), 0.0)
    return f[..., classes].mean(-1)


def scores(gold: Sequence[str], pred: Sequence[str], *, seed: int = 0, n_boot: int = 1000
           ) -> dict[str, dict]:
    """{"accuracy": {value, lo, hi, n}, "macro_f1": {...}} with 95% bootstrap intervals."""
    labels = sorted(set(gold) | set(pred))
    idx = {c: i for i, c in enumerate(labels)}
    g = np.array([idx[x] for x in gold], dtype=np.int64)
    p = np.array([idx[x] for x in pred], dtype=np.int64)
    k, n = len(labels), len(g)
    classes = np.array(sorted({idx[x] for x in gold}))
    if n == 0:
        empty = {"value": 0.0, "lo": 0.0, "hi": 0.0, "n": 0}
        return {"accuracy": dict(empty), "macro_f1": dict(empty)}
    cell = g * k + p
    cm = np.bincount(cell, minlength=k * k).reshape(k, k)
    rng = np.random.default_rng(seed)
    draws = rng.integers(0, n, size=(n_boot, n))
    cms = np.stack([np.bincount(cell[d], minlength=k * k) for d in draws]).reshape(n_boot, k, k)
    acc_b = np.diagonal(cms, axis1=1, axis2=2).sum(1) / n
    f1_b = _macro_f1(cms, classes)
    out = {}
    for name, value, boot in (("accuracy", float(np.trace(cm) / n), acc_b),
                              ("macro_f1", float(_macro_f1(cm, classes)), f1_b)):
        lo, hi = np.percentile(boot, [2.5, 97.5])
        out[name] = {"value": round(value, 4), "lo": round(float(lo), 4),
                     "hi": round(float(hi), 4), "n": n}
    return out


def constant_macro_f1(gold: Sequence[str]) -> float:
    """The best macro-F1 a constant predictor reaches on these gold labels (the floor to beat)."""
    best = 0.0
    for c in sorted(set(gold)):
        best = max(best, scores(gold, [c] * len(gold), n_boot=1)["macro_f1"]["value"])
    return best
