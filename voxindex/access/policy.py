"""Caller -> what it may ask and see. A caller is anything with `role`, `sources` and `segments`
(the search API's `Principal`, the web view's signed-in key). Pure functions, no I/O."""
from __future__ import annotations

from dataclasses import dataclass
from typing import Any, Iterable
from urllib.parse import urlsplit

from .filters import Filters

ROLES = ("viewer", "analyst", "admin")
# request params that select by revenue: a binary search on them recovers an account's exact ARR
REVENUE_PARAMS = ("min_arr", "max_arr")
ALWAYS_EXCLUDED = ("embedding",)
# what a viewer never receives: revenue, renewal and person-level fields, and agent/internal context
VIEWER_EXCLUDED = (
    "account.arr",
    "account.rollup_arr",
    "account.renewal_date",
    "person_id",
    "context.text",
    "provenance.cursor",
)


@dataclass(frozen=True)
class Operator:
    """The operator's own processes (CLI reports, schedulers): admin, unscoped. Never a web/API caller."""

    key_id: str = "operator"
    name: str = "operator"
    role: str = "admin"
    sources: tuple[str, ...] = ()
    segments: tuple[str, ...] = ()


class AccessDenied(Exception):
    """The caller may not use this param / see this object (the API answers 403)."""

    def __init__(self, message: str, param: str | None = None):
        super().__init__(message)
        self.message = message
        self.param = param


def sees_revenue(caller: Any) -> bool:
    return getattr(caller, "role", "viewer") in ("analyst", "admin")


def allows(caller: Any, role: str | None) -> bool:
    return role is None or ROLES.index(getattr(caller, "role", "viewer")) >= ROLES.index(role)


def scope_clauses(caller: Any) -> list[dict]:
    """The key's scopes as filters, for every retrieval and aggregation."""
    out = []
    if getattr(caller, "sources", ()):
        out.append({"terms": {"source": list(caller.sources)}})
    if getattr(caller, "segments", ()):
        out.append({"terms": {"account.segment": list(caller.segments)}})
    return out


def check_params(caller: Any, params: dict[str, Any] | Filters) -> None:
    """Refuse (AccessDenied) any param this caller's role may not use."""
    if sees_revenue(caller):
        return
    if isinstance(params, Filters):
        used = params.uses_revenue()
        if used is None and not params.customer_only:
            used = "include_non_customer"
    else:
        used = next((p for p in REVENUE_PARAMS if params.get(p) not in (None, "", [])), None)
        if used is None and params.get("include_non_customer"):
            used = "include_non_customer"
    if used == "include_non_customer":
        # agent/internal turns are what viewers are kept from in `context.text`
        raise AccessDenied("include_non_customer: agent and internal units need the analyst role; your key is a viewer", used)
    if used:
        raise AccessDenied(f"{used}: filtering by ARR needs the analyst role; your key is a viewer", used)


def customer_only(caller: Any) -> list[dict]:
    """Viewers read customer units only (a unit by id, a thread): agent/internal text is analyst data."""
    return [] if sees_revenue(caller) else [{"term": {"is_customer_signal": True}}]


def scoped_query(f: Filters, caller: Any) -> dict:
    """The one way a read path turns filters into a query: params checked, scope always applied."""
    check_params(caller, f)
    return f.to_query(scope_clauses(caller))


def source_excludes(caller: Any) -> list[str]:
    return list(ALWAYS_EXCLUDED) + ([] if sees_revenue(caller) else list(VIEWER_EXCLUDED))


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


def safe_url(url: Any) -> str | None:
    """A link target only when it is http(s): `javascript:`/`data:` stored in a record stay text."""
    if not isinstance(url, str) or not url.strip():
        return None
    try:
        scheme = urlsplit(url.strip()).scheme.lower()
    except ValueError:
        return None
    return url.strip() if scheme in ("http", "https") else None


def redact_unit(doc: dict[str, Any], caller: Any) -> dict[str, Any]:
    """Defence in depth after `_source` excludes: drop what the caller may not see; unsafe URLs go."""
    for path in source_excludes(caller):
        _drop(doc, path)
    prov = doc.get("provenance")
    if isinstance(prov, dict) and "source_url" in prov:
        prov["source_url"] = safe_url(prov.get("source_url"))
    return doc


def visible_values(values: Iterable[str], allowed: Iterable[str]) -> list[str]:
    allowed = set(allowed)
    return [v for v in values if v in allowed]
