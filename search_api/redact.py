"""Role-based field removal. Viewers never receive revenue, renewal or person-level fields.

The same lists drive `_source` excludes (so the fields never leave Elasticsearch) and a final
pass over every outgoing unit (defence in depth)."""
from __future__ import annotations

from typing import Any

ALWAYS_EXCLUDED = ("embedding",)
VIEWER_EXCLUDED = (
    "account.arr",
    "account.rollup_arr",
    "account.renewal_date",
    "person_id",
    "context.text",
    "provenance.cursor",
)


def source_excludes(sees_revenue: bool) -> list[str]:
    return list(ALWAYS_EXCLUDED) + ([] if sees_revenue else list(VIEWER_EXCLUDED))


def _drop(doc: dict, dotted: str) -> None:
    head, _, rest = dotted.partition(".")
    if head not in doc:
        return
    if not rest:
        doc.pop(head, None)
        return
    value = doc[head]
    if isinstance(value, dict):
        _drop(value, rest)
    elif isinstance(value, list):
        for item in value:
            if isinstance(item, dict):
                _drop(item, rest)


def redact_unit(doc: dict[str, Any], sees_revenue: bool) -> dict[str, Any]:
    for path in source_excludes(sees_revenue):
        _drop(doc, path)
    return doc
