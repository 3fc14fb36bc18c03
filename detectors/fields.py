"""Friendly field names used by rules, watches and links, mapped to feedback-index paths.

Rules say `theme`, `segment`, `app_version`; the index says `taxonomy.theme`,
`account.segment`, `app_version`. The table is the access layer's (voxindex.access.fields), the
same one the search API and the web view use, so the two cannot drift apart again.
"""
from __future__ import annotations

from datetime import datetime
from typing import Any

from voxindex.access.fields import FIELDS, es_field  # noqa: F401  (re-exported for rules, watches, links)
from voxindex.model import iso


def term_clause(name: str, value: Any) -> dict:
    field = es_field(name)
    if isinstance(value, (list, tuple, set)):
        return {"terms": {field: list(value)}}
    return {"term": {field: value}}


def base_clauses(filters: dict[str, Any] | None = None, exclude: dict[str, Any] | None = None,
                 query: str | None = None, min_arr: float | None = None) -> tuple[list, list]:
    """(filter, must_not) clauses shared by every feedback detector: customer signal only,
    exact duplicates left out (one person pasting the same complaint twice is not a spike)."""
    flt: list = [{"term": {"is_customer_signal": True}}]
    must_not: list = [{"term": {"is_duplicate": True}}]
    for name, value in (filters or {}).items():
        flt.append(term_clause(name, value))
    for name, value in (exclude or {}).items():
        must_not.append(term_clause(name, value))
    if query:
        flt.append({"simple_query_string": {"query": query, "fields": ["text", "title"], "default_operator": "and"}})
    if min_arr is not None:
        flt.append({"range": {"account.arr": {"gte": min_arr}}})
    return flt, must_not


def time_range(start: datetime, end: datetime, field: str = "created_at") -> dict:
    return {"range": {field: {"gte": iso(start), "lt": iso(end)}}}
