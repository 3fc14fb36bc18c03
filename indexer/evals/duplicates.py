"""Duplicates eval: pairwise precision/recall of predicted duplicate groups against the labeled
dup groups, over customer segments (timestamps from the connectors for the time window).
Who said each segment comes from the ground-truth person clusters: identity resolution has its
own eval, and near-duplicates are only looked for within one speaker."""
from __future__ import annotations

from collections import defaultdict

import numpy as np

from . import data
from .common import embedder
from .metrics import pairwise, table


def run(data_dir, limit: int | None = None) -> dict:
    from indexer.enrich.duplicates import Item, assign, find_groups, speaker_of

    gt = data.load(data_dir)
    rows = gt.customer()
    if limit and limit < len(rows):
        # keep whole gold groups so recall is measurable, fill up with a spread sample
        grouped = [r for r in rows if r.get("dup_group")]
        chosen_groups = set(data.sample(sorted({r["dup_group"] for r in grouped}), max(1, limit // 8), by=str))
        keep = [r for r in grouped if r["dup_group"] in chosen_groups]
        rest = data.sample([r for r in rows if not r.get("dup_group")], max(0, limit - len(keep)))
        rows = keep + rest
    view = data.read_sources(str(gt.root.parent if gt.root.name == "ground_truth" else gt.root))
    vecs = embedder()([r["text"] for r in rows])
    items = []
    for r, v in zip(rows, vecs):
        u = view.units.get(data.key(r))
        items.append(Item(key=f"{data.key(r)}#{r['segment']}", part_key=data.key(r), text=r["text"],
                          created_at=u.created_at if u else None, vector=np.asarray(v),
                          speaker=speaker_of(r.get("person_cluster"), r["source"])))
    groups = find_groups(items)
    labels = assign(items, groups)
    pred = [[items[i].key for i in g] for g in groups]
    gold_map = defaultdict(list)
    for r, it in zip(rows, items):
        if r.get("dup_group"):
            gold_map[r["dup_group"]].append(it.key)
    gold = [g for g in gold_map.values() if len(g) > 1]
    m = pairwise(gold, pred)
    m.update({"units": len(rows), "gold_groups": len(gold), "pred_groups": len(pred),
              "flagged_duplicates": sum(1 for _, dup in labels.values() if dup),
              "timestamps_from_connectors": view.available})
    return m


def format(m: dict) -> str:
    return table([["duplicates (pairwise)", m["units"], m["precision"], m["recall"], m["f1"],
                   f"{m['gold_groups']}/{m['pred_groups']}"]],
                 ["task", "units", "P", "R", "F1", "groups gold/pred"])
