"""The README's real-data sentiment and intent tables, rendered from `voxindex eval --suite real`.

The README must show exactly what the eval command prints, so its tables are not typed by hand:

    voxindex eval --suite real --task sentiment --json models/sentiment/real-eval.json
    voxindex eval --suite real --task intent --json models/intent/real-eval.json
    python -m indexer.evals.real_tables models/sentiment/real-eval.json models/intent/real-eval.json

prints the markdown rows pasted into README.md ("Measured quality / On real data");
tests/test_real_tables.py fails when the README and the stored eval output disagree. Every cell is
a metric line of the command's output, rounded to the same 3 decimals.
"""
from __future__ import annotations

import json
import sys
from pathlib import Path

SENTIMENT_ORDER = ("tweeteval-test", "tweeteval-val", "sst5-dev", "sst5-test", "sst2-dev", "uci-sentences",
                   "complaints-tweets")
SENTIMENT_NOTES = {"tweeteval-val": " (calibration split)", "complaints-tweets": " (complaint = negative)"}


def _cell(m: dict | None) -> str:
    if m is None:
        return "–"
    return f"{m['value']:.3f} [{m['lo']:.3f}, {m['hi']:.3f}]"


def task_metrics(doc: dict, task: str) -> dict:
    """The metric dict of one task from a `--json` file (or a bare metric dict)."""
    if "tasks" in doc:
        return doc["tasks"][task]
    return doc


def _sentiment_rows(metrics: dict):
    """(metric key prefix, row label, n) for each corpus the model was measured on, in table order."""
    for name in SENTIMENT_ORDER:
        key = f"sentiment.{name}"
        if f"{key}.model.macro_f1" in metrics:
            yield key, f"{name}{SENTIMENT_NOTES.get(name, '')}", metrics[f"{key}.model.macro_f1"]["n"]


def sentiment_table(metrics: dict) -> list[str]:
    lines = ["| corpus | n | model macro-F1 | model accuracy | rules macro-F1 | rules accuracy | best constant macro-F1 |",
             "|---|---|---|---|---|---|---|"]
    for key, label, n in _sentiment_rows(metrics):
        lines.append(f"| {label} | {n:,} | "
                     f"{_cell(metrics[f'{key}.model.macro_f1'])} | {_cell(metrics[f'{key}.model.accuracy'])} | "
                     f"{_cell(metrics[f'{key}.rules.macro_f1'])} | {_cell(metrics[f'{key}.rules.accuracy'])} | "
                     f"{metrics[f'{key}.constant.macro_f1']['value']:.3f} |")
    return lines


def comparison_table(new: dict, old: dict) -> list[str]:
    """Model card rows: the new model next to the previous one and the rules, same command, same rows."""
    lines = ["| corpus | n | new macro-F1 | previous macro-F1 | rules macro-F1 | new accuracy | previous accuracy | rules accuracy |",
             "|---|---|---|---|---|---|---|---|"]
    for key, label, n in _sentiment_rows(new):
        lines.append(f"| {label} | {n:,} | "
                     f"**{_cell(new[f'{key}.model.macro_f1'])}** | {_cell(old.get(f'{key}.model.macro_f1'))} | "
                     f"{_cell(new[f'{key}.rules.macro_f1'])} | {_cell(new[f'{key}.model.accuracy'])} | "
                     f"{_cell(old.get(f'{key}.model.accuracy'))} | {_cell(new[f'{key}.rules.accuracy'])} |")
    return lines


def intent_table(metrics: dict) -> list[str]:
    lines = ["| corpus | n | system | macro-F1 | accuracy | best constant macro-F1 |", "|---|---|---|---|---|---|"]
    for corpus in ("app-reviews-test", "complaints-tweets"):
        key = f"intent.{corpus}"
        for who in ("rules", "pipeline-no-head", "pipeline", "head"):
            if f"{key}.{who}.macro_f1" not in metrics:
                continue
            m = metrics[f"{key}.{who}.macro_f1"]
            lines.append(f"| {corpus} | {m['n']:,} | {who} | {_cell(m)} | "
                         f"{_cell(metrics[f'{key}.{who}.accuracy'])} | "
                         f"{metrics[f'{key}.constant.macro_f1']['value']:.3f} |")
    return lines


def main(argv=None) -> None:
    args = sys.argv[1:] if argv is None else argv
    if args and args[0] == "--compare":  # --compare NEW.json OLD.json: the model card's rows
        new, old = (task_metrics(json.loads(Path(p).read_text()), "sentiment") for p in args[1:3])
        print("\n".join(comparison_table(new, old)))
        return
    for path in args:
        doc = json.loads(Path(path).read_text())
        tasks = doc.get("tasks", {})
        if "sentiment" in tasks or "tasks" not in doc:
            print("\n".join(sentiment_table(task_metrics(doc, "sentiment"))) + "\n")
        if "intent" in tasks:
            print("\n".join(intent_table(task_metrics(doc, "intent"))) + "\n")


if __name__ == "__main__":
    main()
