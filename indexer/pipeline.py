"""Enrichment pipeline: small typed stages joined in order.

A stage takes a batch of units and returns a batch of units (it may split one unit into
several, e.g. a multi-topic message, or drop none). Stages are pure with respect to
Elasticsearch except where they say so; the ingest runner does the I/O at the edges.
"""
from __future__ import annotations

import time
from dataclasses import dataclass, field
from typing import Callable, Protocol, runtime_checkable

from voxindex.model import FeedbackUnit


@runtime_checkable
class Stage(Protocol):
    name: str

    def __call__(self, units: list[FeedbackUnit]) -> list[FeedbackUnit]: ...


@dataclass
class FunctionStage:
    name: str
    fn: Callable[[list[FeedbackUnit]], list[FeedbackUnit]]

    def __call__(self, units: list[FeedbackUnit]) -> list[FeedbackUnit]:
        return self.fn(units)


@dataclass
class Pipeline:
    stages: list[Stage] = field(default_factory=list)
    seconds: dict[str, float] = field(default_factory=dict)

    def run(self, units: list[FeedbackUnit]) -> list[FeedbackUnit]:
        for stage in self.stages:
            started = time.perf_counter()
            units = stage(units)
            self.seconds[stage.name] = self.seconds.get(stage.name, 0.0) + time.perf_counter() - started
        return units

    def names(self) -> list[str]:
        return [s.name for s in self.stages]


def default_pipeline(settings=None, es=None, **options) -> Pipeline:
    """The pipeline the indexer runs before bulk indexing.

    Built by `indexer.enrich.build.build_pipeline` once enrichment exists; an empty pipeline
    (index units as parsed) otherwise.
    """
    try:
        from indexer.enrich.build import build_pipeline
    except ModuleNotFoundError as exc:
        if exc.name and exc.name.startswith("indexer.enrich"):
            return Pipeline()
        raise
    return build_pipeline(settings=settings, es=es, **options)
