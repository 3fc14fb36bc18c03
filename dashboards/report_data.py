"""Gather the numbers for a weekly stakeholder report. Queries only, no rendering: every number is a
`Cell` that carries the `Filters` it was counted under, so the renderer can link it to its units.

Week = ISO week [Monday 00:00 UTC, next Monday); "last week" is the seven days before it.
"""
from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime, timedelta
from typing import Any

from elasticsearch import Elasticsearch

from voxindex.access import scoped_query, sees_revenue
from voxindex.access.policy import Operator
from voxindex.config import IndexNames

from .filters import TERM_FILTERS, Filters
from .impact_panel import fmt, impact_rows

# reports are produced by the operator's CLI or scheduler; the web view passes the signed-in caller
OPERATOR = Operator()

NEGATIVE_INTENTS = ("bug", "complaint", "churn_risk")
ESCALATION = ("high", "critical")


@dataclass
class Cell:
    value: Any
    filters: Filters | None = None  # the units behind this number
    fmt: str = "int"  # int | money | pct | delta | text | hours
    href: str | None = None  # a non-search link (alert, unit)

    def display(self) -> str:
        v = self.value
        if v is None:
            return "—"
        if self.fmt == "money":
            return f"${v:,.0f}"
        if self.fmt == "pct":
            return f"{v:.0%}"
        if self.fmt == "delta":
            return f"{v:+d}" if isinstance(v, int) else f"{v:+.0%}"
        if self.fmt == "int":
            return f"{int(v):,}"
        return str(v)


@dataclass
class Section:
    title: str
    intro: str
    columns: list[str]
    rows: list[list[Cell]] = field(default_factory=list)
    empty: str = "Nothing this week."


@dataclass
class ReportData:
    audience: str
    title: str
    week: str
    start: datetime
    end: datetime
    headline: list[tuple[str, Cell, Cell | None]] = field(default_factory=list)  # (label, this week, change)
    sections: list[Section] = field(default_factory=list)
    stage_times: list[Any] = field(default_factory=list)  # detectors.closed_loop.StageStat


# ---------------------------------------------------------------- small query helpers


def count(es: Elasticsearch, names: IndexNames, f: Filters, caller: Any = OPERATOR) -> int:
    return int(es.count(index=names.feedback, query=scoped_query(f, caller))["count"])


def breakdown(es: Elasticsearch, names: IndexNames, f: Filters, by: str, size: int = 10,
              with_arr: bool = False, caller: Any = OPERATOR) -> list[dict[str, Any]]:
    """Top values of `by` (a friendly filter name) with units, distinct accounts and — optionally —
    ARR counted once per account (terms per account + max ARR, summed here: no pipeline aggs)."""
    with_arr = with_arr and sees_revenue(caller)
    sub: dict[str, Any] = {"accounts": {"cardinality": {"field": "account.account_id"}}}
    if by == "account":
        sub["name"] = {"terms": {"field": "account.name", "size": 1}}
    if with_arr:
        sub["per_account"] = {"terms": {"field": "account.account_id", "size": 1000},
                              "aggs": {"arr": {"max": {"field": "account.arr"}}}}
    res = es.search(index=names.feedback, size=0, query=scoped_query(f, caller),
                    aggs={"by": {"terms": {"field": TERM_FILTERS[by], "size": size}, "aggs": sub}})
    rows = []
    for b in res["aggregations"]["by"]["buckets"]:
        row = {"key": b["key"], "units": b["doc_count"], "accounts": b["accounts"]["value"],
               "label": _first(b["name"]) if "name" in b else b["key"]}
        if with_arr:
            row["arr"] = sum(a["arr"]["value"] or 0.0 for a in b["per_account"]["buckets"])
        rows.append(row)
    return rows


def daily(es: Elasticsearch, names: IndexNames, f: Filters, caller: Any = OPERATOR) -> list[tuple[datetime, int]]:
    from voxindex.model import parse_time

    res = es.search(index=names.feedback, size=0, query=scoped_query(f, caller), aggs={"d": {"date_histogram": {
        "field": "created_at", "calendar_interval": "1d", "min_doc_count": 0,
        **({"extended_bounds": {"min": f.start.isoformat(), "max": (f.end - timedelta(seconds=1)).isoformat()}}
           if f.start and f.end else {})}}})
    return [(parse_time(b["key_as_string"]), b["doc_count"]) for b in res["aggregations"]["d"]["buckets"]]


def distinct_accounts_arr(es: Elasticsearch, names: IndexNames, f: Filters,
                          caller: Any = OPERATOR) -> tuple[int, float | None]:
    """(distinct accounts, their ARR counted once each); ARR is None for callers who may not see it."""
    aggs_body: dict[str, Any] = {"n": {"cardinality": {"field": "account.account_id"}}}
    if sees_revenue(caller):
        aggs_body["per"] = {"terms": {"field": "account.account_id", "size": 5000},
                            "aggs": {"arr": {"max": {"field": "account.arr"}}}}
    res = es.search(index=names.feedback, size=0, query=scoped_query(f, caller), aggs=aggs_body)
    aggs = res["aggregations"]
    arr = sum(b["arr"]["value"] or 0.0 for b in aggs["per"]["buckets"]) if "per" in aggs else None
    return int(aggs["n"]["value"]), arr


def alerts_in(es: Elasticsearch, names: IndexNames, start: datetime | None = None, end: datetime | None = None,
              states: tuple[str, ...] | None = None, size: int = 200, caller: Any = OPERATOR) -> list[dict]:
    """Alerts detected in [start, end), as `caller` may see them (scope, revenue-free text)."""
    from voxindex.access import alerts as alert_access

    flt: list[dict] = []
    if start or end:
        rng = {k: v.isoformat() for k, v in (("gte", start), ("lt", end)) if v}
        flt.append({"range": {"stages.detected": rng}})
    if states:
        flt.append({"terms": {"state": list(states)}})
    res = es.search(index=names.alerts, size=size, query={"bool": {"filter": flt, "must_not": [{"term": {"kind": "silence"}}]}},
                    sort=[{"impact.score": {"order": "desc", "missing": "_last"}}])
    return alert_access.visible(es, names.feedback, [h["_source"] for h in res["hits"]["hits"]], caller)


def _pct_change(now: int | float, before: int | float) -> float | None:
    return None if not before else (now - before) / before


def _delta(now: int, before: int) -> Cell:
    return Cell(now - before, fmt="delta")


def _week_filters(start: datetime) -> tuple[Filters, Filters]:
    this = Filters(start=start, end=start + timedelta(days=7))
    last = Filters(start=start - timedelta(days=7), end=start)
    return this, last


def _alert_rows(es: Elasticsearch, names: IndexNames, alerts: list[dict]) -> list[list[Cell]]:
    """One row per alert; "Units" is recounted under the filters its link carries (theme/sub-theme
    in the alert window), so the number and the page it opens always agree."""
    from voxindex.model import parse_time

    rows = []
    for a in alerts:
        f = Filters(theme=(a["theme"],) if a.get("theme") and not a.get("sub_theme") else (),
                    sub_theme=(a["sub_theme"],) if a.get("sub_theme") else (),
                    start=parse_time(a["window_start"]) if a.get("window_start") else None,
                    end=parse_time(a["window_end"]) + timedelta(seconds=1) if a.get("window_end") else None)
        rows.append([Cell(a.get("title"), fmt="text", href=f"/ui/alerts/{a['alert_id']}"), Cell(a.get("state"), fmt="text"),
                     Cell(a.get("owner") or "unowned", fmt="text"),
                     Cell(count(es, names, f), f),
                     Cell(f"{a.get('observed') or 0:.0f} vs {a.get('expected') or 0:.1f}", fmt="text")])
    return rows


# ---------------------------------------------------------------- audiences


def engineering(es, names, start) -> ReportData:
    this, last = _week_filters(start)
    bug, bug_last = this.with_(intent="bug"), last.with_(intent="bug")
    n, n_last = count(es, names, bug), count(es, names, bug_last)
    data = ReportData("engineering", "Engineering: defect patterns", "", start, this.end)
    data.headline = [("Bug reports", Cell(n, bug), _delta(n, n_last))]
    prev = {r["key"]: r["units"] for r in breakdown(es, names, bug_last, "sub_theme", 50)}
    sec = Section("Bug reports by sub-theme", "Customer units classified as bugs, grouped by sub-theme.",
                  ["Sub-theme", "Units", "Accounts", "vs last week"])
    for r in breakdown(es, names, bug, "sub_theme", 15):
        f = bug.with_(sub_theme=r["key"])
        sec.rows.append([Cell(r["key"], f, "text"), Cell(r["units"], f), Cell(r["accounts"], f), _delta(r["units"], prev.get(r["key"], 0))])
    data.sections.append(sec)
    sec = Section("Top generators", "Accounts filing the most bug reports this week.", ["Account", "Bug units"])
    for r in breakdown(es, names, bug, "account", 10):
        f = bug.with_(account=r["key"])
        sec.rows.append([Cell(r["label"] or r["key"], f, "text"), Cell(r["units"], f)])
    data.sections.append(sec)
    total_bug_share = n / max(count(es, names, this), 1)
    sec = Section("Version correlation", "Bug share per app version against the week's overall bug share "
                  f"({total_bug_share:.0%}); a lift well above 1 points at a release.",
                  ["App version", "Bug units", "All units", "Bug share", "Lift"])
    all_by_version = {r["key"]: r["units"] for r in breakdown(es, names, this, "app_version", 30)}
    for r in breakdown(es, names, bug, "app_version", 15):
        total = all_by_version.get(r["key"], r["units"])
        share = r["units"] / max(total, 1)
        sec.rows.append([Cell(r["key"], bug.with_(app_version=r["key"]), "text"), Cell(r["units"], bug.with_(app_version=r["key"])),
                         Cell(total, this.with_(app_version=r["key"])), Cell(share, fmt="pct"),
                         Cell(f"{share / total_bug_share:.2f}x" if total_bug_share else "—", fmt="text")])
    data.sections.append(sec)
    sec = Section("Spikes from alerts", "Alerts detected this week; counts link to the units in each alert's window.",
                  ["Alert", "State", "Owner", "Units", "Observed vs expected"])
    sec.rows = _alert_rows(es, names, alerts_in(es, names, this.start, this.end))
    data.sections.append(sec)
    return data


def support(es, names, start) -> ReportData:
    this, last = _week_filters(start)
    esc, esc_last = this.with_(severity=list(ESCALATION)), last.with_(severity=list(ESCALATION))
    n, n_last = count(es, names, this), count(es, names, last)
    e, e_last = count(es, names, esc), count(es, names, esc_last)
    data = ReportData("support", "Support: volume, escalations, knowledge gaps", "", start, this.end)
    data.headline = [("Feedback units", Cell(n, this), _delta(n, n_last)),
                     ("Escalations (high/critical)", Cell(e, esc), _delta(e, e_last))]
    sec = Section("Daily volume and escalations", "Units per day and how many were high or critical severity.",
                  ["Day", "Units", "Escalations", "Escalation rate"])
    esc_days = dict(daily(es, names, esc))
    for day, units in daily(es, names, this):
        f = this.with_(start=day, end=day + timedelta(days=1))
        ed = esc_days.get(day, 0)
        sec.rows.append([Cell(day.strftime("%a %d %b"), f, "text"), Cell(units, f),
                         Cell(ed, f.with_(severity=list(ESCALATION))), Cell(ed / units if units else None, fmt="pct")])
    data.sections.append(sec)
    prev = {r["key"]: r["units"] for r in breakdown(es, names, last, "channel", 20)}
    sec = Section("Volume by channel", "Where this week's feedback arrived.", ["Channel", "Units", "vs last week"])
    for r in breakdown(es, names, this, "channel", 20):
        f = this.with_(channel=r["key"])
        sec.rows.append([Cell(r["key"], f, "text"), Cell(r["units"], f), _delta(r["units"], prev.get(r["key"], 0))])
    data.sections.append(sec)
    q = this.with_(intent="question")
    sec = Section("Knowledge-gap candidates", "Questions customers keep asking, by sub-theme: candidates for a help "
                  "article or macro.", ["Sub-theme", "Questions", "Accounts"])
    for r in breakdown(es, names, q, "sub_theme", 10):
        f = q.with_(sub_theme=r["key"])
        sec.rows.append([Cell(r["key"], f, "text"), Cell(r["units"], f), Cell(r["accounts"], f)])
    data.sections.append(sec)
    return data


def product(es, names, start) -> ReportData:
    this, _ = _week_filters(start)
    pain = this.with_(intent=list(NEGATIVE_INTENTS))
    data = ReportData("product", "Product: pain points and feature requests", "", start, this.end)
    accounts, arr = distinct_accounts_arr(es, names, pain)
    data.headline = [("Accounts with pain points", Cell(accounts, pain), None), ("ARR behind them", Cell(arr, pain, "money"), None)]
    sec = Section("Pain points ranked by ARR", "Bugs, complaints and churn-risk feedback by sub-theme; ARR is counted "
                  "once per account.", ["Sub-theme", "ARR affected", "Accounts", "Units"])
    rows = sorted(breakdown(es, names, pain, "sub_theme", 30, with_arr=True), key=lambda r: (-r["arr"], -r["accounts"]))
    for r in rows[:12]:
        f = pain.with_(sub_theme=r["key"])
        sec.rows.append([Cell(r["key"], f, "text"), Cell(r["arr"], f, "money"), Cell(r["accounts"], f), Cell(r["units"], f)])
    data.sections.append(sec)
    fr = this.with_(intent="feature_request")
    sec = Section("Feature requests sized", "Requests by sub-theme, sized by distinct accounts and their ARR.",
                  ["Request area", "Accounts", "ARR", "Units"])
    rows = sorted(breakdown(es, names, fr, "sub_theme", 30, with_arr=True), key=lambda r: (-r["accounts"], -r["arr"]))
    for r in rows[:12]:
        f = fr.with_(sub_theme=r["key"])
        sec.rows.append([Cell(r["key"], f, "text"), Cell(r["accounts"], f), Cell(r["arr"], f, "money"), Cell(r["units"], f)])
    data.sections.append(sec)
    data.sections.append(_impact(es, names, this.end, "sub_theme"))
    return data


def _impact(es, names, end, by):
    return impact_section(es, names, end, by)  # NPS impact and net sentiment per theme, as /v1/impact computes them


def impact_section(es, names, end: datetime, by: str = "theme", days: int = 28, limit: int = 8):
    """A report section: what moves NPS over the `days` before `end`, each number linked to its responses."""
    data = impact_rows(es, names, end, days=days, by=by, limit=limit)
    pop = (data.get("population") or {}).get("current") or {}
    label = "Sub-theme" if by == "sub_theme" else "Theme"
    sec = Section(f"What moves NPS (last {days} days)",
                  f"NPS {fmt(pop.get('score'))} over {pop.get('responses', 0)} responses with a comment. Impact = NPS minus "
                  "NPS without the responses that mention it (negative drags it down), 95% interval, change against the "
                  f"{days} days before; net sentiment = % positive − % negative units.",
                  [label, "NPS impact", "95% CI", "Responses", "Δ impact", "Net sentiment", "Δ net"],
                  empty=data.get("error") or "No NPS responses with comments in this window.")
    start = end - timedelta(days=days)
    for r in data["rows"]:
        f = Filters(start=start, end=end, source=("survey",), **{data["by"]: (r["label"],)})
        units = f.with_(source=())
        ci = r.get("impact_ci95")
        ch = r.get("change") or {}
        sec.rows.append([
            Cell(r["label"], f, "text"), Cell(fmt(r["impact"]), f, "text"),
            Cell(f"{ci[0]:+.1f} … {ci[1]:+.1f}" if ci else "—", fmt="text"), Cell(r["count"], f),
            Cell(fmt(ch.get("impact_delta")) + (" *" if ch.get("significant") else ""), fmt="text"),
            Cell(fmt(r["net_sentiment"]["net"]), units, "text"), Cell(fmt(ch.get("net_sentiment_delta")), fmt="text"),
        ])
    return sec


def success(es, names, start) -> ReportData:
    this, _ = _week_filters(start)
    risky = this.with_(intent=list(NEGATIVE_INTENTS))
    data = ReportData("success", "Customer success: accounts at risk", "", start, this.end)
    res = es.search(index=names.feedback, size=0, query=scoped_query(risky, OPERATOR), aggs={"acc": {
        "terms": {"field": "account.account_id", "size": 25},
        "aggs": {"arr": {"max": {"field": "account.arr"}}, "name": {"terms": {"field": "account.name", "size": 1}},
                 "health": {"terms": {"field": "account.health", "size": 1}},
                 "churn": {"filter": {"term": {"intent.label": "churn_risk"}}},
                 "top": {"terms": {"field": "taxonomy.sub_theme", "size": 1}},
                 "latest": {"top_hits": {"size": 1, "sort": [{"created_at": "desc"}], "_source": ["unit_id", "text"]}}}}})
    buckets = res["aggregations"]["acc"]["buckets"]
    # rank: churn signals first, then red health, then ARR
    rank = {"red": 0, "yellow": 1, "green": 2}
    buckets.sort(key=lambda b: (-b["churn"]["doc_count"], rank.get(_first(b["health"]), 3), -(b["arr"]["value"] or 0)))
    data.headline = [("Accounts with negative feedback", Cell(len(buckets), risky), None)]
    sec = Section("Accounts at risk", "Accounts with bug, complaint or churn-risk feedback this week: churn signals first, "
                  "then red health, then ARR.", ["Account", "Health", "ARR", "Negative units", "Churn signals", "Top issue", "Latest feedback"])
    for b in buckets:
        f = risky.with_(account=b["key"])
        hit = b["latest"]["hits"]["hits"][0]["_source"]
        sec.rows.append([Cell(_first(b["name"]) or b["key"], f, "text"), Cell(_first(b["health"]), fmt="text"),
                         Cell(b["arr"]["value"], fmt="money"), Cell(b["doc_count"], f),
                         Cell(b["churn"]["doc_count"], f.with_(intent="churn_risk")), Cell(_first(b["top"]), fmt="text"),
                         Cell(_excerpt(hit["text"]), fmt="text", href=f"/ui/unit/{hit['unit_id']}")])
    data.sections.append(sec)
    return data


def leadership(es, names, start) -> ReportData:
    this, last = _week_filters(start)
    n, n_last = count(es, names, this), count(es, names, last)
    neg, neg_last = count(es, names, this.with_(sentiment="negative")), count(es, names, last.with_(sentiment="negative"))
    acc, arr = distinct_accounts_arr(es, names, this)
    acc_last, arr_last = distinct_accounts_arr(es, names, last)
    data = ReportData("leadership", "Leadership: the week's voice of the customer", "", start, this.end)
    data.headline = [
        ("Feedback units", Cell(n, this), _delta(n, n_last)),
        ("Accounts heard from", Cell(acc, this), _delta(acc, acc_last)),
        ("ARR of those accounts", Cell(arr, this, "money"), Cell(_pct_change(arr, arr_last), fmt="delta") if arr_last else None),
        ("Negative share", Cell(neg / n if n else None, fmt="pct"),
         Cell((neg / n if n else 0) - (neg_last / n_last if n_last else 0), fmt="delta") if n_last else None),
    ]
    now_rows = {r["key"]: r for r in breakdown(es, names, this, "sub_theme", 50)}
    prev_rows = {r["key"]: r for r in breakdown(es, names, last, "sub_theme", 50)}
    changes = sorted(set(now_rows) | set(prev_rows),
                     key=lambda k: -abs(now_rows.get(k, {}).get("units", 0) - prev_rows.get(k, {}).get("units", 0)))
    sec = Section("What changed vs last week", "Sub-themes with the biggest change in volume.",
                  ["Sub-theme", "This week", "Last week", "Change"])
    for k in changes[:8]:
        a, b = now_rows.get(k, {}).get("units", 0), prev_rows.get(k, {}).get("units", 0)
        sec.rows.append([Cell(k, this.with_(sub_theme=k), "text"), Cell(a, this.with_(sub_theme=k)),
                         Cell(b, last.with_(sub_theme=k)), _delta(a, b)])
    data.sections.append(sec)
    sec = Section("Top themes", "Themes by distinct accounts, with ARR counted once per account.", ["Theme", "Accounts", "ARR", "Units"])
    for r in sorted(breakdown(es, names, this, "theme", 10, with_arr=True), key=lambda r: -r["accounts"]):
        f = this.with_(theme=r["key"])
        sec.rows.append([Cell(r["key"], f, "text"), Cell(r["accounts"], f), Cell(r["arr"], f, "money"), Cell(r["units"], f)])
    data.sections.append(sec)
    data.sections.append(_impact(es, names, this.end, "theme"))
    sec = Section("Alerts raised this week", "Each alert's units link to its evidence.", ["Alert", "State", "Owner", "Units", "Observed vs expected"])
    sec.rows = _alert_rows(es, names, alerts_in(es, names, this.start, this.end))
    data.sections.append(sec)
    return data


def _first(agg: dict) -> str | None:
    buckets = agg.get("buckets") or []
    return buckets[0]["key"] if buckets else None


def _excerpt(text: str, n: int = 90) -> str:
    text = " ".join((text or "").split())
    return text if len(text) <= n else text[: n - 1] + "…"


AUDIENCES = {"engineering": engineering, "support": support, "product": product, "success": success, "leadership": leadership}


def gather(es: Elasticsearch, names: IndexNames, audience: str, week_start: datetime) -> ReportData:
    """All the numbers for one audience's report of the ISO week starting `week_start` (a Monday)."""
    from detectors.closed_loop import stage_summary

    if audience not in AUDIENCES:
        raise ValueError(f"unknown audience {audience!r}; use one of {', '.join(AUDIENCES)}")
    data = AUDIENCES[audience](es, names, week_start)
    iso = week_start.isocalendar()
    data.week = f"{iso.year}-W{iso.week:02d}"
    if audience in ("engineering", "leadership", "support"):
        # feedback-to-fix times over the alerts fixed in the last 90 days
        recent = [a for a in alerts_in(es, names, week_start - timedelta(days=90), week_start + timedelta(days=7), size=1000)]
        data.stage_times = stage_summary(recent)
    return data
