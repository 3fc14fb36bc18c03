"""Abstention on real out-of-scope messages: CLINC150 `out_of_scope` and HINT3
`NO_NODES_DETECTED` ("none of these"). For each set:

- oos_recall: out-of-scope messages left unclassified (the point of abstaining);
- in_scope_accuracy_drop: accuracy on in-scope messages with every unit labelled, minus accuracy
  when abstained units count as wrong (what abstaining costs);
- in_scope_abstain_rate: in-scope messages left unclassified.

The zero-shot threshold (`abstain_zero_shot(k)`) was calibrated on CLINC150 val and HINT3 train
(`calibrate()`), never on these test splits."""
from __future__ import annotations

from pathlib import Path

import numpy as np

from indexer.enrich.taxonomy import SubTheme, Taxonomy, TaxonomyClassifier

from . import corpora as C
from .datasets import HINT3, SETS, SMALL_DRAWS, SMALL_K, draws, embed_rows, taxonomy_for
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
    ci, ai = correct[ins], abstain[ins]
    out[f"{prefix}in_scope_accuracy"] = wilson(int((ci & ~ai).sum()), int(ins.sum()))
    out[f"{prefix}in_scope_accuracy_drop"] = bootstrap(lambda i: float(np.mean(ci[i]) - np.mean(ci[i] & ~ai[i])),
                                                       int(ins.sum()), seed)
    out[f"{prefix}in_scope_abstain_rate"] = wilson(int(ai.sum()), int(ins.sum()))
    return out


def run(corpora: Path, limit: int | None = None, seed: int = 0, threshold: float | None = None) -> dict[str, dict]:
    from indexer.evals.common import embedder

    out: dict[str, dict] = {}
    for name in DATASETS:
        s = SETS[name]
        rows = C.sample(C.read(corpora, s.test), limit, seed)
        clf = TaxonomyClassifier(taxonomy_for(s, corpora), embedder())
        best, sup = supports(clf, rows, embed_rows(rows))
        t = clf.abstain if threshold is None else threshold
        out.update(score([r["label"] for r in rows], best, sup, s.oos_label, t, seed, f"{name}.zero_shot."))
    out.update(small_taxonomies(corpora, limit, seed, threshold))
    return out


def small_taxonomies(corpora: Path, limit, seed: int, threshold: float | None = None) -> dict[str, dict]:
    """Zero-shot abstention on deployment-sized taxonomies: 9-intent CLINC150 subsets (names only,
    the same 5 seeded draws as the learned-head rows), test messages of those intents plus every
    out-of-scope message, pooled."""
    from indexer.evals.common import embedder

    gold, best, sup = [], [], []
    test = C.read(corpora, "intent/clinc150-test")
    for intents in draws(corpora, SMALL_K, SMALL_DRAWS, seed):
        subs = tuple(SubTheme("clinc", l, l.replace("_", " "), (), ()) for l in intents)
        clf = TaxonomyClassifier(Taxonomy(f"clinc-{SMALL_K}", {"clinc": ""}, subs, path="<clinc subset>"), embedder())
        rows = C.sample([r for r in test if r["label"] in intents or r["label"] == "out_of_scope"], limit, seed)
        b, s_ = supports(clf, rows, embed_rows(rows))
        gold += [r["label"] for r in rows]
        best += b
        sup += (s_ - (clf.abstain if threshold is None else threshold)).tolist()  # one cut-off: 0
    return score(gold, best, np.array(sup), "out_of_scope", 0.0, seed, f"clinc150-{SMALL_K}-intents.zero_shot.")


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


def calibrate(corpora: Path | None = None, seed: int = 0) -> dict:
    """The calibration behind `abstain_zero_shot(k)`: on CLINC150 val, names-only taxonomies of k
    intents (5 seeded draws per k, and all 150), the highest threshold with <= 3 points in-scope
    drop, median per k; and, as a check, the same on each HINT3 train set (descriptions written)."""
    from indexer.evals.common import embedder

    corpora = C.corpora_dir(corpora)
    val = C.read(corpora, "intent/clinc150-val")
    labels = sorted({r["label"] for r in val} - {"out_of_scope"})
    by_k = {}
    for k in (9, 20, 50, 150):
        found = []
        for intents in (draws(corpora, k, 5, seed) if k < len(labels) else [labels]):
            subs = tuple(SubTheme("clinc", l, l.replace("_", " "), (), ()) for l in intents)
            clf = TaxonomyClassifier(Taxonomy(f"clinc-{k}", {"clinc": ""}, subs), embedder(), abstain=-np.inf)
            rows = [r for r in val if r["label"] in intents or r["label"] == "out_of_scope"]
            best, sup = supports(clf, rows, embed_rows(rows))
            found.append(choose_threshold([("val", [r["label"] for r in rows], best, sup, "out_of_scope")])[0])
        by_k[k] = float(np.median(found))
    hint3 = {name: choose_threshold([entry])[0] for entry in calibration_data(corpora) for name in [entry[0]]
             if name != "clinc150"}
    return {"clinc_median_threshold_by_k": by_k, "hint3_train_threshold": hint3}


if __name__ == "__main__":  # python -m indexer.evals.real.abstention  (prints the calibration)
    import json

    print(json.dumps(calibrate(), indent=2))
