"""Backtest: replay the rules over history and score them against ground_truth/incidents.json.

Each step evaluates every rule as of that time; detectors only ever query data created
before their evaluation time, so the replay sees what production would have seen. Alerts go to
a scratch alerts index (dedup/realert behave as in production) that is dropped afterwards.

An alert matches an incident when its theme/sub_theme equal the incident's, none of its
conditions contradict the incident's filters (app_version, segment, region...), and its window
[window_start, last_seen] overlaps the incident's. Alerts of theme-bearing rules (spike, trend,
new_term) that match no incident are false alarms; other kinds are listed but not scored.
"""
from __future__ import annotations

import json
import uuid
from dataclasses import dataclass
from datetime import datetime, timedelta
from pathlib import Path
from typing import Any

from elasticsearch import Elasticsearch

from voxindex.config import IndexNames, Settings
from voxindex.model import parse_time

from .rule_types import RULE_TYPES
from .rules import Rule, parse_duration

SCORED_KINDS = tuple(name for name, kind in RULE_TYPES.items() if kind.claims_theme)  # spike, trend, new_term


@dataclass(frozen=True)
class ScratchNames(IndexNames):
    """Reads feedback/state under the real prefix, writes alerts to a scratch prefix."""

    scratch: str = ""

    def alias(self, kind: str) -> str:
        return f"{self.scratch}-{kind}" if kind == "alerts" else super().alias(kind)

    def write_alias(self, kind: str) -> str:
        return f"{self.scratch}-{kind}-write" if kind == "alerts" else super().write_alias(kind)


def load_incidents(data_dir: str | Path | None) -> list[dict]:
    if not data_dir:
        return []
    path = Path(data_dir) / "ground_truth" / "incidents.json"
    if not path.exists():
        raise FileNotFoundError(f"{path} not found; point --data at the directory `voxindex demo-data --out` wrote")
    incidents = json.loads(path.read_text())
    for inc in incidents:
        inc["_start"], inc["_end"] = parse_time(inc["start"]), parse_time(inc["end"])
    return incidents


def _vals(v: Any) -> set[str]:
    if v is None:
        return set()
    return {str(x) for x in (v if isinstance(v, list) else [v])}


def matches(alert: dict, incident: dict) -> bool:
    dim = alert.get("dimension") or {}
    cond = {**(dim.get("filters") or {}), **(dim.get("by") or {})}
    themes = _vals(cond.get("theme")) | _vals(cond.get("primary_theme"))
    subs = _vals(cond.get("sub_theme")) | _vals(cond.get("primary_sub_theme"))
    if not themes and not subs:
        return False
    if themes and incident.get("theme") not in themes:
        return False
    if subs and incident.get("sub_theme") not in subs:
        return False
    for key, value in (incident.get("filters") or {}).items():
        if key in cond and str(value) not in _vals(cond[key]):
            return False
    start, end = parse_time(alert["window_start"]), parse_time(alert["last_seen"])
    return start <= incident["_end"] and end >= incident["_start"]


def _data_range(es: Elasticsearch, names: IndexNames) -> tuple[datetime, datetime]:
    res = es.search(index=names.feedback, size=0, aggs={"lo": {"min": {"field": "created_at"}}, "hi": {"max": {"field": "created_at"}}})
    lo, hi = res["aggregations"]["lo"].get("value_as_string"), res["aggregations"]["hi"].get("value_as_string")
    if not lo:
        raise ValueError(f"{names.feedback} is empty; ingest the data first (`voxindex ingest DIR`)")
    return parse_time(lo), parse_time(hi)


def run_backtest(es: Elasticsearch, settings: Settings, rules: list[Rule], *, data_dir=None, start=None, end=None,
                 step: str | timedelta = "1d", routing=None, progress: bool = True) -> dict:
    from tqdm import tqdm

    from voxindex.setup import ensure_index, load_spec

    from .runner import run_once

    base = settings.indices
    step_td = parse_duration(step)
    lo, hi = _data_range(es, base)
    t0 = parse_time(start, "--from") if start else lo + timedelta(days=14)
    t1 = parse_time(end, "--to") if end else hi + timedelta(seconds=1)
    if t1 <= t0:
        raise ValueError(f"--to ({t1}) must be after --from ({t0})")
    incidents = load_incidents(data_dir)
    names = ScratchNames(prefix=base.prefix, scratch=f"{base.prefix}-backtest-{uuid.uuid4().hex[:6]}")
    physical = ensure_index(es, names, load_spec("alerts"))
    steps, errors = [], []
    t = t0
    while t <= t1:
        steps.append(t)
        t += step_td
    try:
        for at in tqdm(steps, desc="backtest", unit="step", disable=not progress, file=None):
            res = run_once(es, settings, rules, at, names=names, notify=False, routing=routing, retry=False)
            errors += res.errors
        alerts = [h["_source"] for h in es.search(index=names.alerts, size=10000, query={"match_all": {}},
                                                  sort=[{"first_seen": "asc"}])["hits"]["hits"]]
    finally:
        es.options(ignore_status=404).indices.delete(index=physical)
        es.options(ignore_status=404).indices.delete_index_template(name=f"{names.scratch}-alerts")
    return score(alerts, incidents, t0, t1, step_td, errors)


def score(alerts: list[dict], incidents: list[dict], t0: datetime, t1: datetime, step: timedelta, errors=()) -> dict:
    weeks = max((t1 - t0).total_seconds() / (7 * 86400), 1e-9)
    per_incident = []
    matched_ids: set[str] = set()
    for inc in incidents:
        hits = [a for a in alerts if matches(a, inc)]
        matched_ids.update(a["alert_id"] for a in hits)
        first = min(hits, key=lambda a: a["first_seen"]) if hits else None
        delay = (parse_time(first["first_seen"]) - inc["_start"]) if first else None
        per_incident.append({
            "id": inc["id"], "title": inc.get("title"), "kind": inc.get("kind"), "start": inc["start"],
            "detected": bool(first), "delay_hours": round(delay.total_seconds() / 3600, 1) if delay is not None else None,
            "first_alert": f"{first['rule']}: {first['title']}" if first else None, "matching_alerts": len(hits),
        })
    # a new value that bears a theme (a new sub-theme) was a spike before new_value existed: still scored
    scored = [a for a in alerts if a.get("kind") in SCORED_KINDS
              or (a.get("kind") == "new_value" and (a.get("theme") or a.get("sub_theme")))]
    false_alarms = [a for a in scored if a["alert_id"] not in matched_ids]
    detected = sum(1 for p in per_incident if p["detected"])
    by_kind: dict[str, int] = {}
    for a in alerts:
        by_kind[a.get("kind")] = by_kind.get(a.get("kind"), 0) + 1
    return {
        "from": t0, "to": t1, "step_hours": step.total_seconds() / 3600, "weeks": round(weeks, 2),
        "incidents": per_incident, "recall": round(detected / len(incidents), 3) if incidents else None,
        "alerts": len(alerts), "alerts_by_kind": by_kind, "false_alarms": len(false_alarms),
        "false_alarms_per_week": round(len(false_alarms) / weeks, 2),
        "false_alarm_examples": [f"{a['rule']}: {a['title']} ({a['first_seen'][:10]})" for a in false_alarms[:10]],
        "errors": sorted(set(errors))[:10],
    }


def format_report(r: dict) -> str:
    lines = [f"Backtest {r['from']:%Y-%m-%d %H:%M} .. {r['to']:%Y-%m-%d %H:%M} every {r['step_hours']:g}h "
             f"({r['weeks']} weeks), {r['alerts']} alerts {r['alerts_by_kind']}", ""]
    lines.append(f"{'incident':22s} {'kind':10s} {'detected':8s} {'delay (h)':>9s}  first alert")
    for p in r["incidents"]:
        lines.append(f"{p['id']:22s} {str(p['kind']):10s} {'yes' if p['detected'] else 'NO':8s} "
                     f"{'' if p['delay_hours'] is None else p['delay_hours']:>9}  {p['first_alert'] or '-'}")
    lines += ["", f"recall {r['recall']}   false alarms {r['false_alarms']} ({r['false_alarms_per_week']}/week)"]
    if r["false_alarm_examples"]:
        lines.append("false alarms, first ones: " + "; ".join(r["false_alarm_examples"]))
    if r["errors"]:
        lines.append("rule errors: " + "; ".join(r["errors"]))
    return "\n".join(lines)
