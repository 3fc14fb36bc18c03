"""Zero-shot taxonomy accuracy and macro-F1 on in-scope test messages: the taxonomy knows only
names and short descriptions. Abstention is off here (every unit gets its best sub-theme) so the
number is the classifier's; `abstention` scores what abstaining costs and catches."""
from __future__ import annotations

from pathlib import Path

import numpy as np

from indexer.enrich.taxonomy import TaxonomyClassifier

from . import corpora as C
from .datasets import HINT3, SETS, embed_rows, taxonomy_for
from .stats import classification, macro_f1, majority, metric, wilson

DATASETS = ("banking77", *HINT3, "clinc150")


def in_scope(rows, s):
    return [r for r in rows if r["label"] != s.oos_label]


def predict_best(clf: TaxonomyClassifier, rows, vecs) -> list[str]:
    return [p.best_guess for p in clf.predict([r["text"] for r in rows], vecs)]


def run(corpora: Path, limit: int | None = None, seed: int = 0) -> dict[str, dict]:
    from indexer.evals.common import embedder

    out: dict[str, dict] = {}
    for name in DATASETS:
        s = SETS[name]
        rows = C.sample(in_scope(C.read(corpora, s.test), s), limit, seed)
        clf = TaxonomyClassifier(taxonomy_for(s, corpora), embedder(), abstain=-np.inf)
        pred = predict_best(clf, rows, embed_rows(rows))
        gold = [r["label"] for r in rows]
        out.update(classification(gold, pred, seed, prefix=f"{name}.zero_shot."))
        const = majority(gold)
        out[f"{name}.majority_baseline.accuracy"] = wilson(sum(g == const for g in gold), len(gold))
        f1 = macro_f1(gold, [const] * len(gold))  # a constant's macro-F1 is fixed: no interval to draw
        out[f"{name}.majority_baseline.macro_f1"] = metric(f1, f1, f1, len(gold))
    return out
