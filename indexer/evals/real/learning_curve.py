"""Few-shot learning curves: macro-F1 and accuracy on the in-scope test messages with 0 (names and
descriptions only), 5, 10 and 20 labeled examples per sub-theme taken from the train split, for
each head `voxindex taxonomy learn` can fit. Abstention is off (the classifier's own numbers);
`learned_abstention.*` scores the 10-shot logreg head with its calibrated threshold."""
from __future__ import annotations

from pathlib import Path

import numpy as np

from indexer.enrich.taxonomy import TaxonomyClassifier
from indexer.taxonomy_learn import ABSTAIN_LEARNED, METHODS, fit

from . import corpora as C
from .abstention import score
from .datasets import HINT3, SETS, embed_rows, taxonomy_for
from .stats import classification

DATASETS = ("banking77", *HINT3)
SHOTS = (0, 5, 10, 20)
ABSTAIN_SHOTS = 10
ABSTENTION_SETS = ("clinc150", *HINT3)


def train_rows(corpora: Path, s, k: int, seed: int) -> list[dict]:
    return C.per_class(C.read(corpora, s.train), k, seed, exclude={s.oos_label} if s.oos_label else set())


def learned_classifier(corpora, s, k, seed, method="logreg", threshold=ABSTAIN_LEARNED) -> TaxonomyClassifier:
    from indexer.evals.common import embedder

    tax = taxonomy_for(s, corpora)
    rows = train_rows(corpora, s, k, seed)
    head = fit(tax, [r["text"] for r in rows], [r["label"] for r in rows], embedder(), method, threshold,
               vectors=embed_rows(rows) if rows else None)
    return TaxonomyClassifier(tax, embedder(), head=head)


def run(corpora: Path, limit: int | None = None, seed: int = 0, datasets=DATASETS, shots=SHOTS,
        methods=METHODS, abstention: bool = True) -> dict[str, dict]:
    from indexer.evals.common import embedder

    out: dict[str, dict] = {}
    for name in datasets:
        s = SETS[name]
        test = C.sample(C.read(corpora, s.test), limit, seed)
        ins = [r for r in test if r["label"] != s.oos_label]
        vi = embed_rows(ins)
        gold = [r["label"] for r in ins]
        zs = TaxonomyClassifier(taxonomy_for(s, corpora), embedder(), abstain=-np.inf)
        pred = [p.best_guess for p in zs.predict([r["text"] for r in ins], vi)] if 0 in shots else []
        if 0 in shots:
            out.update(classification(gold, pred, seed, prefix=f"{name}.shots_0."))
        for k in [k for k in shots if k]:
            for method in methods:
                clf = learned_classifier(corpora, s, k, seed, method, threshold=-np.inf)
                pred = [p.best_guess for p in clf.predict([r["text"] for r in ins], vi)]
                out.update(classification(gold, pred, seed, prefix=f"{name}.shots_{k}.{method}."))
    for name in (ABSTENTION_SETS if abstention else ()):
        s = SETS[name]
        test = C.sample(C.read(corpora, s.test), limit, seed)
        clf = learned_classifier(corpora, s, ABSTAIN_SHOTS, seed, "logreg", threshold=-np.inf)
        preds = clf.predict([r["text"] for r in test], embed_rows(test))
        out.update(score([r["label"] for r in test], [p.best_guess for p in preds],
                         np.array([p.support for p in preds]), s.oos_label, ABSTAIN_LEARNED, seed,
                         f"{name}.learned_abstention.shots_{ABSTAIN_SHOTS}."))
    return out


def calibrate(corpora: Path | None = None, seed: int = 0):
    """ABSTAIN_LEARNED: a 10-shot logreg head per calibration set, highest threshold with <= 3
    points in-scope drop on each (CLINC150 val has the out-of-scope messages)."""
    from .abstention import choose_threshold

    corpora = C.corpora_dir(corpora)
    sets = []
    for name in ("clinc150", *HINT3):
        s = SETS[name]
        rows = C.read(corpora, s.calibration)
        if s.calibration == s.train:  # HINT3: calibrate on train messages not used as examples
            used = {r["text"] for r in train_rows(corpora, s, ABSTAIN_SHOTS, seed)}
            rows = [r for r in rows if r["text"] not in used]
        clf = learned_classifier(corpora, s, ABSTAIN_SHOTS, seed, "logreg", threshold=-np.inf)
        preds = clf.predict([r["text"] for r in rows], embed_rows(rows))
        sets.append((name, [r["label"] for r in rows], [p.best_guess for p in preds],
                     np.array([p.support for p in preds]), s.oos_label))
    return choose_threshold(sets)


if __name__ == "__main__":  # python -m indexer.evals.real.learning_curve  (prints the calibration)
    import json

    print(json.dumps(calibrate(), indent=2))
