"""Alerts per caller. An alert is visible to a scoped key only when what it was built from (the
rule's filters plus the group that fired, stored as `dimension: {"by", "filters"}`) pins every
scoped field inside the key's scope. Its text is rendered per caller: the detector's `why` (which
may quote ARR) only for callers who see revenue; others get a sentence rendered from the alert's
structured fields, which hold no revenue."""
from __future__ import annotations

import copy
import re
from typing import Any

from .policy import scope_clauses, sees_revenue

# free text an admin typed into a note may still quote money; viewers get it masked
_MONEY = re.compile(r"(?i)(\$|€|£)\s?\d[\d,.]*\s?[kmb]?|\b\d[\d,.]*\s?(k|m|bn)?\s?(usd|eur|gbp)\b|\barr\b[^.;\n]*")
HIDDEN = "[revenue hidden]"
DELIVERY_FIELDS = ("id", "type", "status", "attempts", "first_try", "last_try")


def conditions(alert: dict) -> dict[str, Any]:
    """The friendly-name conditions the alert's evidence was selected by."""
    dim = alert.get("dimension") or {}
    if isinstance(dim, dict) and ("by" in dim or "filters" in dim):
        return {**(dim.get("filters") or {}), **(dim.get("by") or {})}
    return dict(dim) if isinstance(dim, dict) else {}


def _values(value: Any) -> set[str]:
    if value is None or value == "" or value == []:
        return set()
    return {str(v) for v in value} if isinstance(value, (list, tuple, set)) else {str(value)}


def in_scope(alert: dict, caller: Any) -> bool:
    cond = conditions(alert)
    for name, allowed in (("source", getattr(caller, "sources", ())), ("segment", getattr(caller, "segments", ()))):
        if not allowed:
            continue
        values = _values(cond.get(name))
        if not values or not values <= set(allowed):
            return False  # built from (also) outside the scope, or from everything
    return True


def public_why(alert: dict) -> str:
    """A revenue-free sentence from the alert's structured fields."""
    observed, expected = alert.get("observed"), alert.get("expected")
    cond = conditions(alert)
    label = ", ".join(f"{k}={v if not isinstance(v, list) else '/'.join(map(str, v))}" for k, v in sorted(cond.items()))
    parts = []
    if isinstance(observed, (int, float)):
        parts.append(f"{observed:g} units")
        if isinstance(expected, (int, float)) and expected:
            parts.append(f"vs {expected:.1f} expected")
    window = (alert.get("window_start"), alert.get("window_end"))
    if all(window):
        parts.append(f"between {str(window[0])[:16]} and {str(window[1])[:16]} UTC")
    if label:
        parts.append(f"({label})")
    return " ".join(parts) or (alert.get("title") or "")


def mask_money(text: Any) -> Any:
    return _MONEY.sub(HIDDEN, text) if isinstance(text, str) else text


def render(alert: dict, caller: Any, visible_unit_ids: set[str] | None = None) -> dict:
    """The alert as this caller may see it (a copy)."""
    out = copy.deepcopy(alert)
    # a delivery keeps the alerter's config (webhook URLs with tokens, SMTP/Jira credentials): never
    # served; the target and the error text (which may quote the URL) only to admins
    admin = getattr(caller, "role", None) == "admin"
    out["deliveries"] = [{k: v for k, v in d.items() if k in DELIVERY_FIELDS or (admin and k in ("target", "last_error"))}
                         for d in out.get("deliveries") or [] if isinstance(d, dict)]
    if visible_unit_ids is not None:
        out["unit_ids"] = [u for u in out.get("unit_ids") or [] if u in visible_unit_ids]
    if sees_revenue(caller):
        for entry in out.get("history") or []:
            if isinstance(entry, dict) and entry.get("actor") == "detector" and entry.get("action") == "detected":
                entry.setdefault("note", alert.get("why"))
        return out
    out["why"] = public_why(alert)
    impact = out.get("impact")
    if isinstance(impact, dict):
        impact.pop("arr", None)
        if isinstance(impact.get("score"), (int, float)):
            # the score is 30 % log(ARR) with its other parts on the alert: exact, it inverts to ARR
            impact["score"] = int(round(impact["score"], -1))
    for entry in out.get("history") or []:
        if not isinstance(entry, dict):
            continue
        if entry.get("actor") == "detector":
            entry["note"] = public_why(alert) if entry.get("action") == "detected" else None
        elif "note" in entry:
            entry["note"] = mask_money(entry["note"])
    out["history"] = [{k: v for k, v in e.items() if v is not None} if isinstance(e, dict) else e
                      for e in out.get("history") or []]
    return out


def visible(es, feedback_index: str, alerts: list[dict], caller: Any) -> list[dict]:
    """The alerts this caller may see, rendered for it; unit ids outside its scope are dropped
    (one lookup, only for scoped keys)."""
    shown = [a for a in alerts if in_scope(a, caller)]
    scope = scope_clauses(caller)
    allowed: set[str] | None = None
    ids = sorted({u for a in shown for u in a.get("unit_ids") or []})
    if scope and ids:
        res = es.search(index=feedback_index, size=len(ids), _source=["unit_id"],
                        query={"bool": {"filter": [{"terms": {"unit_id": ids}}, *scope]}})
        allowed = {h["_source"].get("unit_id") for h in res["hits"]["hits"]}
    elif scope:
        allowed = set()
    return [render(a, caller, allowed) for a in shown]
