"""Dead letters: records and units that could not be parsed, enriched or indexed, kept with
their raw payload and a reason a person can act on. Ids are deterministic (connector + raw_ref
+ payload hash), so re-running the same file overwrites instead of piling up copies."""
from __future__ import annotations

import hashlib
from dataclasses import asdict, dataclass
from typing import Any

from elasticsearch import Elasticsearch

from voxindex.model import stable_id, to_jsonable, utcnow

STAGES = ("parse", "enrich", "validate", "index")


@dataclass
class DeadLetter:
    connector: str
    source: str
    raw_ref: str
    payload: str
    reason: str
    stage: str
    run_id: str

    @property
    def dl_id(self) -> str:
        digest = hashlib.sha1(self.payload.encode("utf-8", "replace")).hexdigest()
        return stable_id(self.connector, self.raw_ref, digest)

    def to_doc(self) -> dict[str, Any]:
        return {**asdict(self), "dl_id": self.dl_id, "at": to_jsonable(utcnow())}


def dead_letter_actions(settings, letters: list[DeadLetter]) -> list[dict[str, Any]]:
    index = settings.indices.write_alias("deadletter")
    return [{"_op_type": "index", "_index": index, "_id": dl.dl_id, "_source": dl.to_doc()} for dl in letters]


def list_dead_letters(
    es: Elasticsearch, settings, source: str | None = None, limit: int = 20, run_id: str | None = None
) -> tuple[int, list[dict[str, Any]]]:
    es.indices.refresh(index=settings.indices.deadletter)
    filters: list[dict] = []
    if source:
        filters.append({"bool": {"should": [{"term": {"source": source}}, {"term": {"connector": source}}]}})
    if run_id:
        filters.append({"term": {"run_id": run_id}})
    resp = es.search(
        index=settings.indices.deadletter,
        query={"bool": {"filter": filters}} if filters else {"match_all": {}},
        sort=[{"at": "desc"}, {"raw_ref": "asc"}],
        size=limit,
        track_total_hits=True,
    )
    return resp["hits"]["total"]["value"], [h["_source"] for h in resp["hits"]["hits"]]
