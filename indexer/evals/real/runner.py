"""Running the real-data suite and printing it: one row per metric with its 95% interval."""
from __future__ import annotations

import time
from pathlib import Path

from .corpora import corpora_dir
from .registry import load_task


def run_real(corpora: str | Path | None, tasks: list[str], limit: int | None = None, seed: int = 0,
             echo=print) -> dict:
    root = corpora_dir(corpora)
    results: dict = {"suite": "real", "corpora": str(root), "limit": limit, "seed": seed, "tasks": {}}
    for name in tasks:
        module = load_task(name)
        started = time.perf_counter()
        metrics = module.run(root, limit=limit, seed=seed)
        results["tasks"][name] = metrics
        echo(f"== {name} ({time.perf_counter() - started:.1f}s)\n{format_metrics(metrics)}\n")
    return results


def format_metrics(metrics: dict[str, dict]) -> str:
    rows = [(k, v) for k, v in metrics.items() if isinstance(v, dict) and "value" in v]
    if not rows:
        return "(no metrics)"
    w = max(len(k) for k, _ in rows)
    lines = [f"{'metric'.ljust(w)}  value   95% CI           n", "-" * (w + 33)]
    lines += [f"{k.ljust(w)}  {v['value']:.3f}  [{v['lo']:.3f}, {v['hi']:.3f}]  {v['n']:>5}" for k, v in rows]
    return "\n".join(lines)
