"""Schema change: the fields a connector saw in its latest run differ from the run before
(read from the state index, docs with kind="run"). A renamed export column silently empties
a field long before anyone notices in a chart."""
from __future__ import annotations

import hashlib
from dataclasses import dataclass, field
from datetime import datetime

from elasticsearch import Elasticsearch

from voxindex.config import IndexNames
from voxindex.model import iso, parse_time

from .finding import Finding
from .rule import Rule


@dataclass
class ConnectorRun:
    connector: str | None
    run_id: str | None
    started_at: datetime
    status: str | None = None
    fields_seen: list[str] = field(default_factory=list)


def fetch(es: Elasticsearch, names: IndexNames, rule: Rule, at: datetime) -> list[ConnectorRun]:
    """Connector runs that started before `at`, newest first."""
    res = es.search(
        index=names.state, size=1000,
        query={"bool": {"filter": [{"term": {"kind": "run"}}, {"range": {"started_at": {"lt": iso(at)}}}]}},
        sort=[{"started_at": "desc"}],
        source=["connector", "run_id", "fields_seen", "started_at", "status"],
    )
    return [ConnectorRun(connector=d.get("connector"), run_id=d.get("run_id"), started_at=parse_time(d["started_at"]),
                         status=d.get("status"), fields_seen=list(d.get("fields_seen") or []))
            for d in (h["_source"] for h in res["hits"]["hits"])]


def judge(runs: list[ConnectorRun], rule: Rule, at: datetime) -> list[Finding]:
    """Connectors whose latest good run (within the window) saw other fields than the run before; pure."""
    by_connector: dict[str, list[ConnectorRun]] = {}
    for run in runs:
        if run.status in ("failed", "error") or not run.connector:
            continue
        by_connector.setdefault(run.connector, []).append(run)
    findings = []
    for connector, history in by_connector.items():
        if len(history) < 2:
            continue
        latest, previous = history[0], history[1]
        if latest.started_at < at - rule.window:
            continue
        now_f, before_f = set(latest.fields_seen), set(previous.fields_seen)
        added, removed = sorted(now_f - before_f), sorted(before_f - now_f)
        if len(added) + len(removed) < max(rule.min_count, 1):
            continue
        change = hashlib.sha1(repr((added, removed)).encode()).hexdigest()[:8]
        parts = ([f"added {', '.join(added)}"] if added else []) + ([f"removed {', '.join(removed)}"] if removed else [])
        findings.append(Finding(
            rule=rule.name, kind="schema_change", title=f"Schema change in {connector}",
            why=f"run {latest.run_id} vs {previous.run_id}: " + "; ".join(parts),
            dimension={"connector": connector, "change": change}, filters={},
            window_start=previous.started_at, window_end=latest.started_at,
            observed=len(added) + len(removed), expected=0.0,
            extra={"added": added, "removed": removed},
        ))
    return findings

