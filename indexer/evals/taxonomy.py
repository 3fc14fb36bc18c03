"""Regression check on generated (or hand-labelled) data, not a quality claim: the real-data
numbers are `voxindex eval --suite real`.

Taxonomy eval: theme and sub-theme macro-F1 and per-class P/R on labeled customer segments,
plus segmentation (multi-signal parts split into the right number of segments and labels)."""
from __future__ import annotations

from collections import defaultdict

from . import data
from .common import classifier
from .metrics import class_table, classification, table


def run(data_dir, limit: int | None = None) -> dict:
    gt = data.load(data_dir)
    rows = data.sample(gt.customer(), limit)
    clf = classifier()
    preds = clf.predict([r["text"] for r in rows])
    theme = classification([r["theme"] for r in rows], [p.primary_theme for p in preds])
    sub = classification([r["sub_theme"] for r in rows], [p.primary_sub_theme for p in preds])
    # an abstained unit (no sub-theme) counts as a miss here; its rate is reported on its own
    review = [p.unclassified or p.confidence < _floor() for p in preds]
    sure = [i for i, r in enumerate(review) if not r]
    sure_acc = sum(rows[i]["sub_theme"] == preds[i].primary_sub_theme for i in sure) / len(sure) if sure else 0.0
    return {
        "taxonomy_version": clf.taxonomy.version,
        "theme": theme,
        "sub_theme": sub,
        "needs_review_rate": round(sum(review) / len(rows), 4) if rows else 0.0,
        "unclassified_rate": round(sum(p.unclassified for p in preds) / len(rows), 4) if rows else 0.0,
        "sub_theme_accuracy_when_confident": round(sure_acc, 4),
        "segmentation": _segmentation(gt, limit),
    }


def _floor() -> float:
    from indexer.enrich.taxonomy import REVIEW_FLOOR

    return REVIEW_FLOOR


def _segmentation(gt, limit) -> dict:
    """Re-join each part's gold segments and check the segmenter recovers them."""
    from indexer.enrich.segment import plan_segments

    parts = defaultdict(list)
    for r in gt.customer():
        parts[data.key(r)].append(r)
    multi = [sorted(v, key=lambda r: r["segment"]) for v in parts.values() if len(v) > 1]
    single = [v for v in parts.values() if len(v) == 1]
    multi = data.sample(multi, limit and max(20, limit // 5), by=lambda v: repr(data.key(v[0])))
    single = data.sample(single, limit and max(20, limit // 5), by=lambda v: repr(data.key(v[0])))
    clf = classifier()
    count_ok = labels_ok = 0
    for segs in multi:
        planned = plan_segments(" ".join(s["text"] for s in segs), clf.predict)
        count_ok += len(planned) == len(segs)
        if len(planned) == len(segs):
            labels_ok += [p.primary_sub_theme for p in clf.predict(planned)] == [s["sub_theme"] for s in segs]
    over = sum(len(plan_segments(v[0]["text"], clf.predict)) > 1 for v in single)
    return {
        "multi_signal_parts": len(multi),
        "split_count_accuracy": round(count_ok / len(multi), 4) if multi else None,
        "split_exact_label_accuracy": round(labels_ok / len(multi), 4) if multi else None,
        "single_parts": len(single),
        "oversplit_rate": round(over / len(single), 4) if single else None,
    }


def format(m: dict) -> str:
    seg = m["segmentation"]
    head = table(
        [["theme", m["theme"]["n"], m["theme"]["accuracy"], m["theme"]["macro_f1"]],
         ["sub_theme", m["sub_theme"]["n"], m["sub_theme"]["accuracy"], m["sub_theme"]["macro_f1"]]],
        ["taxonomy (" + m["taxonomy_version"] + ")", "n", "accuracy", "macro-F1"],
    )
    return "\n".join([
        head,
        f"needs_review rate {m['needs_review_rate']:.3f}; unclassified (abstained) {m['unclassified_rate']:.3f}; "
        f"sub-theme accuracy when confident "
        f"{m['sub_theme_accuracy_when_confident']:.3f}",
        f"segmentation: {seg['multi_signal_parts']} multi-signal parts, count accuracy {seg['split_count_accuracy']}, "
        f"exact labels {seg['split_exact_label_accuracy']}; oversplit of {seg['single_parts']} single parts "
        f"{seg['oversplit_rate']}",
        "", "themes:", class_table(m["theme"]), "", "sub-themes:", class_table(m["sub_theme"]),
    ])
