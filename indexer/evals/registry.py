"""The eval tasks, in the order `voxindex eval --task all` runs them.

A task is a module exposing `run(data_dir, limit) -> dict` and `format(metrics) -> str`.
Another area adds its own task by appending `(name, module path)` here.
"""
from __future__ import annotations

import importlib
from types import ModuleType

TASKS: list[tuple[str, str]] = [
    ("taxonomy", "indexer.evals.taxonomy"),
    ("sentiment", "indexer.evals.sentiment"),
    ("pii", "indexer.evals.pii"),
    ("pii-leaks", "indexer.evals.pii_leaks"),
    ("identity", "indexer.evals.identity"),
    ("duplicates", "indexer.evals.duplicates"),
    ("attribution", "indexer.evals.attribution"),
    ("search", "search_api.evaluation"),
]


def task_names() -> list[str]:
    return [name for name, _ in TASKS]


def load_task(name: str) -> ModuleType:
    """The task module; a missing one is an import error, never a skipped task."""
    return import_task(dict(TASKS)[name])


def import_task(path: str) -> ModuleType:
    """A task module by dotted path."""
    return importlib.import_module(path)
