"""Account risk: negative sentiment or churn-risk intent from accounts that matter now -
ARR at or above `min_arr`, or a renewal within `renewal_within` of the evaluation time."""
from __future__ import annotations

from datetime import datetime

from elasticsearch import Elasticsearch

from voxindex.config import IndexNames

from .fields import base_clauses, iso
from .finding import Finding
from .grouping import dim_clauses, grouped_counts
from .rules import Rule, format_duration


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


def evaluate(es: Elasticsearch, names: IndexNames, rule: Rule, at: datetime) -> list[Finding]:
    flt, must_not = base_clauses(rule.filters, rule.exclude, rule.query, None)
    flt = flt + [risk_clause(rule, at)]
    start = at - rule.window
    groups = grouped_counts(es, names.feedback, flt, must_not, rule.dimension, [(start, at)],
                            extra_aggs={"arr": {"max": {"field": "account.arr"}}})
    findings = []
    for key, row in groups.items():
        observed = row["counts"][0]
        if observed < max(rule.min_count, 1):
            continue
        dim = dict(zip(rule.dimension, key))
        label = ", ".join(str(v) for v in dim.values())
        arr = row.get("arr") or 0
        findings.append(Finding(
            rule=rule.name, kind="account_risk", title=f"Account at risk: {label}",
            why=(f"{observed} negative or churn-risk units in the last {format_duration(rule.window)} "
                 f"from an account with ARR {arr:,.0f}"),
            dimension=dim, filters=dict(rule.filters), window_start=start, window_end=at,
            observed=observed, expected=0.0, trajectory=float(observed),
            clauses=flt + dim_clauses(rule.dimension, key), must_not=must_not, query=rule.query,
        ))
    return findings
