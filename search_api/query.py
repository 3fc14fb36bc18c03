"""Pure builders: validated params + the caller's scope -> Elasticsearch query clauses.

Every value placed here has been typed and checked by `spec.validate`; field names come from
the fixed maps below, never from the client.
"""
from __future__ import annotations

from datetime import datetime
from typing import Any

from .auth import Principal

# filter param -> field
FILTER_FIELDS = {
    "source": "source",
    "channel": "channel",
    "theme": "taxonomy.theme",
    "sub_theme": "taxonomy.sub_theme",
    "sentiment": "sentiment.label",
    "severity": "severity.label",
    "intent": "intent.label",
    "segment": "account.segment",
    "plan": "account.plan",
    "region": "account.region",
    "account": "account_id",
    "app_version": "app_version",
}
FACET_FIELDS = {
    name: FILTER_FIELDS[name]
    for name in ("source", "channel", "theme", "sub_theme", "sentiment", "severity", "intent", "segment", "plan", "region")
}
TEXT_FIELDS = ["text", "title^0.5"]


def iso(dt: datetime) -> str:
    return dt.isoformat().replace("+00:00", "Z")


def scope_clauses(principal: Principal) -> list[dict]:
    """The key's scopes as filters: applied to every retrieval and aggregation."""
    out = []
    if principal.sources:
        out.append({"terms": {"source": list(principal.sources)}})
    if principal.segments:
        out.append({"terms": {"account.segment": list(principal.segments)}})
    return out


def time_range(start: datetime | None, end: datetime | None, field: str = "created_at") -> dict | None:
    if start is None and end is None:
        return None
    body: dict[str, Any] = {}
    if start is not None:
        body["gte"] = iso(start)
    if end is not None:
        body["lt"] = iso(end)
    return {"range": {field: body}}


def filter_query(p: dict[str, Any], principal: Principal, customer_only: bool = True) -> dict:
    """One bool query holding every filter of a request (no scoring)."""
    filters: list[dict] = []
    must_not: list[dict] = []
    if customer_only:
        filters.append({"term": {"is_customer_signal": True}})
    for name, fld in FILTER_FIELDS.items():
        values = p.get(name)
        if values:
            filters.append({"terms": {fld: list(values)}})
    rng = time_range(p.get("from"), p.get("to"))
    if rng:
        filters.append(rng)
    if p.get("min_arr") is not None or p.get("max_arr") is not None:
        arr: dict[str, float] = {}
        if p.get("min_arr") is not None:
            arr["gte"] = p["min_arr"]
        if p.get("max_arr") is not None:
            arr["lte"] = p["max_arr"]
        filters.append({"range": {"account.arr": arr}})
    if p.get("dedupe"):
        must_not.append({"term": {"is_duplicate": True}})
    filters.extend(scope_clauses(principal))
    body: dict[str, Any] = {"filter": filters}
    if must_not:
        body["must_not"] = must_not
    return {"bool": body}


def text_query(q: str) -> dict:
    return {"multi_match": {"query": q, "fields": TEXT_FIELDS, "type": "best_fields"}}


def facet_aggs(size: int = 20) -> dict:
    return {name: {"terms": {"field": fld, "size": size}} for name, fld in FACET_FIELDS.items()}


def read_facets(aggs: dict | None) -> dict[str, list[dict]]:
    if not aggs:
        return {}
    return {
        name: [{"value": b["key"], "count": b["doc_count"]} for b in aggs[name]["buckets"]]
        for name in FACET_FIELDS
        if name in aggs
    }


HIGHLIGHT = {"fields": {"text": {"fragment_size": 160, "number_of_fragments": 2}}, "pre_tags": ["<em>"], "post_tags": ["</em>"]}


def highlight(q: str) -> dict:
    return {**HIGHLIGHT, "highlight_query": text_query(q)}
