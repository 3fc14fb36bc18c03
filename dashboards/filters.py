"""One filter set, three renderings: an Elasticsearch query, a search-API URL and a web-view URL.

Every number a report or page shows is computed under a `Filters`; the same `Filters` renders the
link to the units behind that number, so a reader can always click through to the evidence.
"""
from __future__ import annotations

from dataclasses import dataclass, fields, replace
from datetime import datetime, timezone
from typing import Any
from urllib.parse import urlencode

# URL parameter -> feedback field: the detectors' friendly-name table, so alert links, report links,
# web-view links and the search API all speak the same parameter names.
from detectors.fields import FIELDS

TERM_FILTERS: dict[str, str] = {
    name: FIELDS[name]
    for name in ("theme", "sub_theme", "source", "channel", "intent", "sentiment", "severity", "account",
                 "app_version", "segment", "plan", "region")
}


def _iso(dt: datetime | None) -> str | None:
    if dt is None:
        return None
    return dt.astimezone(timezone.utc).isoformat().replace("+00:00", "Z")


@dataclass(frozen=True)
class Filters:
    q: str | None = None
    theme: tuple[str, ...] = ()
    sub_theme: tuple[str, ...] = ()
    source: tuple[str, ...] = ()
    channel: tuple[str, ...] = ()
    intent: tuple[str, ...] = ()
    sentiment: tuple[str, ...] = ()
    severity: tuple[str, ...] = ()
    account: tuple[str, ...] = ()
    app_version: tuple[str, ...] = ()
    segment: tuple[str, ...] = ()
    plan: tuple[str, ...] = ()
    region: tuple[str, ...] = ()
    start: datetime | None = None  # inclusive
    end: datetime | None = None  # exclusive
    customer_only: bool = True

    def with_(self, **changes: Any) -> "Filters":
        norm = {k: (tuple(v) if isinstance(v, (list, tuple)) else ((v,) if isinstance(v, str) and k in TERM_FILTERS else v))
                for k, v in changes.items()}
        return replace(self, **norm)

    # ---------------------------------------------------------------- Elasticsearch
    def to_query(self) -> dict[str, Any]:
        must: list[dict] = []
        flt: list[dict] = []
        if self.q:
            must.append({"simple_query_string": {"query": self.q, "fields": ["text", "title"], "default_operator": "and"}})
        for name, field_name in TERM_FILTERS.items():
            values = getattr(self, name)
            if values:
                flt.append({"terms": {field_name: list(values)}})
        if self.start or self.end:
            rng: dict[str, str] = {}
            if self.start:
                rng["gte"] = _iso(self.start)
            if self.end:
                rng["lt"] = _iso(self.end)
            flt.append({"range": {"created_at": rng}})
        must_not: list[dict] = []
        if self.customer_only:
            # the same population the detectors count: customer signal, exact duplicates left out
            flt.append({"term": {"is_customer_signal": True}})
            must_not.append({"term": {"is_duplicate": True}})
        if not must and not flt:
            return {"match_all": {}}
        return {"bool": {"must": must, "filter": flt, "must_not": must_not}}

    # ---------------------------------------------------------------- links
    def params(self) -> list[tuple[str, str]]:
        out: list[tuple[str, str]] = []
        if self.q:
            out.append(("q", self.q))
        for name in TERM_FILTERS:
            for value in getattr(self, name):
                out.append((name, value))
        if self.start:
            out.append(("from", _iso(self.start)))
        if self.end:
            out.append(("to", _iso(self.end)))
        return out

    def api_url(self, base: str = "") -> str:
        return f"{base}/v1/search?{urlencode(self.params())}"

    def ui_url(self, base: str = "") -> str:
        return f"{base}/ui/search?{urlencode(self.params())}"

    @classmethod
    def from_args(cls, args: Any) -> "Filters":
        """From a werkzeug MultiDict (or any mapping with getlist); blank values are ignored."""
        from voxindex.model import parse_time

        def many(name: str) -> tuple[str, ...]:
            getter = getattr(args, "getlist", None)
            raw = getter(name) if getter else ([args[name]] if args.get(name) else [])
            return tuple(v for v in (s.strip() for s in raw) if v)

        def when(name: str) -> datetime | None:
            value = (args.get(name) or "").strip()
            if not value:
                return None
            if len(value) == 10:  # a bare date from <input type=date>
                value += "T00:00:00Z"
            return parse_time(value, name)

        kwargs: dict[str, Any] = {name: many(name) for name in TERM_FILTERS}
        return cls(q=(args.get("q") or "").strip() or None, start=when("from"), end=when("to"), **kwargs)

    def is_empty(self) -> bool:
        return not any(getattr(self, f.name) for f in fields(self) if f.name != "customer_only")
