"""The one statistics helper of the real-data evals: 95% intervals for every reported metric.

Proportions (accuracy, recall) get a Wilson score interval, which stays inside [0, 1] and is
honest at small n. Anything else (macro-F1, a difference of accuracies) gets a percentile
bootstrap over the evaluated items, seeded so a rerun prints the same interval."""
from __future__ import annotations

import math
from typing import Callable, Sequence

import numpy as np

Z95 = 1.959963984540054
BOOTSTRAP_SAMPLES = 400


def metric(value: float, lo: float, hi: float, n: int) -> dict:
    return {"value": round(float(value), 4), "lo": round(float(lo), 4), "hi": round(float(hi), 4), "n": int(n)}


def wilson(successes: int, n: int) -> dict:
    """Proportion successes/n with its 95% Wilson score interval."""
    if n == 0:
        return metric(0.0, 0.0, 1.0, 0)
    p = successes / n
    denom = 1 + Z95 ** 2 / n
    centre = (p + Z95 ** 2 / (2 * n)) / denom
    half = Z95 * math.sqrt(p * (1 - p) / n + Z95 ** 2 / (4 * n * n)) / denom
    return metric(p, max(0.0, centre - half), min(1.0, centre + half), n)


def bootstrap(fn: Callable[[np.ndarray], float], n: int, seed: int = 0,
              samples: int = BOOTSTRAP_SAMPLES) -> dict:
    """fn(indices) -> statistic over those items; value on all items, 2.5/97.5 percentiles over
    `samples` resamples with replacement."""
    if n == 0:
        return metric(0.0, 0.0, 0.0, 0)
    rng = np.random.default_rng(seed)
    value = fn(np.arange(n))
    stats = [fn(rng.integers(0, n, n)) for _ in range(samples)]
    lo, hi = np.percentile(stats, [2.5, 97.5])
    # resampling duplicates items, which biases set-level statistics like macro-F1; never print an
    # interval that excludes the value itself (widening is the conservative side)
    return metric(value, min(lo, value), max(hi, value), n)


def macro_f1(gold: Sequence, pred: Sequence, labels: Sequence | None = None) -> float:
    """Macro-F1 over the gold classes present (a prediction of another class is a miss)."""
    gold = np.asarray(gold, dtype=object)
    pred = np.asarray(pred, dtype=object)
    classes = sorted(set(gold.tolist())) if labels is None else list(labels)
    if not classes:
        return 0.0
    f1s = []
    for c in classes:
        tp = np.sum((gold == c) & (pred == c))
        fp = np.sum((gold != c) & (pred == c))
        fn = np.sum((gold == c) & (pred != c))
        f1s.append(2 * tp / (2 * tp + fp + fn) if tp else 0.0)
    return float(np.mean(f1s))


def classification(gold: Sequence, pred: Sequence, seed: int = 0, prefix: str = "") -> dict:
    """accuracy (Wilson) and macro-F1 (bootstrap) for one labelled set."""
    gold_a = np.asarray(gold, dtype=object)
    pred_a = np.asarray(pred, dtype=object)
    n = len(gold_a)
    return {
        f"{prefix}accuracy": wilson(int(np.sum(gold_a == pred_a)), n),
        f"{prefix}macro_f1": bootstrap(lambda i: macro_f1(gold_a[i], pred_a[i]), n, seed),
    }


def majority(gold: Sequence, train: Sequence | None = None) -> str:
    """The constant predictor every gate must beat: the most frequent class (of train if given)."""
    from collections import Counter

    return Counter(list(train if train is not None else gold)).most_common(1)[0][0]
