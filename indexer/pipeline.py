"""The pipeline abstraction: small typed stages joined in order (the concrete pipeline is
assembled in `indexer.enrich.build`).

A stage takes a batch of units and returns a batch of units (it may split one unit into
several, e.g. a multi-topic message, or drop none). Stages never write to Elasticsearch: a stage
that decides something to keep beyond the units (identity's people and merges, duplicates'
links to indexed units) returns a `Batch` carrying those writes, and the ingest runner writes
them through its one bulk path, where failures are counted and dead-lettered like units'.
"""
from __future__ import annotations

import time
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any, Protocol, runtime_checkable

from voxindex.model import FeedbackUnit


@dataclass(frozen=True)
class Write:
    """One bulk action a stage decided (`_op_type`, `_index`, `_id`, and `_source` or `doc`)."""

    stage: str
    action: dict[str, Any]


@dataclass
class Batch:
    """What a stage (or the whole pipeline) returns when it decided writes besides the units."""

    units: list[FeedbackUnit]
    writes: list[Write] = field(default_factory=list)


StageOutput = list[FeedbackUnit] | Batch


@runtime_checkable
class Stage(Protocol):
    name: str

    def __call__(self, units: list[FeedbackUnit]) -> StageOutput: ...


@dataclass
class FunctionStage:
    name: str
    fn: Callable[[list[FeedbackUnit]], StageOutput]
    # A stage that compares the batch with units already indexed (duplicates) must see the batch
    # before it: the ingest runner, which writes batch n while it enriches batch n+1, calls it on
    # the writer side once batch n is written and searchable (`Pipeline.split`).
    needs_previous_batch: bool = False

    def __call__(self, units: list[FeedbackUnit]) -> StageOutput:
        return self.fn(units)


@dataclass
class Pipeline:
    stages: list[Stage] = field(default_factory=list)
    seconds: dict[str, float] = field(default_factory=dict)

    def run(self, units: list[FeedbackUnit], writes: list[Write] | None = None) -> Batch:
        """The enriched units and every write the stages decided. Writes go into `writes` as each
        stage returns, so a caller that passes its own list keeps the decisions of the stages that
        finished even when a later stage raises (a resolver does not decide the same thing twice)."""
        decided: list[Write] = writes if writes is not None else []
        for stage in self.stages:
            started = time.perf_counter()
            out = stage(units)
            if isinstance(out, Batch):
                units = out.units
                decided.extend(out.writes)
            else:
                units = out
            self.seconds[stage.name] = self.seconds.get(stage.name, 0.0) + time.perf_counter() - started
        return Batch(units, decided)

    def names(self) -> list[str]:
        return [s.name for s in self.stages]

    def split(self) -> tuple["Pipeline", "Pipeline"]:
        """(the stages before the first that needs the previous batch indexed, that stage and the
        rest): a runner that overlaps enrichment with writes runs the second part after the
        previous batch's write. Both parts add their time to this pipeline's `seconds`."""
        at = next((i for i, st in enumerate(self.stages) if getattr(st, "needs_previous_batch", False)),
                  len(self.stages))
        return Pipeline(self.stages[:at], self.seconds), Pipeline(self.stages[at:], self.seconds)
