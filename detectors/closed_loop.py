"""Closing the loop: did the fix actually make the feedback go away?

An alert that was fixed (`transition(..., "fix", external_ticket=...)` stamps `stages.fixed` and
moves it to `resolved`) is checked once N days have passed since the fix:

    baseline = units of its theme/sub-theme in the N days before detection  (the normal level)
    after    = units in the N days after the fix

If `after` is significantly above what the baseline rate predicts (one-sided Poisson test,
P(X >= after | baseline rate) < alpha) the problem is still there: the alert is reopened.
Otherwise the volume is back to normal and the alert is validated. The verdict, counts and p-value
go into the alert history through the lifecycle's own `transition`, so stages stay consistent.

Also here: per-stage times (detected -> acknowledged -> assigned -> fixed -> validated, and
first feedback -> fix) that the reports and the web view show.
"""
from __future__ import annotations

import math
import statistics
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from typing import Any

from elasticsearch import Elasticsearch

from voxindex.config import IndexNames
from voxindex.model import iso, parse_time, utcnow
from voxindex.stats import poisson_tail

from .fields import base_clauses, time_range

ACTOR = "closed-loop"
# (label, from stage, to stage); "feedback" is the alert's first evidence (first_seen/window_start)
STAGE_SPANS: tuple[tuple[str, str, str], ...] = (
    ("detected → acknowledged", "detected", "acknowledged"),
    ("acknowledged → assigned", "acknowledged", "assigned"),
    ("assigned → fixed", "assigned", "fixed"),
    ("fixed → validated", "fixed", "validated"),
    ("feedback → fix", "feedback", "fixed"),
)


@dataclass
class Verdict:
    alert_id: str
    title: str
    verdict: str  # "validated" | "reopened" | "pending" | "skipped"
    baseline_units: int = 0
    after_units: int = 0
    days: int = 7
    expected_after: float = 0.0
    p_elevated: float = 1.0
    reason: str = ""
    applied: bool = False

    def summary(self) -> str:
        return (f"{self.alert_id}  {self.verdict:9s}  baseline {self.baseline_units} in {self.days}d before detection, "
                f"{self.after_units} in {self.days}d after fix (expected {self.expected_after:.1f}, "
                f"p={self.p_elevated:.3g})  {self.title}" + (f"  [{self.reason}]" if self.reason else ""))

    def note(self) -> str:
        return (f"closed-loop check: {self.after_units} units in {self.days}d after fix vs {self.baseline_units} in "
                f"{self.days}d before detection (expected {self.expected_after:.1f}, P(>=)={self.p_elevated:.3g}) "
                f"-> {self.verdict}")


def _when(alert: dict, stage: str) -> datetime | None:
    value = (alert.get("stages") or {}).get(stage)
    if stage == "detected":
        value = value or alert.get("first_seen") or alert.get("created_at")
    if stage == "feedback":
        value = alert.get("window_start") or alert.get("first_seen") or (alert.get("stages") or {}).get("detected")
    return parse_time(value) if value else None


def stage_durations(alert: dict) -> dict[str, float]:
    """Hours spent in each span this alert has completed."""
    out: dict[str, float] = {}
    for label, a, b in STAGE_SPANS:
        start, end = _when(alert, a), _when(alert, b)
        if start and end and end >= start:
            out[label] = (end - start).total_seconds() / 3600.0
    return out


@dataclass
class StageStat:
    label: str
    alerts: int
    median_hours: float | None
    p90_hours: float | None = None

    @property
    def human(self) -> str:
        return human_hours(self.median_hours)


def human_hours(hours: float | None) -> str:
    if hours is None:
        return "—"
    if hours < 48:
        return f"{hours:.1f} h"
    return f"{hours / 24:.1f} d"


def stage_summary(alerts: list[dict]) -> list[StageStat]:
    """Median (and p90) time per span over the alerts that completed it."""
    per: dict[str, list[float]] = {label: [] for label, _, _ in STAGE_SPANS}
    for alert in alerts:
        for label, hours in stage_durations(alert).items():
            per[label].append(hours)
    stats = []
    for label, values in per.items():
        values.sort()
        p90 = values[min(len(values) - 1, math.ceil(0.9 * len(values)) - 1)] if values else None
        stats.append(StageStat(label, len(values), statistics.median(values) if values else None, p90))
    return stats


# ---------------------------------------------------------------- validation


def _theme_clauses(alert: dict) -> list[dict] | None:
    if alert.get("sub_theme"):
        return [{"term": {"taxonomy.sub_theme": alert["sub_theme"]}}]
    if alert.get("theme"):
        return [{"term": {"taxonomy.theme": alert["theme"]}}]
    return None


def count_units(es: Elasticsearch, names: IndexNames, clauses: list[dict], start: datetime, end: datetime) -> int:
    flt, must_not = base_clauses()
    query = {"bool": {"filter": flt + clauses + [time_range(start, end)], "must_not": must_not}}
    return int(es.count(index=names.feedback, query=query)["count"])


def judge(baseline_units: int, after_units: int, days_before: float, days_after: float, alpha: float) -> tuple[str, float, float]:
    """(verdict, expected_after, p) — pure, for tests and for reading. The baseline rate has a floor
    of half a unit per window so a theme that was silent before detection is not 'infinitely' elevated
    by a single unit after the fix."""
    rate = max(baseline_units, 0.5) / max(days_before, 1e-9)
    expected = rate * days_after
    p = poisson_tail(after_units, expected)
    return ("reopened" if p < alpha else "validated"), expected, p


def candidates(es: Elasticsearch, names: IndexNames, alert_ids: list[str] | None = None) -> list[dict]:
    flt: list[dict] = [{"term": {"state": "resolved"}}, {"exists": {"field": "stages.fixed"}}]
    if alert_ids:
        flt.append({"terms": {"alert_id": alert_ids}})
    res = es.search(index=names.alerts, size=1000, query={"bool": {"filter": flt}}, sort=[{"stages.fixed": "asc"}])
    return [h["_source"] for h in res["hits"]["hits"]]


def check_alert(es: Elasticsearch, names: IndexNames, alert: dict, days: int, alpha: float, now: datetime) -> Verdict:
    v = Verdict(alert["alert_id"], alert.get("title") or "", "skipped", days=days)
    clauses = _theme_clauses(alert)
    detected, fixed = _when(alert, "detected"), _when(alert, "fixed")
    if clauses is None:
        v.reason = "alert has no theme or sub_theme to measure"
        return v
    if not detected or not fixed:
        v.reason = "missing detected or fixed stage"
        return v
    window = timedelta(days=days)
    if fixed + window > now:
        v.verdict, v.reason = "pending", f"post-fix window ends {iso(fixed + window)}"
        return v
    v.baseline_units = count_units(es, names, clauses, detected - window, detected)
    v.after_units = count_units(es, names, clauses, fixed, fixed + window)
    v.verdict, v.expected_after, v.p_elevated = judge(v.baseline_units, v.after_units, days, days, alpha)
    return v


def validate_fixes(es: Elasticsearch, names: IndexNames, days: int = 7, alpha: float = 0.05, apply: bool = True,
                   alert_ids: list[str] | None = None, now: datetime | None = None, actor: str = ACTOR) -> list[Verdict]:
    """Check every fixed (resolved with a `fixed` stage) alert whose post-fix window has elapsed."""
    from .lifecycle import transition

    now = now or utcnow()
    verdicts = []
    for alert in candidates(es, names, alert_ids):
        v = check_alert(es, names, alert, days, alpha, now)
        if apply and v.verdict in ("validated", "reopened"):
            transition(es, names, alert["alert_id"], "validate" if v.verdict == "validated" else "reopen",
                       actor=actor, note=v.note())
            v.applied = True
        verdicts.append(v)
    return verdicts


def loop_rows(alerts: list[dict]) -> list[dict[str, Any]]:
    """One display row per alert: ticket, stage stamps and durations (reports and web view)."""
    rows = []
    for alert in alerts:
        stamps = {s: _when(alert, s) for s in ("feedback", "detected", "acknowledged", "assigned", "fixed", "validated", "reopened")}
        rows.append({"alert": alert, "stamps": stamps, "durations": {k: human_hours(h) for k, h in stage_durations(alert).items()},
                     "ticket": alert.get("external_ticket"), "ticket_url": ticket_url(alert.get("external_ticket"))})
    return rows


def ticket_url(ticket: str | None, jira_base: str | None = None) -> str | None:
    """A Jira key (`PERF-101`) becomes a browse URL under Settings.jira_url (VOXINDEX_JIRA_URL); a URL stays itself."""
    import re

    from voxindex.config import get_settings

    if not ticket:
        return None
    if re.match(r"^https?://", ticket):
        return ticket
    base = jira_base or get_settings().jira_url
    if base and re.match(r"^[A-Z][A-Z0-9]+-\d+$", ticket):
        return f"{base.rstrip('/')}/browse/{ticket}"
    return None
