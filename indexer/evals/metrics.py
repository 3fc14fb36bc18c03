"""Plain metric arithmetic (no sklearn): per-class P/R/F1, macro-F1, accuracy, pairwise P/R."""
from __future__ import annotations

from collections import Counter
from itertools import combinations
from typing import Hashable, Iterable, Sequence


def _f1(p: float, r: float) -> float:
    return 2 * p * r / (p + r) if p + r else 0.0


def classification(gold: Sequence[str], pred: Sequence[str]) -> dict:
    """Accuracy, macro-F1 over the gold classes, and P/R/F1/support per class."""
    assert len(gold) == len(pred)
    labels = sorted({g for g in gold if g is not None})
    tp, fp, fn = Counter(), Counter(), Counter()
    for g, p in zip(gold, pred):
        if g == p:
            tp[g] += 1
        else:
            fp[p] += 1
            fn[g] += 1
    per = {}
    for c in labels:
        prec = tp[c] / (tp[c] + fp[c]) if tp[c] + fp[c] else 0.0
        rec = tp[c] / (tp[c] + fn[c]) if tp[c] + fn[c] else 0.0
        per[c] = {"precision": round(prec, 4), "recall": round(rec, 4), "f1": round(_f1(prec, rec), 4),
                  "support": tp[c] + fn[c]}
    n = len(gold)
    return {
        "n": n,
        "accuracy": round(sum(tp.values()) / n, 4) if n else 0.0,
        "macro_f1": round(sum(v["f1"] for v in per.values()) / len(per), 4) if per else 0.0,
        "per_class": per,
    }


def pairs(groups: Iterable[Iterable[Hashable]]) -> set[frozenset]:
    out: set[frozenset] = set()
    for g in groups:
        members = sorted(set(g), key=str)
        out.update(frozenset(p) for p in combinations(members, 2))
    return out


def pairwise(gold_groups, pred_groups) -> dict:
    gold, pred = pairs(gold_groups), pairs(pred_groups)
    tp = len(gold & pred)
    p = tp / len(pred) if pred else 0.0
    r = tp / len(gold) if gold else 0.0
    return {"precision": round(p, 4), "recall": round(r, 4), "f1": round(_f1(p, r), 4),
            "gold_pairs": len(gold), "pred_pairs": len(pred), "true_pairs": tp}


def table(rows: list[list], header: list[str]) -> str:
    cells = [header] + [[f"{c:.3f}" if isinstance(c, float) else str(c) for c in r] for r in rows]
    widths = [max(len(r[i]) for r in cells) for i in range(len(header))]
    lines = ["  ".join(c.ljust(w) if i == 0 else c.rjust(w) for i, (c, w) in enumerate(zip(r, widths))) for r in cells]
    lines.insert(1, "  ".join("-" * w for w in widths))
    return "\n".join(lines)


def class_table(report: dict) -> str:
    rows = [[c, v["precision"], v["recall"], v["f1"], v["support"]] for c, v in sorted(report["per_class"].items())]
    return table(rows, ["class", "P", "R", "F1", "n"])
