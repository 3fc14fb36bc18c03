"""`voxindex eval`: enrichment quality against labeled ground truth."""
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

--suite real scores the shared public corpora (--corpora DIR, default ../shared/corpora): zero-shot
taxonomy on Banking77, HINT3 and CLINC150, abstention on their out-of-scope messages, few-shot
learning curves, and sentiment, every metric with a 95% confidence interval. --limit N scores a
fixed seeded sample of N messages per corpus.

--suite demo (the default) runs the regression checks on generated data below.
Tasks: taxonomy (theme/sub-theme macro-F1, per-class P/R, segmentation), sentiment (+ intent,
severity, app-store star agreement), pii, identity, duplicates (pairwise P/R), attribution
(connector speaker roles). Every listed task's module must import: a missing one is an error."""


def register(sub: argparse._SubParsersAction) -> None:
    from .registry import task_names

    p = sub.add_parser("eval", help="score enrichment quality against labeled ground truth",
                       description=EVAL_HELP, formatter_class=argparse.RawDescriptionHelpFormatter)
    from .real.registry import task_names as real_tasks

    p.add_argument("--suite", choices=["demo", "real"], default="demo",
                   help="demo: regression checks on generated data (default); real: the shared public corpora")
    p.add_argument("--task", choices=sorted({*task_names(), *real_tasks(), "all"}), default="all",
                   help="which task (default: all)")
    p.add_argument("--corpora", metavar="DIR", help="shared corpora for --suite real (default: ../shared/corpora)")
    p.add_argument("--seed", type=int, default=0, help="seed of the --limit sample and bootstrap (--suite real)")
    p.add_argument("--data", default="demo-data", metavar="DIR",
                   help="labeled directory with ground_truth/ (default: ./demo-data)")
    p.add_argument("--json", metavar="OUT", help="also write the metrics as JSON to OUT")
    p.add_argument("--limit", type=int, metavar="N",
                   help="score a deterministic sample of N labeled units per task (fast checks)")
    p.set_defaults(func=_eval)


def run_tasks(data_dir: str, tasks: list[str], limit: int | None = None, echo=print) -> dict:
    from .data import gt_dir
    from .registry import load_task

    gt_dir(data_dir)  # fail early with a clear message
    results: dict = {"data": str(Path(data_dir).resolve()), "limit": limit, "tasks": {}}
    for name in tasks:
        module = load_task(name)
        started = time.perf_counter()
        metrics = module.run(data_dir, limit)
        metrics = dict(metrics) if isinstance(metrics, dict) else {"result": metrics}
        metrics.setdefault("seconds", round(time.perf_counter() - started, 2))
        results["tasks"][name] = metrics
        echo(f"== {name} ({metrics['seconds']:.1f}s)\n{module.format(metrics)}\n")
    return results


def _eval(args: argparse.Namespace) -> int:
    from .registry import task_names

    if getattr(args, "suite", "demo") == "real":
        from .real.registry import task_names as real_tasks
        from .real.runner import run_real

        if args.task != "all" and args.task not in real_tasks():
            raise ValueError(f"--suite real has tasks {real_tasks()}, not {args.task!r}")
        results = run_real(args.corpora, real_tasks() if args.task == "all" else [args.task], args.limit,
                           getattr(args, "seed", 0))
    else:
        if args.task != "all" and args.task not in task_names():
            raise ValueError(f"--suite demo has tasks {task_names()}, not {args.task!r}")
        results = run_tasks(args.data, task_names() if args.task == "all" else [args.task], args.limit)
    if args.json:
        Path(args.json).write_text(json.dumps(results, indent=2, default=str))
        print(f"metrics written to {args.json}", file=sys.stderr)
    return 0
