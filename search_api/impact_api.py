"""`/v1/impact`: theme impact on NPS / CSAT / stars and net sentiment, this window against the
previous one. The I/O edge around the pure `impact` module: it reads rated units through the
same filter builder and scope clauses as `/v1/themes`, groups them and calls the pure functions."""
from __future__ import annotations

import math
from datetime import datetime, timedelta, timezone
from typing import Any, Iterator
from urllib.parse import urlencode

from elasticsearch import Elasticsearch

from voxindex.config import IndexNames
from voxindex.model import iso

from . import impact as im
from .analytics import anchor
from .auth import Principal
from .errors import ApiError
from .params import filter_params
from .query import filter_query
from .spec import Param

PAGE = 2000
LEVEL_FIELD = {"theme": "taxonomy.theme", "sub_theme": "taxonomy.sub_theme"}
# Unit-level labels select which rows are reported; they must not shrink the population the
# "without" score is computed over (a theme filter would leave nothing to compare against).
ROW_SELECTORS = ("theme", "sub_theme")
UNIT_LABEL_FILTERS = ("sentiment", "severity", "intent")
LINK_FILTERS = ("segment", "plan", "region", "account", "app_version", "channel")


def impact_params() -> tuple[Param, ...]:
    return (
        Param("metric", "string", "nps (0-10 survey), csat (1-5 survey, % satisfied) or stars (app-store rating)",
              default="nps", enum=tuple(im.METRICS)),
        Param("by", "string", "rows per theme or per sub_theme", default="theme", enum=("theme", "sub_theme")),
        Param("days", "integer", "window length in days, ending at `to` (default: the newest unit); "
              "compared with the window before it", default=30, minimum=1, maximum=365),
        Param("compare", "boolean", "also compute the previous window and the change", default=True),
        Param("min_count", "integer", "hide rows with fewer responses mentioning the label", default=1, minimum=1, maximum=100000),
        Param("limit", "integer", "rows returned (most negative impact first)", default=30, minimum=1, maximum=200),
        *(p for p in filter_params() if p.name not in UNIT_LABEL_FILTERS),
    )


def _population(p: dict, principal: Principal, metric: im.Metric) -> dict:
    q = {k: v for k, v in p.items() if k not in ROW_SELECTORS}
    q["from"] = q["to"] = None
    base = filter_query(q, principal)
    clauses = [base, {"term": {"source": metric.source}}, {"exists": {"field": "rating"}}]
    if metric.tag:
        clauses.append({"term": {"tags": metric.tag}})
    return {"bool": {"filter": clauses}}


def _scan(es: Elasticsearch, names: IndexNames, query: dict) -> Iterator[dict]:
    """Every matching unit's few fields, paged with search_after (no scroll state to leak)."""
    after = None
    while True:
        kwargs: dict[str, Any] = {}
        if after is not None:
            kwargs["search_after"] = after
        resp = es.search(index=names.feedback, query=query, size=PAGE, sort=[{"created_at": "asc"}, {"unit_id": "asc"}],
                         _source=["source", "source_record_id", "rating", "created_at", "taxonomy.theme", "taxonomy.sub_theme"],
                         track_total_hits=False, **kwargs)
        hits = resp["hits"]["hits"]
        for h in hits:
            src = h["_source"]
            tax = src.get("taxonomy") or {}
            yield {"source": src.get("source"), "source_record_id": src.get("source_record_id"), "rating": src.get("rating"),
                   "created_at": src.get("created_at"), "theme": tax.get("theme") or [], "sub_theme": tax.get("sub_theme") or []}
        if len(hits) < PAGE:
            return
        after = hits[-1]["sort"]


def _sentiment_mix(es: Elasticsearch, names: IndexNames, p: dict, principal: Principal, level: str,
                   windows: dict[str, tuple[datetime, datetime]]) -> dict[str, dict[str, dict[str, int]]]:
    """label -> window -> sentiment label -> units, over every customer unit (all sources)."""
    q = {k: v for k, v in p.items() if k not in ROW_SELECTORS}
    q["from"] = q["to"] = None
    base = filter_query(q, principal)
    lo = min(s for s, _ in windows.values())
    hi = max(e for _, e in windows.values())
    resp = es.search(index=names.feedback, size=0,
                     query={"bool": {"filter": [base, {"range": {"created_at": {"gte": iso(lo), "lt": iso(hi)}}}]}},
                     aggs={"labels": {"terms": {"field": LEVEL_FIELD[level], "size": 500}, "aggs": {
                         "w": {"filters": {"filters": {name: {"range": {"created_at": {"gte": iso(s), "lt": iso(e)}}}
                                                       for name, (s, e) in windows.items()}},
                               "aggs": {"s": {"terms": {"field": "sentiment.label", "size": 5}}}}}}})
    out: dict[str, dict[str, dict[str, int]]] = {}
    for b in resp["aggregations"]["labels"]["buckets"]:
        out[b["key"]] = {name: {s["key"]: s["doc_count"] for s in wb["s"]["buckets"]} for name, wb in b["w"]["buckets"].items()}
    return out


def units_link(p: dict, metric: im.Metric | None, level: str, label: str, start: datetime, end: datetime) -> str:
    """The search that lists the units behind a number (same filters, same window)."""
    q: list[tuple[str, str]] = [(level, label)]
    if metric is not None:
        q.append(("source", metric.source))
    for name in LINK_FILTERS:
        for v in p.get(name) or []:
            q.append((name, v))
    q += [("from", iso(start)), ("to", iso(end))]
    return "/v1/search?" + urlencode(q)


def _population_link(p: dict, metric: im.Metric, start: datetime, end: datetime) -> str:
    q: list[tuple[str, str]] = [("source", metric.source)]
    for name in LINK_FILTERS:
        for v in p.get(name) or []:
            q.append((name, v))
    return "/v1/search?" + urlencode(q + [("from", iso(start)), ("to", iso(end))])


def _r(x: float | None, nd: int = 2) -> float | None:
    return None if x is None else round(x, nd)


def _ci(iv: im.Interval | None) -> list[float] | None:
    return None if iv is None else [round(iv.low, 2), round(iv.high, 2)]


def _impact_row(t: im.ThemeImpact) -> dict[str, Any]:
    return {"count": t.count, "responses": t.total, "share": round(t.share, 4), "score_all": _r(t.score_all),
            "score_without": _r(t.score_without), "score_theme": _r(t.score_theme), "impact": _r(t.impact),
            "impact_ci95": _ci(t.ci95), "mean_rating_theme": _r(t.mean_rating_theme), "mean_rating_rest": _r(t.mean_rating_rest)}


def impact_change(cur: im.ThemeImpact | None, prev: im.ThemeImpact | None) -> dict[str, Any] | None:
    """Change in impact between windows, with a 95% interval from the two (independent) intervals."""
    if cur is None or prev is None or cur.impact is None or prev.impact is None:
        return None
    delta = cur.impact - prev.impact
    ci = None
    if cur.ci95 is not None and prev.ci95 is not None:
        se = math.hypot((cur.ci95.high - cur.ci95.low) / (2 * im.Z95), (prev.ci95.high - prev.ci95.low) / (2 * im.Z95))
        ci = [round(delta - im.Z95 * se, 2), round(delta + im.Z95 * se, 2)]
    return {"impact_delta": round(delta, 2), "impact_delta_ci95": ci,
            "significant": bool(ci is not None and (ci[0] > 0 or ci[1] < 0))}


def _ns(n: im.NetSentiment) -> dict[str, Any]:
    return {"net": n.net, "ci95": _ci(n.ci95), "positive": n.positive, "neutral": n.neutral, "negative": n.negative,
            "units": n.total}


def compute(es: Elasticsearch, names: IndexNames, p: dict, principal: Principal) -> dict[str, Any]:
    if not principal.sees_revenue and (p.get("min_arr") is not None or p.get("max_arr") is not None):
        # as in /v1/search: a viewer must not learn revenue by narrowing a population by ARR
        raise ApiError(403, "forbidden", "min_arr/max_arr: revenue filters need the analyst role")
    metric = im.METRICS[p["metric"]]
    level = p["by"]
    population = _population(p, principal, metric)
    end = anchor(es, names, filter_query({**{k: v for k, v in p.items() if k not in ROW_SELECTORS}, "from": None, "to": None},
                                         principal), p.get("to"))
    length = timedelta(days=p["days"])
    windows = {"current": (end - length, end)}
    if p["compare"]:
        windows["previous"] = (end - 2 * length, end - length)
    lo = min(s for s, _ in windows.values())
    units = list(_scan(es, names, {"bool": {"filter": [population, {"range": {"created_at": {"gte": iso(lo), "lt": iso(end)}}}]}}))
    per_window: dict[str, list[im.Response]] = {}
    for name, (s, e) in windows.items():
        per_window[name] = im.group_responses((u for u in units if s <= _when(u["created_at"]) < e), metric, level)
    wanted = set(p.get(level) or []) or None
    rows_now = {r.label: r for r in im.impacts(per_window["current"], wanted, p["min_count"])}
    rows_prev = {r.label: r for r in im.impacts(per_window.get("previous", []), wanted or set(rows_now))} if p["compare"] else {}
    mix = _sentiment_mix(es, names, p, principal, level, windows)
    rows = []
    for label, cur in rows_now.items():
        prev = rows_prev.get(label)
        s, e = windows["current"]
        row: dict[str, Any] = {level: label, **_impact_row(cur),
                               "net_sentiment": _ns(im.net_sentiment(mix.get(label, {}).get("current", {}))),
                               "links": {"responses": units_link(p, metric, level, label, s, e),
                                         "units": units_link(p, None, level, label, s, e)}}
        if p["compare"]:
            ps, pe = windows["previous"]
            ns_prev = im.net_sentiment(mix.get(label, {}).get("previous", {}))
            row["previous"] = {**(_impact_row(prev) if prev else {"count": 0, "impact": None}),
                               "net_sentiment": _ns(ns_prev),
                               "links": {"responses": units_link(p, metric, level, label, ps, pe)}}
            row["change"] = {**(impact_change(cur, prev) or {"impact_delta": None, "impact_delta_ci95": None, "significant": False}),
                             "net_sentiment_delta": _r(im.change(row["net_sentiment"]["net"], ns_prev.net))}
        rows.append(row)
    rows = rows[: p["limit"]]
    out_windows = {name: {"from": iso(s), "to": iso(e)} for name, (s, e) in windows.items()}
    population_out = {name: {"responses": len(rs), "score": _r(im.mean_value(rs)),
                             "link": _population_link(p, metric, *windows[name])}
                      for name, rs in per_window.items()}
    return {
        "metric": {"name": metric.name, "label": metric.label, "source": metric.source, "scale": [metric.low, metric.high],
                   "unit": metric.unit},
        "by": level,
        "window": {**out_windows, "days": p["days"]},
        "population": population_out,
        "method": ("impact = score(all responses) - score(responses not mentioning the label); "
                   "95% interval by the delta method over share, theme mean and rest mean; "
                   "net sentiment = % positive - % negative units (all sources) with a multinomial 95% interval"),
        "rows": rows,
    }


def _when(value: Any) -> datetime:
    dt = datetime.fromisoformat(str(value).replace("Z", "+00:00"))
    return dt if dt.tzinfo else dt.replace(tzinfo=timezone.utc)


# ------------------------------------------------------------------------- the view
def impact(args: dict) -> Any:
    from flask import current_app, g

    s = current_app.extensions["voxindex"]
    return compute(s.es, s.names, args, g.principal)
