"""A filter set as a typed value, and its one rendering as an Elasticsearch query."""
from __future__ import annotations

from dataclasses import dataclass, fields, replace
from datetime import datetime
from typing import Any

from voxindex.model import iso

from .fields import FIELDS, FILTER_NAMES


@dataclass(frozen=True)
class Filters:
    q: str | None = None  # simple_query_string over text and title (reports, web view)
    source: tuple[str, ...] = ()
    channel: tuple[str, ...] = ()
    theme: tuple[str, ...] = ()
    sub_theme: tuple[str, ...] = ()
    sentiment: tuple[str, ...] = ()
    severity: tuple[str, ...] = ()
    intent: tuple[str, ...] = ()
    segment: tuple[str, ...] = ()
    plan: tuple[str, ...] = ()
    region: tuple[str, ...] = ()
    account: tuple[str, ...] = ()
    app_version: tuple[str, ...] = ()
    start: datetime | None = None  # inclusive
    end: datetime | None = None  # exclusive
    min_arr: float | None = None  # revenue filters: only for callers who see revenue (policy.check_params)
    max_arr: float | None = None
    customer_only: bool = True
    dedupe: bool = False  # leave exact duplicates out

    def with_(self, **changes: Any) -> "Filters":
        norm = {k: (tuple(v) if isinstance(v, (list, tuple)) else ((v,) if isinstance(v, str) and k in FILTER_NAMES else v))
                for k, v in changes.items()}
        return replace(self, **norm)

    @classmethod
    def from_params(cls, p: dict[str, Any], **extra: Any) -> "Filters":
        """From validated API params (`from`/`to` datetimes, lists, numbers)."""
        kwargs: dict[str, Any] = {name: tuple(p.get(name) or ()) for name in FILTER_NAMES}
        return cls(start=p.get("from"), end=p.get("to"), min_arr=p.get("min_arr"), max_arr=p.get("max_arr"),
                   **kwargs, **extra)

    def clauses(self) -> tuple[list[dict], list[dict], list[dict]]:
        """(must, filter, must_not)."""
        must: list[dict] = []
        flt: list[dict] = []
        must_not: list[dict] = []
        if self.q:
            must.append({"simple_query_string": {"query": self.q, "fields": ["text", "title"], "default_operator": "and"}})
        for name in FILTER_NAMES:
            values = getattr(self, name)
            if values:
                flt.append({"terms": {FIELDS[name]: list(values)}})
        if self.start or self.end:
            rng: dict[str, str] = {}
            if self.start:
                rng["gte"] = iso(self.start)
            if self.end:
                rng["lt"] = iso(self.end)
            flt.append({"range": {"created_at": rng}})
        if self.min_arr is not None or self.max_arr is not None:
            arr: dict[str, float] = {}
            if self.min_arr is not None:
                arr["gte"] = self.min_arr
            if self.max_arr is not None:
                arr["lte"] = self.max_arr
            flt.append({"range": {"account.arr": arr}})
        if self.customer_only:
            flt.append({"term": {"is_customer_signal": True}})
        if self.dedupe:
            must_not.append({"term": {"is_duplicate": True}})
        return must, flt, must_not

    def to_query(self, extra_filters: list[dict] | None = None) -> dict[str, Any]:
        must, flt, must_not = self.clauses()
        flt = flt + list(extra_filters or [])
        if not must and not flt and not must_not:
            return {"match_all": {}}
        body: dict[str, Any] = {"filter": flt}
        if must:
            body["must"] = must
        if must_not:
            body["must_not"] = must_not
        return {"bool": body}

    def uses_revenue(self) -> str | None:
        return "min_arr" if self.min_arr is not None else "max_arr" if self.max_arr is not None else None

    def is_empty(self) -> bool:
        return not any(getattr(self, f.name) for f in fields(self) if f.name not in ("customer_only", "dedupe"))
