"""Abstention on real out-of-scope messages: CLINC150 `out_of_scope` and HINT3
`NO_NODES_DETECTED` ("none of these"). For each set:

- oos_recall: out-of-scope messages left unclassified (the point of abstaining);
- in_scope_accuracy_drop: accuracy on in-scope messages with every unit labelled, minus accuracy
  when abstained units count as wrong (what abstaining costs);
- in_scope_abstain_rate: in-scope messages left unclassified.

The zero-shot threshold (ABSTAIN_ZERO_SHOT) was calibrated on CLINC150 val and HINT3 train
(`calibrate()`), never on these test splits."""
from __future__ import annotations

from pathlib import Path

import numpy as np

from indexer.enrich.taxonomy import ABSTAIN_ZERO_SHOT, TaxonomyClassifier

from . import corpora as C
from .datasets import HINT3, SETS, embed_rows, taxonomy_for
from .stats import bootstrap, wilson

DATASETS = ("clinc150", *HINT3)
MAX_DROP = 0.03  # the budget: in-scope accuracy may drop at most 3 points


def supports(clf: TaxonomyClassifier, rows, vecs) -> tuple[list[str], np.ndarray]:
    preds = clf.predict([r["text"] for r in rows], vecs)
    return [p.best_guess for p in preds], np.array([p.support for p in preds])


def score(gold, best, support, oos_label, threshold, seed=0, prefix="") -> dict[str, dict]:
    gold = np.asarray(gold, dtype=object)
    best = np.asarray(best, dtype=object)
    abstain = support < threshold
    oos = gold == oos_label
    ins = ~oos
    correct = (gold == best)
    out = {}
    if oos.any():
        out[f"{prefix}oos_recall"] = wilson(int(abstain[oos].sum()), int(oos.sum()))
    gi, ci, ai = gold[ins], correct[ins], abstain[ins]
    out[f"{prefix}in_scope_accuracy"] = wilson(int((ci & ~ai).sum()), int(ins.sum()))
    out[f"{prefix}in_scope_accuracy_drop"] = bootstrap(lambda i: float(np.mean(ci[i]) - np.mean(ci[i] & ~ai[i])),
                                                       int(ins.sum()), seed)
    out[f"{prefix}in_scope_abstain_rate"] = wilson(int(ai.sum()), int(ins.sum()))
    return out


def run(corpora: Path, limit: int | None = None, seed: int = 0, threshold: float | None = None) -> dict[str, dict]:
    from indexer.evals.common import embedder

    t = ABSTAIN_ZERO_SHOT if threshold is None else threshold
    out: dict[str, dict] = {}
    for name in DATASETS:
        s = SETS[name]
        rows = C.sample(C.read(corpora, s.test), limit, seed)
        clf = TaxonomyClassifier(taxonomy_for(s, corpora), embedder(), abstain=-np.inf)
        best, sup = supports(clf, rows, embed_rows(rows))
        out.update(score([r["label"] for r in rows], best, sup, s.oos_label, t, seed, f"{name}.zero_shot."))
    return out


def calibration_data(corpora: Path, limit: int | None = None, seed: int = 0):
    """(name, gold, best, support, oos_label) on the calibration splits only."""
    from indexer.evals.common import embedder

    for name in DATASETS:
        s = SETS[name]
        rows = C.sample(C.read(corpora, s.calibration), limit, seed)
        clf = TaxonomyClassifier(taxonomy_for(s, corpora), embedder(), abstain=-np.inf)
        best, sup = supports(clf, rows, embed_rows(rows))
        yield name, [r["label"] for r in rows], best, sup, s.oos_label


def choose_threshold(sets, max_drop: float = MAX_DROP) -> tuple[float, dict]:
    """The highest threshold whose in-scope accuracy drop is <= max_drop on every calibration set
    (pure: `sets` is a list of (name, gold, best, support, oos_label))."""
    grid = np.round(np.arange(0.0, 0.8, 0.005), 3)
    chosen, report = float(grid[0]), {}
    for t in grid:
        drops, recalls = {}, {}
        for name, gold, best, sup, oos_label in sets:
            g, b = np.asarray(gold, dtype=object), np.asarray(best, dtype=object)
            ins = g != oos_label
            ok = g[ins] == b[ins]
            drops[name] = float(ok.mean() - (ok & (sup[ins] >= t)).mean())
            if (~ins).any():
                recalls[name] = float((sup[~ins] < t).mean())
        if max(drops.values()) > max_drop:
            break
        chosen, report = float(t), {"drop": drops, "oos_recall": recalls}
    return chosen, report


def calibrate(corpora: Path | None = None) -> tuple[float, dict]:
    return choose_threshold(list(calibration_data(C.corpora_dir(corpora))))


if __name__ == "__main__":  # python -m indexer.evals.real.abstention  (prints the calibration)
    import json

    print(json.dumps(calibrate(), indent=2))
