"""One aggregation shape serves spike, trend, new_term, flatline and account_risk: group units
by the rule's dimension (composite, paged, so 10k groups are fine) and count each group in a
list of time ranges (date_range). The fetch step returns them as `GroupCounts`; each rule
type's pure `judge` computes baselines and decides (see rule_types.py)."""
from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime, timedelta
from typing import Any

from elasticsearch import Elasticsearch

from voxindex.model import iso

from .fields import base_clauses, es_field, time_range
from .labels import DEFAULT_MIN_CONFIDENCE, LabelPolicy, confident_clauses, uses_labels


@dataclass
class GroupCounts:
    """Units per group over consecutive time ranges: what an aggregation rule's fetch step
    returns and its judge decides on (hand-built in tests, no Elasticsearch needed)."""

    dims: list[str]
    ranges: list[tuple[datetime, datetime]]  # oldest first; the last is the current window
    counts: dict[tuple, list[int]]  # group key (one value per dimension) -> units per range
    values: dict[tuple, dict[str, Any]] = field(default_factory=dict)  # extra per-group aggregations
    clauses: list[dict] = field(default_factory=list)  # the query that counted them: a finding's evidence
    must_not: list[dict] = field(default_factory=list)
    # exact units per new dimension value (dimension, value) in its window, counted by the fetch
    # step (a multi-label unit sits in several groups but is one unit); see new_value
    new_value_units: dict[tuple[str, Any], int] = field(default_factory=dict)


def label_policy(rule) -> LabelPolicy:
    floor = rule.min_confidence if rule.min_confidence is not None else DEFAULT_MIN_CONFIDENCE
    return LabelPolicy(min_confidence=floor, count_needs_review=rule.count_needs_review)


def rule_clauses(rule) -> tuple[list[dict], list[dict]]:
    """(filter, must_not) for an aggregation rule: the shared customer-signal clauses, the rule's
    own filters, and, when it counts taxonomy labels, confident labels only (labels.py). The
    same clauses select a finding's evidence, so an alert's units are the ones it counted."""
    flt, must_not = base_clauses(rule.filters, rule.exclude, rule.query, rule.min_arr)
    if uses_labels(rule.dimension, rule.filters, rule.exclude):
        more_flt, more_not = confident_clauses(label_policy(rule))
        flt, must_not = flt + more_flt, must_not + more_not
    return flt, must_not


def window_ranges(at: datetime, window: timedelta, count: int) -> list[tuple[datetime, datetime]]:
    """`count` consecutive windows ending at `at`, oldest first."""
    return [(at - (count - i) * window, at - (count - i - 1) * window) for i in range(count)]


def grouped_counts(
    es: Elasticsearch,
    index: str,
    clauses: list[dict],
    must_not: list[dict],
    dims: list[str],
    ranges: list[tuple[datetime, datetime]],
    time_field: str = "created_at",
    page: int = 500,
    extra_aggs: dict | None = None,
) -> dict[tuple, dict[str, Any]]:
    """{(dim values...): {"counts": [n per range], **extra agg values}} for every group seen."""
    query = {"bool": {"filter": clauses + [time_range(ranges[0][0], ranges[-1][1], time_field)], "must_not": must_not}}
    sources = [{d: {"terms": {"field": es_field(d)}}} for d in dims]
    aggs: dict = {
        "r": {"date_range": {"field": time_field, "keyed": False,
                              "ranges": [{"from": iso(a), "to": iso(b)} for a, b in ranges]}}
    }
    aggs.update(extra_aggs or {})
    out: dict[tuple, dict[str, Any]] = {}
    after = None
    while True:
        comp: dict = {"size": page, "sources": sources}
        if after:
            comp["after"] = after
        res = es.search(index=index, size=0, query=query, aggs={"g": {"composite": comp, "aggs": aggs}})
        agg = res["aggregations"]["g"]
        for b in agg["buckets"]:
            key = tuple(b["key"][d] for d in dims)
            # date_range returns buckets sorted by `from`, matching our oldest-first ranges
            counts = [r["doc_count"] for r in b["r"]["buckets"]]
            row = {"counts": counts}
            for name in (extra_aggs or {}):
                row[name] = b[name].get("value_as_string") or b[name].get("value")
            out[key] = row
        after = agg.get("after_key")
        if not after or len(agg["buckets"]) < page:
            break
    return out


def fetch_groups(es: Elasticsearch, index: str, clauses: list[dict], must_not: list[dict], dims: list[str],
                 ranges: list[tuple[datetime, datetime]], extra_aggs: dict | None = None) -> GroupCounts:
    """`grouped_counts` as the typed `GroupCounts` a judge reads."""
    rows = grouped_counts(es, index, clauses, must_not, dims, ranges, extra_aggs=extra_aggs)
    return GroupCounts(dims=list(dims), ranges=list(ranges), counts={k: r["counts"] for k, r in rows.items()},
                       values={k: {n: r[n] for n in (extra_aggs or {})} for k, r in rows.items()} if extra_aggs else {},
                       clauses=list(clauses), must_not=list(must_not))


def dim_clauses(dims: list[str], key: tuple) -> list[dict]:
    return [{"term": {es_field(d): v}} for d, v in zip(dims, key)]
