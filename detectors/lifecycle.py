"""Alert lifecycle: dedup, realert, growth, routing, states, silences.

One alert per condition (dedup key) at a time: the same condition seen again within the
rule's realert window grows the existing alert (last_seen, window, unit_ids, counts, impact)
instead of paging again. States:

    open -> acknowledged -> assigned -> resolved -> validated      (reopen from any later state)

`fix` resolves with a `fixed` stage (a fix shipped, maybe with an external ticket); `validate`
confirms the signal is gone after the fix. Every move stamps `stages.<stage>` and appends a
history entry. Silences (per dedup key or per rule) keep recording evidence but stop alerters.

Public API used by the search API: list_alerts, get_alert, transition.
"""
from __future__ import annotations

import re
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from pathlib import Path
from typing import Any

import yaml
from elasticsearch import Elasticsearch

from voxindex.config import IndexNames, Settings
from voxindex.model import iso, parse_time, stable_id, utcnow

from .finding import Finding
from .rule import parse_duration

STATES = ("open", "acknowledged", "assigned", "resolved", "validated")
ACTIVE_STATES = ("open", "acknowledged", "assigned")
# action -> (states it may start from, state it leads to (None: unchanged), stage it stamps)
TRANSITIONS: dict[str, tuple[tuple[str, ...], str | None, tuple[str, ...]]] = {
    "ack": (("open",), "acknowledged", ("acknowledged",)),
    "assign": (("open", "acknowledged", "assigned"), "assigned", ("assigned",)),
    "resolve": (("open", "acknowledged", "assigned"), "resolved", ("resolved",)),
    "fix": (("open", "acknowledged", "assigned"), "resolved", ("fixed", "resolved")),
    "validate": (("resolved",), "validated", ("validated",)),
    "reopen": (("acknowledged", "assigned", "resolved", "validated"), "open", ("reopened",)),
    "silence": (("open", "acknowledged", "assigned", "resolved"), None, ()),
}
SILENCE_KIND = "silence"
MAX_UNIT_IDS = 50
DEFAULT_SILENCE = timedelta(days=1)


class AlertNotFound(LookupError):
    pass


# ----------------------------------------------------------------------------- routing


@dataclass
class Routing:
    """`rules/routing.yaml`: which team owns which theme / sub_theme / product_area."""

    routes: dict[str, dict[str, str]] = field(default_factory=dict)
    default: str | None = None

    def owner_for(self, dimension: dict[str, Any], filters: dict[str, Any] | None = None) -> str | None:
        values = {**(filters or {}), **dimension}
        for key in ("sub_theme", "theme", "product_area", "source"):  # most specific first
            value = values.get(key)
            for v in value if isinstance(value, list) else [value]:
                if v is not None and str(v) in self.routes.get(key, {}):
                    return self.routes[key][str(v)]
        return self.default


def load_routing(path: Path | str | None) -> Routing:
    if not path or not Path(path).exists():
        return Routing()
    data = yaml.safe_load(Path(path).read_text(encoding="utf-8")) or {}
    if not isinstance(data, dict):
        raise ValueError(f"{path}: expected a mapping with 'routes' and 'default'")
    routes = data.get("routes") or {}
    for key, table in routes.items():
        if key not in ("theme", "sub_theme", "product_area", "source") or not isinstance(table, dict):
            raise ValueError(f"{path}: field 'routes.{key}': expected theme|sub_theme|product_area|source -> {{value: team}}")
    return Routing(routes={k: {str(a): str(b) for a, b in v.items()} for k, v in routes.items()}, default=data.get("default"))


# ----------------------------------------------------------------------------- storage


def _write(es: Elasticsearch, names: IndexNames, doc: dict) -> None:
    # refresh=True: the next evaluation (seconds later) must see this alert to dedup against it
    es.index(index=names.write_alias("alerts"), id=doc["alert_id"], document=doc, refresh=True)


def _hits(res) -> list[dict]:
    return [h["_source"] for h in res["hits"]["hits"]]


def find_active(es: Elasticsearch, names: IndexNames, dedup_key: str, now: datetime, realert: timedelta) -> dict | None:
    """The alert a new sighting should grow: same key, not closed, seen within `realert`."""
    res = es.search(
        index=names.alerts, size=1,
        query={"bool": {"filter": [{"term": {"dedup_key": dedup_key}}, {"terms": {"state": list(ACTIVE_STATES)}},
                                   {"range": {"last_seen": {"gte": iso(now - realert)}}}]}},
        sort=[{"last_seen": "desc"}],
    )
    hits = _hits(res)
    return hits[0] if hits else None


def silenced_until(es: Elasticsearch, names: IndexNames, dedup_key: str, rule: str, now: datetime) -> str | None:
    """The end of a silence covering this key or its whole rule, if one is in force."""
    res = es.search(
        index=names.alerts, size=1,
        query={"bool": {"filter": [{"range": {"silenced_until": {"gt": iso(now)}}}],
                        "should": [{"term": {"dedup_key": dedup_key}},
                                   {"bool": {"filter": [{"term": {"kind": SILENCE_KIND}}, {"term": {"rule": rule}}]}}],
                        "minimum_should_match": 1}},
        sort=[{"silenced_until": "desc"}],
    )
    hits = _hits(res)
    return hits[0]["silenced_until"] if hits else None


def silence(es: Elasticsearch, names: IndexNames, *, until: datetime, actor: str, rule: str | None = None,
            dedup_key: str | None = None, note: str | None = None) -> dict:
    """Silence a whole rule (or one dedup key) until a time; stored as a `kind: silence` doc."""
    if not rule and not dedup_key:
        raise ValueError("silence needs a rule or a dedup key")
    now = utcnow()
    key = dedup_key or f"rule:{rule}"
    doc = {"alert_id": stable_id("silence", key), "dedup_key": key, "rule": rule, "kind": SILENCE_KIND,
           "state": "silence", "title": f"Silence for {key}", "why": note, "silenced_until": iso(until),
           "history": [{"at": iso(now), "action": "silence", "actor": actor, "note": note}],
           "created_at": iso(now), "updated_at": iso(now)}
    _write(es, names, doc)
    return doc


NEW, GROWN, UNCHANGED = "new", "grown", "unchanged"


def evidence_grew(alert: dict, unit_ids: list[str], units: int) -> bool:
    """An alert grows only when its evidence grows: more units behind it than it recorded, or
    named units (a watch's) it has not recorded. Evaluating the same data again, e.g. a re-run
    as of the same time, finds neither. Citation ids of aggregation findings are a sample (top N
    by severity), so for those the count decides, not whether the sample shifted."""
    if units > (alert.get("unit_count") or 0):
        return True
    return bool(set(unit_ids) - set(alert.get("unit_ids") or []))


@dataclass
class Sighting:
    alert: dict
    outcome: str  # NEW, GROWN or UNCHANGED
    evidence: list


def record_sighting(es: Elasticsearch, names: IndexNames, finding: Finding, *, realert: timedelta, now: datetime,
                    owner: str | None, top_n: int = 10, settings: Settings | None = None) -> Sighting:
    """Create the alert for a finding, grow it if its evidence grew, or leave it unchanged."""
    from . import impact as impact_mod
    from .links import api_url, kibana_url

    existing = find_active(es, names, finding.dedup_key, now, realert)
    if existing:
        # measure over the alert's whole life so accounts/ARR/unit counts grow, not reset
        finding.window_start = min(finding.window_start, parse_time(existing["window_start"]))
    imp = impact_mod.measure(es, names, finding, top_n=top_n)
    conditions = {**finding.filters, **finding.dimension} if finding.kind != "schema_change" else {}
    if finding.unit_ids:
        conditions = {}
    links = [kibana_url(conditions, finding.window_start, finding.window_end, finding.query, settings),
             api_url(conditions, finding.window_start, finding.window_end, finding.query, settings)]
    stamp, wall = iso(now), iso(utcnow())
    unit_ids = list(dict.fromkeys(finding.unit_ids + imp.unit_ids))
    if existing and not evidence_grew(existing, finding.unit_ids, imp.units):
        if not existing.get("last_seen") or now > parse_time(existing["last_seen"]):
            # still firing on the same evidence: keep it inside its realert window, quietly
            existing.update(last_seen=stamp)
            _write(es, names, existing)
        return Sighting(existing, UNCHANGED, imp.evidence)
    if existing:
        doc = existing
        doc.update(
            title=finding.title, why=finding.why, last_seen=stamp, window_end=iso(finding.window_end),
            observed=finding.observed, expected=finding.expected, impact=imp.as_doc(),
            unit_ids=list(dict.fromkeys(unit_ids + doc.get("unit_ids", [])))[:MAX_UNIT_IDS],
            unit_count=max(imp.units, doc.get("unit_count") or 0, len(unit_ids)), link=links, updated_at=wall,
        )
        doc.setdefault("history", []).append({"at": stamp, "action": "grown", "actor": "detector",
                                              "observed": finding.observed, "units": imp.units})
        doc["history"] = doc["history"][-100:]
        _write(es, names, doc)
        return Sighting(doc, GROWN, imp.evidence)
    doc = {
        "alert_id": stable_id(finding.dedup_key, stamp), "dedup_key": finding.dedup_key, "rule": finding.rule,
        "kind": finding.kind, "title": finding.title, "why": finding.why, "state": "open", "owner": owner,
        "assignee": None, "dimension": {"by": finding.dimension, "filters": finding.filters},
        "theme": finding.theme, "sub_theme": finding.sub_theme, "impact": imp.as_doc(),
        "observed": finding.observed, "expected": finding.expected, "unit_ids": unit_ids[:MAX_UNIT_IDS],
        "unit_count": max(imp.units, len(unit_ids)), "link": links, "external_ticket": None,
        "silenced_until": None, "first_seen": stamp, "last_seen": stamp,
        "window_start": iso(finding.window_start), "window_end": iso(finding.window_end),
        "stages": {"detected": stamp},
        # structured only: the note is rendered per reader (voxindex.access.alerts), since `why` may quote ARR
        "history": [{"at": stamp, "action": "detected", "actor": "detector", "observed": finding.observed,
                     "expected": finding.expected}],
        "deliveries": [], "created_at": wall, "updated_at": wall,
    }
    _write(es, names, doc)
    return Sighting(doc, NEW, imp.evidence)


def save_deliveries(es: Elasticsearch, names: IndexNames, alert: dict) -> None:
    alert["updated_at"] = iso(utcnow())
    _write(es, names, alert)


def alerts_with_failed_deliveries(es: Elasticsearch, names: IndexNames, since: timedelta = timedelta(days=7)) -> list[dict]:
    """Alerts whose last delivery to some alerter failed (deliveries are not indexed, so filter here)."""
    res = es.search(index=names.alerts, size=1000,
                    query={"bool": {"filter": [{"range": {"updated_at": {"gte": iso(utcnow() - since)}}}],
                                    "must_not": [{"term": {"kind": SILENCE_KIND}}]}})
    return [a for a in _hits(res) if any(d.get("status") == "failed" for d in a.get("deliveries") or [])]


# ----------------------------------------------------------------------------- public API


def list_alerts(es: Elasticsearch, names: IndexNames, state: str | list[str] | None = None,
                owner: str | None = None, size: int = 50) -> list[dict]:
    """Alerts, highest impact first; `state` may be one state, a list, or 'a,b'."""
    flt: list = []
    if state:
        states = state.split(",") if isinstance(state, str) else list(state)
        bad = [s for s in states if s not in STATES]
        if bad:
            raise ValueError(f"unknown state {bad[0]!r}; use one of {', '.join(STATES)}")
        flt.append({"terms": {"state": states}})
    if owner:
        flt.append({"term": {"owner": owner}})
    res = es.search(index=names.alerts, size=size,
                    query={"bool": {"filter": flt, "must_not": [{"term": {"kind": SILENCE_KIND}}]}},
                    sort=[{"impact.score": {"order": "desc", "missing": "_last"}}, {"last_seen": "desc"}])
    return _hits(res)


def get_alert(es: Elasticsearch, names: IndexNames, alert_id: str) -> dict | None:
    res = es.search(index=names.alerts, size=1, query={"term": {"alert_id": alert_id}})
    hits = [h for h in _hits(res) if h.get("kind") != SILENCE_KIND]
    return hits[0] if hits else None


def _silence_for(note: str | None) -> timedelta:
    if note:
        m = re.match(r"^\s*(\d+(?:\.\d+)?\s*[smhdw])\b", note)
        if m:
            return parse_duration(m.group(1).replace(" ", ""))
    return DEFAULT_SILENCE


def transition(es: Elasticsearch, names: IndexNames, alert_id: str, action: str, actor: str,
               assignee: str | None = None, note: str | None = None, external_ticket: str | None = None) -> dict:
    """Move an alert through its lifecycle and return it. ValueError says why a move is not allowed.
    For `silence`, a note starting with a duration ("3d waiting for 4.8.3") sets its length (default 1d)."""
    if action not in TRANSITIONS:
        raise ValueError(f"unknown action {action!r}; use one of {', '.join(TRANSITIONS)}")
    if not actor:
        raise ValueError("actor is required (who is doing this)")
    alert = get_alert(es, names, alert_id)
    if alert is None:
        raise AlertNotFound(f"no alert {alert_id!r}")
    allowed_from, to_state, stages = TRANSITIONS[action]
    state = alert.get("state")
    if state not in allowed_from:
        raise ValueError(f"cannot {action} an alert that is {state}; {action} is allowed from: {', '.join(allowed_from)}")
    if action == "assign" and not assignee:
        raise ValueError("assign needs an assignee")
    now = iso(utcnow())
    entry: dict[str, Any] = {"at": now, "action": action, "actor": actor, "from": state}
    if to_state:
        alert["state"] = to_state
        entry["to"] = to_state
    for stage in stages:
        alert.setdefault("stages", {})[stage] = now
    if assignee:
        alert["assignee"] = assignee
        entry["assignee"] = assignee
    if external_ticket:
        alert["external_ticket"] = external_ticket
        entry["external_ticket"] = external_ticket
    if action == "silence":
        until = utcnow() + _silence_for(note)
        alert["silenced_until"] = iso(until)
        entry["until"] = iso(until)
    if action == "reopen":
        alert["silenced_until"] = None
    if note:
        entry["note"] = note
    alert.setdefault("history", []).append(entry)
    alert["updated_at"] = now
    _write(es, names, alert)
    return alert
