"""Speaker attribution eval: the connectors' part-level speaker roles (`indexer.sources`) against
the labeled roles of every part (customer, agent, bot, internal, system, sales...). Customer vs
not-customer is what decides whether words are counted as feedback, so it is reported apart."""
from __future__ import annotations

from . import data
from .metrics import class_table, classification, table


def run(data_dir, limit: int | None = None) -> dict:
    gt = data.load(data_dir)
    view = data.read_sources(str(gt.root.parent if gt.root.name == "ground_truth" else gt.root))
    if not view.available:
        return {"skipped": True, "note": view.note}
    parts = {}
    for r in gt.units:
        parts.setdefault(data.key(r), r.get("speaker_role") or "unknown")
    keys = data.sample(sorted(parts), limit, by=repr)
    gold = [parts[k] for k in keys]
    pred = [view.roles.get(k, "missing") for k in keys]
    report = classification(gold, pred)
    cust = classification(["customer" if g == "customer" else "other" for g in gold],
                          ["customer" if p == "customer" else "other" for p in pred])
    return {"skipped": False, "roles": report, "customer_vs_other": cust,
            "missing_parts": sum(p == "missing" for p in pred)}


def format(m: dict) -> str:
    if m.get("skipped"):
        return f"attribution: skipped ({m['note']})"
    r, c = m["roles"], m["customer_vs_other"]
    return "\n".join([
        table([["speaker role", r["n"], r["accuracy"], r["macro_f1"]],
               ["customer vs other", c["n"], c["accuracy"], c["macro_f1"]]], ["attribution", "parts", "accuracy", "macro-F1"]),
        f"parts the connectors did not produce: {m['missing_parts']}", class_table(r),
    ])
