"""Account risk: negative sentiment or churn-risk intent from accounts that matter now -
ARR at or above `min_arr`, or a renewal within `renewal_within` of the evaluation time."""
from __future__ import annotations

from datetime import datetime

from elasticsearch import Elasticsearch

from voxindex.config import IndexNames
from voxindex.model import iso

from .fields import base_clauses
from .finding import Finding
from .grouping import GroupCounts, dim_clauses, fetch_groups
from .rule import Rule, format_duration


def risk_clause(rule: Rule, at: datetime) -> dict:
    matters = []
    if rule.min_arr is not None:
        matters.append({"range": {"account.arr": {"gte": rule.min_arr}}})
    if rule.renewal_within is not None:
        matters.append({"range": {"account.renewal_date": {"gte": iso(at)[:10], "lte": iso(at + rule.renewal_within)[:10]}}})
    return {"bool": {
        "filter": [{"bool": {"should": [{"term": {"sentiment.label": "negative"}}, {"term": {"intent.label": "churn_risk"}}],
                             "minimum_should_match": 1}}],
        "should": matters, "minimum_should_match": 1 if matters else 0,
    }}


def fetch(es: Elasticsearch, names: IndexNames, rule: Rule, at: datetime) -> GroupCounts:
    """Risky units per account in the window, with the account's ARR."""
    flt, must_not = base_clauses(rule.filters, rule.exclude, rule.query, None)
    flt = flt + [risk_clause(rule, at)]
    return fetch_groups(es, names.feedback, flt, must_not, rule.dimension, [(at - rule.window, at)],
                        extra_aggs={"arr": {"max": {"field": "account.arr"}}})


def judge(groups: GroupCounts, rule: Rule, at: datetime | None = None) -> list[Finding]:
    """Accounts with at least `min_count` risky units in the window; pure."""
    flt, must_not = groups.clauses, groups.must_not
    start, end = groups.ranges[0]
    findings = []
    for key, counts in groups.counts.items():
        observed = counts[0]
        if observed < max(rule.min_count, 1):
            continue
        dim = dict(zip(rule.dimension, key))
        label = ", ".join(str(v) for v in dim.values())
        arr = groups.values.get(key, {}).get("arr") or 0
        findings.append(Finding(
            rule=rule.name, kind="account_risk", title=f"Account at risk: {label}",
            why=(f"{observed} negative or churn-risk units in the last {format_duration(rule.window)} "
                 f"from an account with ARR {arr:,.0f}"),
            dimension=dim, filters=dict(rule.filters), window_start=start, window_end=end,
            observed=observed, expected=0.0, trajectory=float(observed),
            clauses=flt + dim_clauses(rule.dimension, key), must_not=must_not, query=rule.query,
        ))
    return findings

