"""Analytics over feedback units: themes, trends (risers/fallers), account summaries.

Windows are anchored at `to` when given, else at the newest unit in scope (so a demo dataset
generated for a fixed period reads sensibly on any day). Derivatives, slopes and significance
are computed in Python (no pipeline aggregations on this cluster).
"""
from __future__ import annotations

from datetime import datetime, timedelta, timezone
from typing import Any

from elasticsearch import Elasticsearch

from voxindex.config import IndexNames
from voxindex.model import iso
from voxindex.stats import linear_slope, poisson_change_normal

from .auth import Principal
from .errors import ApiError
from .query import filter_query, scope_clauses
from .redact import redact_unit, source_excludes

ACCOUNT_BUCKETS = 10_000  # terms on account_id per theme, for distinct-account ARR sums


def _day(dt: datetime) -> datetime:
    return dt.astimezone(timezone.utc).replace(hour=0, minute=0, second=0, microsecond=0)


def anchor(es: Elasticsearch, names: IndexNames, base: dict, end: datetime | None) -> datetime:
    """End of the analysis window (exclusive): `to`, else the day after the newest unit."""
    if end is not None:
        return end
    resp = es.search(index=names.feedback, size=0, query=base, aggs={"last": {"max": {"field": "created_at"}}})
    value = resp["aggregations"]["last"].get("value")
    if value is None:
        return _day(datetime.now(timezone.utc)) + timedelta(days=1)
    return _day(datetime.fromtimestamp(value / 1000, tz=timezone.utc)) + timedelta(days=1)


def _base(p: dict, principal: Principal, drop_time: bool = True) -> dict:
    q = dict(p)
    if drop_time:
        q["from"] = None
        q["to"] = None
    return filter_query(q, principal)


def window_start(p: dict, end: datetime, days: int) -> tuple[datetime, int]:
    """(start, whole days): `from` when given (it wins over the length param), else `days` before `end`."""
    start = p.get("from")
    if start is None:
        return end - timedelta(days=days), days
    if start >= end:
        raise ApiError(400, "invalid_parameter", "from: must be before `to` (or the newest unit)", {"param": "from"})
    span = (end - start).total_seconds() / 86400
    if span > 366:
        raise ApiError(400, "invalid_parameter", "from: the window may span at most 365 days", {"param": "from"})
    return start, max(1, int(round(span)))


def _with(base: dict, *clauses: dict) -> dict:
    return {"bool": {"filter": [base, *clauses]}}


def _mix(buckets: list[dict]) -> dict[str, int]:
    return {b["key"]: b["doc_count"] for b in buckets}


def themes(es: Elasticsearch, names: IndexNames, p: dict, principal: Principal) -> dict[str, Any]:
    base = _base(p, principal)
    end = anchor(es, names, base, p.get("to"))
    start, days = window_start(p, end, p["days"])
    query = _with(base, {"range": {"created_at": {"gte": iso(start), "lt": iso(end)}}})
    per_theme: dict[str, Any] = {
        "accounts": {"cardinality": {"field": "account_id"}},
        "sentiment": {"terms": {"field": "sentiment.label", "size": 5}},
        "sub_themes": {"terms": {"field": "taxonomy.sub_theme", "size": 30}},
        "daily": {"date_histogram": {"field": "created_at", "calendar_interval": "day", "min_doc_count": 0,
                                     "extended_bounds": {"min": iso(start), "max": iso(end - timedelta(days=1))}}},
    }
    if principal.sees_revenue:
        per_theme["account_arr"] = {"terms": {"field": "account_id", "size": ACCOUNT_BUCKETS},
                                    "aggs": {"arr": {"max": {"field": "account.arr"}}}}
    resp = es.search(index=names.feedback, size=0, query=query, aggs={
        "themes": {"terms": {"field": "taxonomy.theme", "size": p["limit"]}, "aggs": per_theme},
    })
    out = []
    for b in resp["aggregations"]["themes"]["buckets"]:
        daily = [{"date": d["key_as_string"][:10], "count": d["doc_count"]} for d in b["daily"]["buckets"]]
        counts = [d["count"] for d in daily]
        row: dict[str, Any] = {
            "theme": b["key"],
            "count": b["doc_count"],
            "accounts": b["accounts"]["value"],
            "sentiment": _mix(b["sentiment"]["buckets"]),
            "sub_themes": _mix(b["sub_themes"]["buckets"]),
            "trend": {"daily": daily, "slope_per_day": round(linear_slope(counts), 4)},
        }
        if principal.sees_revenue:
            # each account's ARR counted once (its highest point-in-time ARR in the window)
            row["arr_affected"] = round(sum(a["arr"]["value"] or 0.0 for a in b["account_arr"]["buckets"]), 2)
        out.append(row)
    return {"window": {"from": iso(start), "to": iso(end), "days": days}, "themes": out}


def trends(es: Elasticsearch, names: IndexNames, p: dict, principal: Principal) -> dict[str, Any]:
    base = _base(p, principal)
    end = anchor(es, names, base, p.get("to"))
    start, window_days = window_start(p, end, p["window_days"])
    p = {**p, "window_days": window_days}
    length = end - start
    cur_start, prev_start = end - length, end - 2 * length
    field = "taxonomy.sub_theme" if p["by"] == "sub_theme" else "taxonomy.theme"
    query = _with(base, {"range": {"created_at": {"gte": iso(prev_start), "lt": iso(end)}}})
    resp = es.search(index=names.feedback, size=0, query=query, aggs={
        "keys": {"terms": {"field": field, "size": 500}, "aggs": {
            "windows": {"filters": {"filters": {
                "current": {"range": {"created_at": {"gte": iso(cur_start), "lt": iso(end)}}},
                "previous": {"range": {"created_at": {"gte": iso(prev_start), "lt": iso(cur_start)}}},
            }}},
            "theme": {"terms": {"field": "taxonomy.theme", "size": 1}},
        }},
    })
    rows = []
    for b in resp["aggregations"]["keys"]["buckets"]:
        w = b["windows"]["buckets"]
        row = {p["by"]: b["key"], **poisson_change_normal(w["current"]["doc_count"], w["previous"]["doc_count"])}
        if p["by"] == "sub_theme" and b["theme"]["buckets"]:
            row["theme"] = b["theme"]["buckets"][0]["key"]
        rows.append(row)
    limit = p["limit"]
    risers = sorted((r for r in rows if r["delta"] > 0), key=lambda r: (-r["z"], -r["delta"], r[p["by"]]))[:limit]
    fallers = sorted((r for r in rows if r["delta"] < 0), key=lambda r: (r["z"], r["delta"], r[p["by"]]))[:limit]
    return {
        "window": {"current": {"from": iso(cur_start), "to": iso(end)},
                   "previous": {"from": iso(prev_start), "to": iso(cur_start)}, "days": p["window_days"]},
        "test": "two-window Poisson (conditional binomial) z = (c - p) / sqrt(c + p); significant: p < 0.05 and c + p >= 5",
        "risers": risers,
        "fallers": fallers,
    }


def account(es: Elasticsearch, names: IndexNames, account_id: str, p: dict, principal: Principal) -> dict[str, Any] | None:
    scope = {"bool": {"filter": [{"term": {"is_customer_signal": True}}, {"term": {"account_id": account_id}},
                                 *scope_clauses(principal)]}}
    end = anchor(es, names, scope, p.get("to"))
    days = p["days"]
    recent_start, prev_start = end - timedelta(days=days), end - timedelta(days=2 * days)
    resp = es.search(
        index=names.feedback, query=_with(scope, {"range": {"created_at": {"lt": iso(end)}}}),
        size=p["recent"], sort=[{"created_at": "desc"}, {"unit_id": "asc"}],
        _source={"excludes": source_excludes(principal.sees_revenue)},
        aggs={
            "sentiment": {"terms": {"field": "sentiment.label", "size": 5}},
            "severity": {"terms": {"field": "severity.label", "size": 5}},
            "intent": {"terms": {"field": "intent.label", "size": 10}},
            "themes": {"terms": {"field": "taxonomy.theme", "size": 10}},
            "sub_themes": {"terms": {"field": "taxonomy.sub_theme", "size": 10}},
            "sources": {"terms": {"field": "source", "size": 10}},
            "windows": {"filters": {"filters": {
                "recent": {"range": {"created_at": {"gte": iso(recent_start), "lt": iso(end)}}},
                "previous": {"range": {"created_at": {"gte": iso(prev_start), "lt": iso(recent_start)}}},
            }}},
            "recent_negative": {"filter": {"bool": {"filter": [
                {"range": {"created_at": {"gte": iso(recent_start), "lt": iso(end)}}},
                {"term": {"sentiment.label": "negative"}}]}}},
            "first": {"min": {"field": "created_at"}},
            "last": {"max": {"field": "created_at"}},
            "latest": {"top_hits": {"size": 1, "sort": [{"created_at": "desc"}],
                                    "_source": {"includes": ["account.*"]}}},
        },
        track_total_hits=True,
    )
    total = resp["hits"]["total"]["value"]
    if total == 0:
        return None
    a = resp["aggregations"]
    sentiment, severity, intent = _mix(a["sentiment"]["buckets"]), _mix(a["severity"]["buckets"]), _mix(a["intent"]["buckets"])
    w = a["windows"]["buckets"]
    latest = a["latest"]["hits"]["hits"][0]["_source"].get("account", {}) if a["latest"]["hits"]["hits"] else {}
    risk = risk_score(
        recent=w["recent"]["doc_count"], previous=w["previous"]["doc_count"],
        recent_negative=a["recent_negative"]["doc_count"], churn_signals=intent.get("churn_risk", 0),
        severe=severity.get("high", 0) + severity.get("critical", 0), total=total, health=latest.get("health"),
    )
    info = redact_unit({"account": dict(latest)}, principal.sees_revenue)["account"]
    return {
        "account_id": account_id,
        "account": info,
        "units": total,
        "first_seen": a["first"].get("value_as_string"),
        "last_seen": a["last"].get("value_as_string"),
        "sentiment": sentiment,
        "severity": severity,
        "intent": intent,
        "sources": _mix(a["sources"]["buckets"]),
        "top_themes": [{"theme": b["key"], "count": b["doc_count"]} for b in a["themes"]["buckets"]],
        "top_sub_themes": [{"sub_theme": b["key"], "count": b["doc_count"]} for b in a["sub_themes"]["buckets"]],
        "window": {"recent": {"from": iso(recent_start), "to": iso(end), "count": w["recent"]["doc_count"]},
                   "previous": {"from": iso(prev_start), "to": iso(recent_start), "count": w["previous"]["doc_count"]}},
        "risk": risk,
        "recent_units": [redact_unit(dict(h["_source"]), principal.sees_revenue) for h in resp["hits"]["hits"]],
    }


def risk_score(recent: int, previous: int, recent_negative: int, churn_signals: int, severe: int,
               total: int, health: str | None) -> dict[str, Any]:
    """0-100, a transparent sum of capped parts (each part is reported, so a CSM can argue with it):
    negative share of recent feedback (35), explicit churn signals (25), severe issues (15),
    a rising volume of feedback (15), account health (10)."""
    neg_share = recent_negative / recent if recent else 0.0
    parts = {
        "negative_share": round(35 * neg_share, 1),
        "churn_signals": round(min(25.0, 12.5 * churn_signals), 1),
        "severe_issues": round(15 * min(1.0, severe / max(total, 1) * 3), 1),
        "rising_volume": round(15 * min(1.0, max(0.0, (recent - previous) / max(previous, 3))), 1),
        "health": {"red": 10.0, "yellow": 5.0}.get(health or "", 0.0),
    }
    score = round(min(100.0, sum(parts.values())), 1)
    level = "high" if score >= 60 else "medium" if score >= 30 else "low"
    return {"score": score, "level": level, "parts": parts}
