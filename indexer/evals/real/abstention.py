"""Abstention on real out-of-scope messages: CLINC150 `out_of_scope` and HINT3
`NO_NODES_DETECTED` ("none of these"). For each set:

- oos_recall: out-of-scope messages left unclassified (the point of abstaining);
- in_scope_accuracy_drop: accuracy on in-scope messages with every unit labelled, minus accuracy
  when abstained units count as wrong (what abstaining costs);
- in_scope_abstain_rate: in-scope messages left unclassified.

The zero-shot thresholds (`abstain_zero_shot(k)` on support, `abstain_lead_zero_shot(k)` on lead)
were calibrated on CLINC150 val and HINT3 train (`calibrate()`), never on these test splits. Besides the corpora's own sets, two deployment-sized
rows: 9-intent CLINC150 taxonomies (names only) and 9-intent Banking77 taxonomies with written
descriptions, against general and against in-domain out-of-scope messages."""
from __future__ import annotations

from pathlib import Path

import numpy as np

from indexer.enrich.taxonomy import SubTheme, Taxonomy, TaxonomyClassifier, abstain_zero_shot, interpolate_by_k

from . import corpora as C
from .datasets import HINT3, SETS, SMALL_DRAWS, SMALL_K, draws, embed_rows, taxonomy_for
from .stats import bootstrap, wilson

DATASETS = ("clinc150", *HINT3)
MAX_DROP = 0.03  # the budget: in-scope accuracy may drop at most 3 points


def supports(clf: TaxonomyClassifier, rows, vecs) -> tuple[list[str], np.ndarray]:
    best, support, _ = abstention_scores(clf, rows, vecs)
    return best, support


def abstention_scores(clf: TaxonomyClassifier, rows, vecs) -> tuple[list[str], np.ndarray, np.ndarray]:
    """(best guess, support, lead) per row: what either abstention rule reads."""
    preds = clf.predict([r["text"] for r in rows], vecs)
    return [p.best_guess for p in preds], np.array([p.support for p in preds]), np.array([p.lead for p in preds])


def cut_scores(clf: TaxonomyClassifier, rows, vecs, threshold: float | None) -> tuple[list[str], np.ndarray]:
    """What `score` reads with the cut-off 0: each row's distance from abstaining under the
    classifier's own rules (`TaxonomyClassifier.margin`), or (an experiment's `threshold`) the
    support alone shifted by it."""
    preds = clf.predict([r["text"] for r in rows], vecs)
    if threshold is None:
        cut = np.array([clf.margin(p) for p in preds])
    else:
        cut = np.array([p.support for p in preds]) - threshold
    return [p.best_guess for p in preds], cut


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
        best, cut = cut_scores(clf, rows, embed_rows(rows), threshold)
        out.update(score([r["label"] for r in rows], best, cut, s.oos_label, 0.0, seed, f"{name}.zero_shot."))
    out.update(small_taxonomies(corpora, limit, seed, threshold))
    out.update(described_small_taxonomies(corpora, limit, seed, threshold))
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
        b, s_ = cut_scores(clf, rows, embed_rows(rows), threshold)
        gold += [r["label"] for r in rows]
        best += b
        sup += s_.tolist()  # one cut-off: 0
    return score(gold, best, np.array(sup), "out_of_scope", 0.0, seed, f"clinc150-{SMALL_K}-intents.zero_shot.")


BANKING_ROWS = ("banking77-9-intents", "banking77-9-intents-in-domain")


def banking_subsets(corpora: Path, limit, seed: int):
    """Deployment-sized described taxonomies, the shape a customer writes: 9-intent subsets of
    Banking77 with their banking77.yaml descriptions (5 seeded draws). Yields (taxonomy, intents,
    {row name: test rows}): the test messages of those intents plus, for `banking77-9-intents`,
    every CLINC150 test `out_of_scope` message (off-topic for a bank) and, for
    `banking77-9-intents-in-domain`, as many test messages of the other 68 intents (banking questions
    the taxonomy does not cover: the hard case), relabelled `out_of_scope`."""
    from .datasets import taxonomy_for

    full = taxonomy_for(SETS["banking77"], corpora)
    test = C.read(corpora, SETS["banking77"].test)
    oos = [dict(r, label="out_of_scope") for r in C.read(corpora, "intent/clinc150-test") if r["label"] == "out_of_scope"]
    labels = sorted({r["label"] for r in test})
    rng = np.random.default_rng(seed + 2)
    for _ in range(SMALL_DRAWS):
        intents = sorted(rng.choice(labels, SMALL_K, replace=False).tolist())
        tax = Taxonomy(f"banking77-{SMALL_K}", full.themes, tuple(x for x in full.sub_themes if x.name in intents),
                       path="<banking77 subset>")
        ins = [r for r in test if r["label"] in intents]
        others = [r for r in test if r["label"] not in intents]
        in_domain = [dict(others[i], label="out_of_scope") for i in rng.choice(len(others), len(oos), replace=False)]
        yield tax, intents, {BANKING_ROWS[0]: C.sample(ins + oos, limit, seed),
                             BANKING_ROWS[1]: C.sample(ins + in_domain, limit, seed)}


def pooled_abstention(subsets, classifier_of, suffix: str, seed: int, threshold: float | None = None) -> dict[str, dict]:
    """Score `classifier_of(taxonomy, intents)` on every subset's row sets, pooled per row name; each
    draw is held to its own classifier's threshold (supports shifted so one cut-off, 0, applies)."""
    pooled: dict[str, tuple[list, list, list]] = {}
    for tax, intents, row_sets in subsets:
        clf = classifier_of(tax, intents)
        for name, rows in row_sets.items():
            b, s_ = cut_scores(clf, rows, embed_rows(rows), threshold)
            gold, best, sup = pooled.setdefault(name, ([], [], []))
            gold += [r["label"] for r in rows]
            best += b
            sup += s_.tolist()
    out: dict[str, dict] = {}
    for name, (gold, best, sup) in pooled.items():
        out.update(score(gold, best, np.array(sup), "out_of_scope", 0.0, seed, f"{name}.{suffix}."))
    return out


def described_small_taxonomies(corpora: Path, limit, seed: int, threshold: float | None = None) -> dict[str, dict]:
    """Zero-shot abstention on the described 9-intent Banking77 taxonomies (`banking_subsets`)."""
    from indexer.evals.common import embedder

    return pooled_abstention(banking_subsets(corpora, limit, seed), lambda tax, _: TaxonomyClassifier(tax, embedder()),
                             "zero_shot", seed, threshold)


def calibration_data(corpora: Path, limit: int | None = None, seed: int = 0):
    """(name, number of sub-themes, gold, best, support, lead, oos_label) on the calibration splits only."""
    from indexer.evals.common import embedder

    for name in DATASETS:
        s = SETS[name]
        rows = C.sample(C.read(corpora, s.calibration), limit, seed)
        tax = taxonomy_for(s, corpora)
        clf = TaxonomyClassifier(tax, embedder(), abstain=-np.inf)
        best, sup, lead = abstention_scores(clf, rows, embed_rows(rows))
        yield name, len(tax.sub_themes), [r["label"] for r in rows], best, sup, lead, s.oos_label


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


LEAD_SCALES = tuple(round(1.0 - 0.05 * i, 2) for i in range(11))  # 1.0 .. 0.5


def calibrate(corpora: Path | None = None, seed: int = 0) -> dict:
    """The calibration behind `abstain_zero_shot(k)` and `abstain_lead_zero_shot(k)`: on CLINC150 val,
    names-only taxonomies of k intents (5 seeded draws per k, and all 150), the highest support
    threshold and, separately, the highest lead threshold with <= 3 points in-scope drop, medians
    per k; then the lead curve's scale (`lead_scale`), with every CLINC150 val draw and each HINT3
    train set (descriptions written) as calibration sets. Also, as a check, the support threshold
    the same rule gives each HINT3 train set."""
    from indexer.evals.common import embedder

    corpora = C.corpora_dir(corpora)
    val = C.read(corpora, "intent/clinc150-val")
    labels = sorted({r["label"] for r in val} - {"out_of_scope"})
    by_k, lead_by_k, sets = {}, {}, []
    for k in (9, 20, 50, 150):
        found, found_lead = [], []
        for intents in (draws(corpora, k, 5, seed) if k < len(labels) else [labels]):
            subs = tuple(SubTheme("clinc", l, l.replace("_", " "), (), ()) for l in intents)
            clf = TaxonomyClassifier(Taxonomy(f"clinc-{k}", {"clinc": ""}, subs), embedder(), abstain=-np.inf)
            rows = [r for r in val if r["label"] in intents or r["label"] == "out_of_scope"]
            best, sup, lead = abstention_scores(clf, rows, embed_rows(rows))
            gold = [r["label"] for r in rows]
            found.append(choose_threshold([("val", gold, best, sup, "out_of_scope")])[0])
            found_lead.append(choose_threshold([("val", gold, best, lead, "out_of_scope")])[0])
            sets.append((f"clinc150-val-{k}-intents", k, gold, best, sup, lead, "out_of_scope"))
        by_k[k], lead_by_k[k] = float(np.median(found)), float(np.median(found_lead))
    hint3 = [entry for entry in calibration_data(corpora) if entry[0] != "clinc150"]
    scale, drops = lead_scale(sets + hint3, lead_by_k)
    hint3_threshold = {name: choose_threshold([(name, gold, best, sup, oos)])[0]
                       for name, _, gold, best, sup, _, oos in hint3}
    return {"clinc_median_threshold_by_k": by_k, "clinc_median_lead_threshold_by_k": lead_by_k,
            "lead_scale": scale, "lead_threshold_by_k": {k: round(scale * v, 5) for k, v in lead_by_k.items()},
            "in_scope_drop_at_lead_scale": drops, "hint3_train_threshold": hint3_threshold,
            "described_over_names_only": described_ratios(corpora, hint3_threshold, seed)}


def lead_scale(sets, lead_by_k: dict[int, float], max_drop: float = MAX_DROP) -> tuple[float, dict[str, float]]:
    """Pure: the largest factor on the lead curve at which both rules together (support under
    `abstain_zero_shot(k)` or lead under factor x the curve) keep the in-scope drop <= max_drop on
    every named set of (name, k, gold, best, support, lead, oos_label); sets sharing a name (the
    seeded draws of one k) count by their median drop, as the curves were drawn from medians.
    0.0 when no factor does."""
    for scale in LEAD_SCALES:
        found: dict[str, list[float]] = {}
        for name, k, gold, best, sup, lead, oos_label in sets:
            g, b = np.asarray(gold, dtype=object), np.asarray(best, dtype=object)
            ins = g != oos_label
            ok = g[ins] == b[ins]
            kept = (sup[ins] >= abstain_zero_shot(k)) & (lead[ins] >= scale * interpolate_by_k(lead_by_k, k))
            found.setdefault(name, []).append(float(ok.mean() - (ok & kept).mean()))
        drops = {name: round(float(np.median(d)), 4) for name, d in found.items()}
        if max(drops.values()) <= max_drop:
            return scale, drops
    return 0.0, {}


def described_ratios(corpora: Path, hint3: dict[str, float], seed: int = 0) -> dict[str, float]:
    """A check on the names-only curve: the threshold the 3-point rule picks for a described taxonomy
    over `abstain_zero_shot(k)` at the same k, on HINT3 train with its written taxonomies and k-intent
    subsets of Banking77 train (5 seeded draws per k, and all 77) with banking77.yaml's sub-themes.
    Measured 1.46 / 1.26 / 1.49 on the three HINT3 bots (1.20 / 1.24 / 1.52 while 15 of their
    descriptions were cut short at a comma) and 1.66-1.72 on Banking77: described taxonomies would
    allow a higher threshold. Raising it 1.2x for them was tried and not kept: on
    the test splits it bought out-of-scope recall (HINT3 +0.16 to +0.20, the 9-intent Banking77 rows
    +0.05 and +0.06) but cost 1.3-2.8 more points in-scope on HINT3 (curekart 4.1 in all) and 4 of 74
    hand-labelled feedback units in tests/fixtures (3 right ones abstained: sub-theme macro-F1 0.791
    -> 0.766). The names-only curve stays the threshold for every zero-shot taxonomy."""
    from indexer.evals.common import embedder

    from .datasets import taxonomy_for

    out = {name: round(t / abstain_zero_shot(len(taxonomy_for(SETS[name], corpora).sub_themes)), 3)
           for name, t in hint3.items()}
    full = taxonomy_for(SETS["banking77"], corpora)
    train = C.read(corpora, SETS["banking77"].train)
    vecs = embed_rows(train)
    labels = sorted({r["label"] for r in train})
    rng = np.random.default_rng(seed + 1)
    for k in (9, 20, 50, len(labels)):
        found = []
        for _ in range(5 if k < len(labels) else 1):
            intents = set(rng.choice(labels, k, replace=False).tolist()) if k < len(labels) else set(labels)
            tax = Taxonomy(f"banking77-{k}", full.themes, tuple(s for s in full.sub_themes if s.name in intents),
                           path="<banking77 subset>")
            idx = [i for i, r in enumerate(train) if r["label"] in intents]
            clf = TaxonomyClassifier(tax, embedder(), abstain=-np.inf)
            best, sup = supports(clf, [train[i] for i in idx], vecs[idx])
            found.append(choose_threshold([("b", [train[i]["label"] for i in idx], best, sup, None)])[0])
        out[f"banking77-train-{k}-intents"] = round(float(np.median(found)) / abstain_zero_shot(k), 3)
    return out


if __name__ == "__main__":  # python -m indexer.evals.real.abstention  (prints the calibration)
    import json

    print(json.dumps(calibrate(), indent=2))
