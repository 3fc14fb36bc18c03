"""`voxindex eval`, plus the `voxindex bench` and `voxindex taxonomy` command groups of the
enrichment area (registered here because this module is already in voxindex.cli)."""
from __future__ import annotations

import argparse
import json
import sys
import time
from pathlib import Path

EVAL_HELP = """\
Score the enrichment against labeled data. DIR is a directory holding ground_truth/ (as written
by `voxindex demo-data`) or any labeled directory in the same format (docs/source-formats.md).
Prints one table per task; --json also writes every number to a file.

Tasks: taxonomy (theme/sub-theme macro-F1, per-class P/R, segmentation), sentiment (+ intent,
severity, app-store star agreement), pii, identity, duplicates (pairwise P/R), attribution
(connector speaker roles). A task whose module is not built yet is skipped with a note."""


def register(sub: argparse._SubParsersAction) -> None:
    from .registry import task_names

    p = sub.add_parser("eval", help="score enrichment quality against labeled ground truth",
                       description=EVAL_HELP, formatter_class=argparse.RawDescriptionHelpFormatter)
    p.add_argument("--task", choices=[*task_names(), "all"], default="all", help="which task (default: all)")
    p.add_argument("--data", default="demo-data", metavar="DIR",
                   help="labeled directory with ground_truth/ (default: ./demo-data)")
    p.add_argument("--json", metavar="OUT", help="also write the metrics as JSON to OUT")
    p.add_argument("--limit", type=int, metavar="N",
                   help="score a deterministic sample of N labeled units per task (fast checks)")
    p.set_defaults(func=_eval)

    from indexer.bench import register as register_bench
    from indexer.enrich.cli import register as register_taxonomy

    register_bench(sub)
    register_taxonomy(sub)


def run_tasks(data_dir: str, tasks: list[str], limit: int | None = None, echo=print) -> dict:
    from .data import gt_dir
    from .registry import load_task

    gt_dir(data_dir)  # fail early with a clear message
    results: dict = {"data": str(Path(data_dir).resolve()), "limit": limit, "tasks": {}}
    for name in tasks:
        module = load_task(name)
        if module is None:
            results["tasks"][name] = {"skipped": True, "note": f"indexer.evals.{name} is not built yet"}
            echo(f"== {name}: skipped (indexer.evals.{name} is not built yet)\n")
            continue
        started = time.perf_counter()
        metrics = module.run(data_dir, limit)
        metrics = dict(metrics) if isinstance(metrics, dict) else {"result": metrics}
        metrics.setdefault("seconds", round(time.perf_counter() - started, 2))
        results["tasks"][name] = metrics
        echo(f"== {name} ({metrics['seconds']:.1f}s)\n{module.format(metrics)}\n")
    return results


def _eval(args: argparse.Namespace) -> int:
    from .registry import task_names

    tasks = task_names() if args.task == "all" else [args.task]
    results = run_tasks(args.data, tasks, args.limit)
    if args.json:
        Path(args.json).write_text(json.dumps(results, indent=2, default=str))
        print(f"metrics written to {args.json}", file=sys.stderr)
    return 0
