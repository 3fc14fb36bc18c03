"""The real-data eval tasks, in the order `voxindex eval --suite real` runs them.

A task is a module exposing `run(corpora: Path, limit: int | None = None, seed: int = 0)` ->
`{metric: {"value", "lo", "hi", "n"}}`. Another area adds its task by appending
`(name, module path)` here; every listed module must import."""
from __future__ import annotations

from types import ModuleType

from indexer.evals.registry import import_task

TASKS: list[tuple[str, str]] = [
    ("taxonomy", "indexer.evals.real.taxonomy_zero_shot"),
    ("abstention", "indexer.evals.real.abstention"),
    ("learning-curve", "indexer.evals.real.learning_curve"),
    ("sentiment", "indexer.evals.real_sentiment"),
    ("intent", "indexer.evals.real_intent"),
]


def task_names() -> list[str]:
    return [name for name, _ in TASKS]


def load_task(name: str) -> ModuleType:
    return import_task(dict(TASKS)[name])
