"""First appearance: a theme/sub-theme/app version (or combination) with `min_count` units in
the current window and none in the baseline before it (`method: unseen`), or ES
significant_terms against the baseline as background (`method: significant`, one field)."""
from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime

from elasticsearch import Elasticsearch

from voxindex.config import IndexNames

from . import new_value
from .fields import es_field, time_range
from .finding import Finding
from .grouping import GroupCounts, dim_clauses, fetch_groups, rule_clauses
from .rule import Rule, format_duration


@dataclass
class SignificantTerm:
    """One significant_terms bucket: units now, units in the baseline before, ES's score."""

    value: object
    observed: int
    before: int
    score: float


@dataclass
class NewTermCounts:
    """What a new_term rule decides on: per-group counts in (baseline, current) for `unseen`,
    or significant_terms buckets for `significant`."""

    groups: GroupCounts
    significant: list[SignificantTerm] = field(default_factory=list)


def fetch(es: Elasticsearch, names: IndexNames, rule: Rule, at: datetime) -> NewTermCounts:
    flt, must_not = rule_clauses(rule)  # a sub-theme is not new because of a few unsure labels
    start = at - rule.window
    base_start = start - rule.baseline
    if rule.method == "significant":
        groups = GroupCounts(dims=list(rule.dimension), ranges=[(base_start, start), (start, at)], counts={},
                             clauses=flt, must_not=must_not)
        return NewTermCounts(groups, _significant(es, names, rule, flt, must_not, base_start, start, at))
    return NewTermCounts(fetch_groups(es, names.feedback, flt, must_not, rule.dimension, [(base_start, start), (start, at)]))


def judge(data: NewTermCounts, rule: Rule, at: datetime | None = None) -> list[Finding]:
    """Values with `min_count` units now and none in the baseline (or significant ones); pure."""
    groups = data.groups
    flt, must_not = groups.clauses, groups.must_not
    start, end = groups.ranges[-1]
    hits: list[tuple[tuple, int, int, float | None]]
    if rule.method == "significant":
        hits = [((t.value,), t.observed, t.before, t.score) for t in data.significant if t.score >= rule.threshold]
    else:
        hits = [(key, counts[1], counts[0], None) for key, counts in groups.counts.items()
                if counts[0] == 0 and counts[1] >= rule.min_count]
    findings = []
    for key, observed, before, score in hits:
        dim = dict(zip(rule.dimension, key))
        label = " × ".join(f"{d}={v}" for d, v in dim.items())
        why = (f"{observed} units in the last {format_duration(rule.window)}; "
               + (f"never seen in the {format_duration(rule.baseline)} before" if before == 0
                  else f"significant vs the {format_duration(rule.baseline)} before (score {score:.2f}, {before} then)"))
        findings.append(Finding(
            rule=rule.name, kind="new_term", title=f"New: {label}", why=why,
            dimension=dim, filters=dict(rule.filters), window_start=start, window_end=end,
            observed=observed, expected=float(before), trajectory=observed / max(before, 0.5),
            statistic=score, clauses=flt + dim_clauses(rule.dimension, key), must_not=must_not, query=rule.query,
            # one alert per new value: a spike or trend rule meeting the same value grows this one
            key=new_value.dedup_key(rule.dimension[0], key[0]) if len(key) == 1 else None,
        ))
    return findings



def _significant(es, names, rule, flt, must_not, base_start, start, at) -> list[SignificantTerm]:
    field = es_field(rule.dimension[0])
    res = es.search(
        index=names.feedback, size=0,
        query={"bool": {"filter": flt + [time_range(start, at)], "must_not": must_not}},
        aggs={"sig": {"significant_terms": {
            "field": field, "min_doc_count": max(rule.min_count, 1), "size": 50,
            "background_filter": {"bool": {"filter": flt + [time_range(base_start, at)]}},
        }}},
    )
    return [SignificantTerm(b["key"], b["doc_count"], b["bg_count"] - b["doc_count"], b["score"])
            for b in res["aggregations"]["sig"]["buckets"]]
