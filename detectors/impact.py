"""Impact ranking: who and how much money stands behind an alert, and which units prove it.

score (0-100) = 30 % ARR + 20 % distinct accounts + 20 % severity + 15 % trajectory + 15 % volume,
each squashed to 0..1 on a log scale (1M ARR, 100 accounts, 16× expected, 1000 units saturate),
so a spike from ten enterprise accounts outranks a bigger one from free users."""
from __future__ import annotations

import math
from dataclasses import dataclass, field
from typing import Any

from elasticsearch import Elasticsearch

from voxindex.config import IndexNames
from voxindex.model import SEVERITY_WEIGHT

from .fields import time_range
from .finding import Finding

CITATION_FIELDS = ["unit_id", "text", "created_at", "source", "account.account_id", "account.name",
                   "account.arr", "severity.label", "sentiment.label", "taxonomy.sub_theme", "app_version"]


@dataclass
class Impact:
    score: float = 0.0
    accounts: int = 0
    arr: float = 0.0
    severity: float = 0.0
    trajectory: float = 0.0
    units: int = 0
    unit_ids: list[str] = field(default_factory=list)
    evidence: list[dict[str, Any]] = field(default_factory=list)

    def as_doc(self) -> dict[str, float]:
        return {"score": self.score, "accounts": self.accounts, "arr": self.arr,
                "severity": self.severity, "trajectory": self.trajectory}


def score(arr: float, accounts: int, severity: float, trajectory: float, units: int) -> float:
    s_arr = min(1.0, math.log10(1 + max(arr, 0)) / 6)
    s_acc = min(1.0, math.log10(1 + accounts) / 2)
    s_traj = min(1.0, max(0.0, math.log2(max(trajectory, 1.0)) / 4))
    s_vol = min(1.0, math.log10(1 + units) / 3)
    return round(100 * (0.30 * s_arr + 0.20 * s_acc + 0.20 * severity + 0.15 * s_traj + 0.15 * s_vol), 2)


def measure(es: Elasticsearch, names: IndexNames, finding: Finding, top_n: int = 10) -> Impact:
    """One search: citations (by severity, then recency) plus account/ARR/severity aggregations."""
    if not finding.clauses and not finding.unit_ids:
        return Impact(trajectory=finding.trajectory, score=score(0, 0, 0, finding.trajectory, 0))
    if finding.unit_ids:
        flt = [{"terms": {"unit_id": finding.unit_ids}}]
    else:
        flt = finding.clauses + [time_range(finding.window_start, finding.window_end)]
    res = es.search(
        index=names.feedback, size=top_n,
        query={"bool": {"filter": flt, "must_not": finding.must_not}},
        sort=[{"severity.score": {"order": "desc", "missing": "_last"}}, {"created_at": "desc"}],
        source=CITATION_FIELDS, track_total_hits=True,
        aggs={
            "accounts": {"terms": {"field": "account.account_id", "size": 5000},
                         "aggs": {"arr": {"max": {"field": "account.arr"}}}},
            "n_accounts": {"cardinality": {"field": "account.account_id"}},
            "sev": {"terms": {"field": "severity.label", "size": 10}},
        },
    )
    aggs = res["aggregations"]
    units = res["hits"]["total"]["value"]
    arr = sum((b["arr"]["value"] or 0.0) for b in aggs["accounts"]["buckets"])
    accounts = max(aggs["n_accounts"]["value"], len(aggs["accounts"]["buckets"]))
    labelled = [(SEVERITY_WEIGHT.get(b["key"], 0.5), b["doc_count"]) for b in aggs["sev"]["buckets"]]
    total = sum(n for _, n in labelled)
    severity = round(sum(w * n for w, n in labelled) / total, 3) if total else 0.0
    evidence = []
    for hit in res["hits"]["hits"]:
        src = hit["_source"]
        acc = src.get("account") or {}
        evidence.append({
            "unit_id": src.get("unit_id") or hit["_id"], "text": (src.get("text") or "")[:280],
            "created_at": src.get("created_at"), "source": src.get("source"),
            "account": acc.get("name") or acc.get("account_id"), "arr": acc.get("arr"),
            "severity": (src.get("severity") or {}).get("label"),
        })
    return Impact(
        score=score(arr, accounts, severity, finding.trajectory, units), accounts=accounts, arr=round(arr, 2),
        severity=severity, trajectory=round(finding.trajectory, 4), units=units,
        unit_ids=[e["unit_id"] for e in evidence], evidence=evidence,
    )


def fetch_evidence(es: Elasticsearch, names: IndexNames, unit_ids: list[str]) -> list[dict[str, Any]]:
    """Evidence for an alert stored earlier (alerter retries), in the alert's citation order."""
    if not unit_ids:
        return []
    res = es.search(index=names.feedback, size=len(unit_ids), query={"terms": {"unit_id": unit_ids}}, source=CITATION_FIELDS)
    by_id = {}
    for hit in res["hits"]["hits"]:
        src = hit["_source"]
        acc = src.get("account") or {}
        by_id[src.get("unit_id") or hit["_id"]] = {
            "unit_id": src.get("unit_id") or hit["_id"], "text": (src.get("text") or "")[:280],
            "created_at": src.get("created_at"), "source": src.get("source"),
            "account": acc.get("name") or acc.get("account_id"), "arr": acc.get("arr"),
            "severity": (src.get("severity") or {}).get("label"),
        }
    return [by_id[u] for u in unit_ids if u in by_id]
