"""Schema change: the fields a connector saw in its latest run differ from the run before
(read from the state index, docs with kind="run"). A renamed export column silently empties
a field long before anyone notices in a chart."""
from __future__ import annotations

import hashlib
from datetime import datetime

from elasticsearch import Elasticsearch

from voxindex.config import IndexNames
from voxindex.model import parse_time

from .fields import iso
from .finding import Finding
from .rules import Rule


def evaluate(es: Elasticsearch, names: IndexNames, rule: Rule, at: datetime) -> list[Finding]:
    res = es.search(
        index=names.state, size=1000,
        query={"bool": {"filter": [{"term": {"kind": "run"}}, {"range": {"started_at": {"lt": iso(at)}}}]}},
        sort=[{"started_at": "desc"}],
        source=["connector", "run_id", "fields_seen", "started_at", "status"],
    )
    by_connector: dict[str, list[dict]] = {}
    for hit in res["hits"]["hits"]:
        doc = hit["_source"]
        if doc.get("status") in ("failed", "error") or not doc.get("connector"):
            continue
        by_connector.setdefault(doc["connector"], []).append(doc)
    findings = []
    for connector, runs in by_connector.items():
        if len(runs) < 2:
            continue
        latest, previous = runs[0], runs[1]
        started = parse_time(latest["started_at"])
        if started < at - rule.window:
            continue
        now_f, before_f = set(latest.get("fields_seen") or []), set(previous.get("fields_seen") or [])
        added, removed = sorted(now_f - before_f), sorted(before_f - now_f)
        if len(added) + len(removed) < max(rule.min_count, 1):
            continue
        change = hashlib.sha1(repr((added, removed)).encode()).hexdigest()[:8]
        parts = ([f"added {', '.join(added)}"] if added else []) + ([f"removed {', '.join(removed)}"] if removed else [])
        findings.append(Finding(
            rule=rule.name, kind="schema_change", title=f"Schema change in {connector}",
            why=f"run {latest.get('run_id')} vs {previous.get('run_id')}: " + "; ".join(parts),
            dimension={"connector": connector, "change": change}, filters={},
            window_start=parse_time(previous["started_at"]), window_end=started,
            observed=len(added) + len(removed), expected=0.0,
            extra={"added": added, "removed": removed},
        ))
    return findings
