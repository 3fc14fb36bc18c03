"""Connector cursors in the state index: one doc per (connector, source path) holding the
highest cursor value whose batch is safely indexed."""
from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from pathlib import Path
from typing import Any

from elasticsearch import Elasticsearch

from voxindex.model import parse_time, stable_id, to_jsonable, utcnow


@dataclass
class Cursor:
    connector: str
    source_path: str
    cursor: str
    run_id: str | None = None
    updated_at: str | None = None

    @property
    def time(self) -> datetime:
        return parse_time(self.cursor, "cursor")


def source_key(path: str | Path) -> str:
    return str(Path(path).resolve())


def cursor_id(connector: str, source_path: str) -> str:
    return "cursor-" + stable_id("cursor", connector, source_path)


def load_cursor(es: Elasticsearch, settings, connector: str, path: str | Path) -> Cursor | None:
    key = source_key(path)
    found = es.options(ignore_status=404).get(index=settings.indices.state, id=cursor_id(connector, key))
    if not found.get("found"):
        return None
    src = found["_source"]
    return Cursor(connector, key, src["cursor"], src.get("run_id"), src.get("updated_at"))


def save_cursor(es: Elasticsearch, settings, connector: str, path: str | Path, cursor: str, run_id: str) -> None:
    key = source_key(path)
    es.index(
        index=settings.indices.write_alias("state"),
        id=cursor_id(connector, key),
        document={
            "kind": "cursor",
            "connector": connector,
            "source_path": key,
            "cursor": cursor,
            "cursor_time": cursor,
            "run_id": run_id,
            "updated_at": to_jsonable(utcnow()),
        },
    )


def list_cursors(es: Elasticsearch, settings, connector: str | None = None) -> list[dict[str, Any]]:
    es.indices.refresh(index=settings.indices.state)
    filters: list[dict] = [{"term": {"kind": "cursor"}}]
    if connector:
        filters.append({"term": {"connector": connector}})
    resp = es.search(
        index=settings.indices.state,
        query={"bool": {"filter": filters}},
        sort=[{"connector": "asc"}, {"source_path": "asc"}],
        size=1000,
    )
    return [{"_id": h["_id"], **h["_source"]} for h in resp["hits"]["hits"]]


def reset_cursors(es: Elasticsearch, settings, connector: str, path: str | Path | None = None) -> int:
    """Forget where a connector stopped, so its next run re-reads everything (idempotency keeps
    that from duplicating). No _delete_by_query here (the reindex module may be absent)."""
    gone = 0
    for doc in list_cursors(es, settings, connector):
        if path is not None and doc["source_path"] != source_key(path):
            continue
        es.options(ignore_status=404).delete(index=settings.indices.write_alias("state"), id=doc["_id"])
        gone += 1
    es.indices.refresh(index=settings.indices.state)
    return gone
