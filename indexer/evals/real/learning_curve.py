"""Few-shot learning curves: macro-F1 and accuracy on the in-scope test messages with 0 (names and
descriptions only), 5, 10 and 20 labeled examples per sub-theme taken from the train split, for
each head `voxindex taxonomy learn` can fit. Abstention is off there (the classifier's own numbers);
`learned_abstention.*` scores a 10-shot logreg head at its calibrated threshold on CLINC150, HINT3
and deployment-sized 9-intent CLINC150 taxonomies. `calibrate()` derives that threshold."""
from __future__ import annotations

from pathlib import Path

import numpy as np

from indexer.enrich.taxonomy import SubTheme, Taxonomy, TaxonomyClassifier
from indexer.taxonomy_learn import METHODS, fit

from . import corpora as C
from .abstention import choose_threshold, score
from .datasets import HINT3, SETS, SMALL_DRAWS, SMALL_K, draws, embed_rows, taxonomy_for
from .stats import classification

DATASETS = ("banking77", *HINT3)
SHOTS = (0, 5, 10, 20)
ABSTAIN_SHOTS = 10
ABSTENTION_SETS = ("clinc150", *HINT3)


def train_rows(corpora: Path, s, k: int, seed: int) -> list[dict]:
    return C.per_class(C.read(corpora, s.train), k, seed, exclude={s.oos_label} if s.oos_label else set())


def learned_classifier(corpora, s, k, seed, method="logreg", threshold=None) -> TaxonomyClassifier:
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
        clf = learned_classifier(corpora, s, ABSTAIN_SHOTS, seed, "logreg")
        preds = clf.predict([r["text"] for r in test], embed_rows(test))
        out.update(score([r["label"] for r in test], [p.best_guess for p in preds],
                         np.array([p.support for p in preds]), s.oos_label, clf.head.threshold, seed,
                         f"{name}.learned_abstention.shots_{ABSTAIN_SHOTS}."))
    if abstention:
        out.update(small_taxonomies(corpora, limit, seed))
        out.update(banking_small_taxonomies(corpora, limit, seed))
    return out


def banking_small_taxonomies(corpora: Path, limit=None, seed: int = 0) -> dict[str, dict]:
    """Learned abstention on the described 9-intent Banking77 taxonomies (abstention.banking_subsets):
    each with a 10-shot head from Banking77 train, against general and in-domain off-topic messages."""
    from indexer.evals.common import embedder

    from .abstention import banking_subsets, pooled_abstention

    train = C.read(corpora, SETS["banking77"].train)

    def learned(tax, intents):
        tr = C.per_class([r for r in train if r["label"] in intents], ABSTAIN_SHOTS, seed)
        head = fit(tax, [r["text"] for r in tr], [r["label"] for r in tr], embedder(), "logreg", vectors=embed_rows(tr))
        return TaxonomyClassifier(tax, embedder(), head=head)

    return pooled_abstention(banking_subsets(corpora, limit, seed), learned,
                             f"learned_abstention.shots_{ABSTAIN_SHOTS}", seed)


def clinc_subset(corpora: Path, intents: list[str], split: str, shots: int, seed: int, limit=None):
    """A k-intent CLINC150 taxonomy (names only), its 10-shot head and the split's messages of
    those intents plus every out-of-scope message: a deployment-sized taxonomy (a customer's has
    about 9 sub-themes) with real out-of-scope traffic."""
    subs = tuple(SubTheme("clinc", l, l.replace("_", " "), (), ()) for l in intents)
    tax = Taxonomy(f"clinc-{len(intents)}", {"clinc": ""}, subs, path="<clinc subset>")
    train = [r for r in C.read(corpora, "intent/clinc150-train") if r["label"] in intents]
    tr = C.per_class(train, shots, seed)
    from indexer.evals.common import embedder

    head = fit(tax, [r["text"] for r in tr], [r["label"] for r in tr], embedder(), "logreg", vectors=embed_rows(tr))
    rows = [r for r in C.read(corpora, split) if r["label"] in intents or r["label"] == "out_of_scope"]
    return TaxonomyClassifier(tax, embedder(), head=head), C.sample(rows, limit, seed)


def small_taxonomies(corpora: Path, limit=None, seed: int = 0) -> dict[str, dict]:
    """Learned abstention on 9-intent CLINC150 taxonomies (5 seeded draws, pooled)."""
    gold, best, sup = [], [], []
    for intents in draws(corpora, SMALL_K, SMALL_DRAWS, seed):
        clf, rows = clinc_subset(corpora, intents, "intent/clinc150-test", ABSTAIN_SHOTS, seed, limit)
        preds = clf.predict([r["text"] for r in rows], embed_rows(rows))
        gold += [r["label"] for r in rows]
        best += [p.best_guess for p in preds]
        # each draw is scored against its own head's threshold: shift supports so one cut-off applies
        sup += [p.support - clf.head.threshold for p in preds]
    return score(gold, best, np.array(sup), "out_of_scope", 0.0, seed,
                 f"clinc150-{SMALL_K}-intents.learned_abstention.shots_{ABSTAIN_SHOTS}.")


def calibrate(corpora: Path | None = None, seed: int = 0) -> dict:
    """The calibration behind `abstain_threshold(k)`, on CLINC150 val only: for k-intent subsets
    (5 seeded draws per k) and the full 150 intents, a 10-shot logreg head and the highest
    top-probability threshold whose in-scope accuracy drop stays <= 3 points; the median per k and
    a least-squares line in ln k."""
    corpora = C.corpora_dir(corpora)
    medians = {}
    for k in (9, 20, 50, 150):
        found = []
        for intents in (draws(corpora, k, SMALL_DRAWS, seed) if k < 150 else [None]):
            if intents is None:
                intents = sorted({r["label"] for r in C.read(corpora, "intent/clinc150-train")} - {"out_of_scope"})
            clf, rows = clinc_subset(corpora, intents, "intent/clinc150-val", ABSTAIN_SHOTS, seed)
            preds = clf.predict([r["text"] for r in rows], embed_rows(rows))
            t, _ = choose_threshold([("val", [r["label"] for r in rows], [p.best_guess for p in preds],
                                      np.array([p.support for p in preds]), "out_of_scope")])
            found.append(t)
        medians[k] = float(np.median(found))
    ks = np.log(np.array(list(medians), dtype=float))
    ratios = {}
    for name in HINT3:
        s = SETS[name]
        used = {r["text"] for r in train_rows(corpora, s, ABSTAIN_SHOTS, seed)}
        rows = [r for r in C.read(corpora, s.train) if r["text"] not in used]
        clf = learned_classifier(corpora, s, ABSTAIN_SHOTS, seed, "logreg", threshold=-np.inf)
        preds = clf.predict([r["text"] for r in rows], embed_rows(rows))
        t, _ = choose_threshold([(name, [r["label"] for r in rows], [p.best_guess for p in preds],
                                  np.array([p.support for p in preds]), None)])
        ratios[name] = t / float(np.interp(np.log(len(clf.subs)), ks, list(medians.values())))
    return {"clinc_median_threshold_by_k": medians, "hint3_ratio": ratios,
            "messy_factor": round(float(np.median(list(ratios.values()))), 3)}


if __name__ == "__main__":  # python -m indexer.evals.real.learning_curve  (prints the calibration)
    import json

    print(json.dumps(calibrate(), indent=2))
