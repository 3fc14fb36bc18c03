"""The one permission layer. Every read path (API routes, analytics, alerts, the web view, reports,
exports) builds its Elasticsearch query from a `Filters` and a caller through `scoped_query`, checks
the caller's params with `check_params`, and passes what it returns through `redact_unit` /
`render_alert`; so the field table, the scope filter and the revenue rules exist once.

    fields.py   friendly filter name -> index field (the only such table)
    filters.py  Filters: a typed filter set -> an Elasticsearch bool query (pure)
    policy.py   caller (role, scopes) -> scope clauses, allowed params, redacted fields (pure)
    alerts.py   alert scope check and per-caller rendering of alert text (pure, plus one lookup)
"""
from .fields import FIELDS, FILTER_NAMES, es_field
from .filters import Filters
from .policy import (
    REVENUE_PARAMS,
    AccessDenied,
    check_params,
    redact_unit,
    safe_url,
    scope_clauses,
    scoped_query,
    sees_revenue,
    source_excludes,
)

__all__ = ["FIELDS", "FILTER_NAMES", "es_field", "Filters", "AccessDenied", "REVENUE_PARAMS", "check_params",
           "redact_unit", "safe_url", "scope_clauses", "scoped_query", "sees_revenue", "source_excludes"]
