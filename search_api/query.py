"""Pure builders: validated params + the caller's scope -> Elasticsearch query clauses.

Every value placed here has been typed and checked by `spec.validate`; field names come from
the fixed maps below, never from the client.
"""
from __future__ import annotations

from datetime import datetime
from typing import Any

from voxindex.access import FIELDS, FILTER_NAMES, Filters, scoped_query
from voxindex.access import scope_clauses as _scope_clauses
from voxindex.model import iso

from .auth import Principal

FILTER_FIELDS = {name: FIELDS[name] for name in FILTER_NAMES}
FACET_FIELDS = {name: FILTER_FIELDS[name] for name in FILTER_NAMES if name not in ("account", "app_version")}
TEXT_FIELDS = ["text", "title^0.5"]


def scope_clauses(principal: Principal) -> list[dict]:
    """The key's scopes as filters (voxindex.access.policy): applied to every retrieval and aggregation."""
    return _scope_clauses(principal)


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
    """One bool query holding every filter of a request (no scoring), through the access layer:
    revenue params refused for viewers, the key's scope always applied."""
    f = Filters.from_params(p, customer_only=customer_only, dedupe=bool(p.get("dedupe")))
    return scoped_query(f, principal)


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


# encoder=html: Elasticsearch escapes the customer's text and adds only our <em> tags, so a
# fragment is safe to drop into a page as HTML
HIGHLIGHT = {"fields": {"text": {"fragment_size": 160, "number_of_fragments": 2}}, "pre_tags": ["<em>"],
             "post_tags": ["</em>"], "encoder": "html"}


def highlight(q: str) -> dict:
    return {**HIGHLIGHT, "highlight_query": text_query(q)}
