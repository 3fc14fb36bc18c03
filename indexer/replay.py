"""Replaying dead letters from their pointers, since they keep no clear copy of the record.

Each dead-lettered record is read again from its source file (the connector's own reader,
configured as the run that wrote the dead letter configured it, so a CSV row spanning lines or a
JSONL line is found by the same `raw_ref` and gets the id and times a normal run gives it) and
goes through the connector and the pipeline like any record. One that now parses and indexes has its old dead
letter removed; one that still fails is dead-lettered again (the same bytes overwrite the same
dead letter; edited bytes replace it). Records pushed over the API (`api:<connector>#<n>`) have
no file to come back from: the client posts them again.
"""
from __future__ import annotations

import json
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from elasticsearch import Elasticsearch

from .bulk import RetryPolicy
from .pipeline import Pipeline


@dataclass
class ReplayResult:
    replayed: int = 0  # records read again and sent through the pipeline
    resolved: int = 0  # dead letters removed because their record now indexes
    still_failing: int = 0
    not_replayable: list[str] = field(default_factory=list)  # raw_refs without a readable pointer


def _record_ref(raw_ref: str) -> str:
    """'tickets.jsonl#L8/c31' (a part of a record) -> 'tickets.jsonl#L8' (the record)."""
    return raw_ref.split("/", 1)[0] if "#" in raw_ref else raw_ref


def reader_options(letter: dict[str, Any]) -> dict[str, Any]:
    """How to read a dead letter's file again: as the run that wrote it read it (its map, time
    formats, zone, encoding, sheet...). A letter from before these were kept gets the defaults,
    and a workbook row at least its own sheet."""
    from .deadletter import sheet_row

    options = dict(letter.get("reader") or {})
    at = sheet_row(_record_ref(letter.get("raw_ref", "")))
    if at is not None:
        options.setdefault("sheet", at[0])
    return options


def replay(es: Elasticsearch, settings, letters: list[dict[str, Any]], pipeline: Pipeline | None = None,
           policy: RetryPolicy | None = None) -> ReplayResult:
    from .ingest import _pipeline, _read, _Run
    from .sources import make_connector
    from .spool import Spool

    result = ReplayResult()
    groups: dict[tuple[str, str, str], list[dict]] = {}
    for letter in letters:
        path = letter.get("source_path")
        if not path or str(path).startswith("api:") or not Path(path).is_file() or letter.get("connector") == "accounts":
            result.not_replayable.append(letter.get("raw_ref", "?"))
            continue
        options = json.dumps(reader_options(letter), sort_keys=True)
        groups.setdefault((letter["connector"], path, options), []).append(letter)
    policy = policy or RetryPolicy.from_settings(settings)
    for (connector_name, path, options), group in groups.items():
        connector = make_connector(connector_name, **json.loads(options))
        wanted = {_record_ref(dl["raw_ref"]) for dl in group}
        raws = [raw for raw in connector.records(Path(path)) if raw.raw_ref in wanted]
        found = {raw.raw_ref for raw in raws}
        result.not_replayable.extend(dl["raw_ref"] for dl in group if _record_ref(dl["raw_ref"]) not in found)
        parsed, bad = _read(connector, (connector.parse_raw(raw) for raw in raws), into=Spool(settings.ingest_in_memory))
        run = _Run(es, settings, connector, path, _pipeline(settings, es, pipeline), policy)
        summary = run.run(parsed, bad, None, settings.ingest_batch_size, progress=False)
        result.replayed += len(raws)
        es.indices.refresh(index=settings.indices.deadletter)
        for dl in group:
            if _record_ref(dl["raw_ref"]) not in found:
                continue
            current = es.options(ignore_status=404).get(index=settings.indices.deadletter, id=dl["dl_id"])
            if current.get("found") and current["_source"].get("run_id") == summary.run_id:
                result.still_failing += 1  # the same bytes failed again: the dead letter was rewritten
                continue
            again = es.count(index=settings.indices.deadletter, query={"bool": {"filter": [
                {"term": {"raw_ref": dl["raw_ref"]}}, {"term": {"run_id": summary.run_id}}]}})["count"]
            es.options(ignore_status=404).delete(index=settings.indices.write_alias("deadletter"), id=dl["dl_id"])
            if again:
                result.still_failing += 1  # edited but still failing: the new dead letter replaces it
            else:
                result.resolved += 1
        es.indices.refresh(index=settings.indices.deadletter)
    return result
