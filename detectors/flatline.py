"""Flatline / freshness: a source (or any group) that delivered at least `min_count` units per
window on average in the baseline and at most `threshold` in the current window - usually a
broken connector or export, not happy customers."""
from __future__ import annotations

from datetime import datetime
from statistics import mean

from elasticsearch import Elasticsearch

from voxindex.config import IndexNames

from .fields import base_clauses
from .finding import Finding
from .grouping import GroupCounts, dim_clauses, fetch_groups, window_ranges
from .rule import Rule, format_duration


def fetch(es: Elasticsearch, names: IndexNames, rule: Rule, at: datetime) -> GroupCounts:
    """Counts per group in the current and baseline windows, with each group's last unit time."""
    flt, _ = base_clauses(rule.filters, rule.exclude, rule.query, rule.min_arr)
    # flatline watches delivery, so speaker/duplicate filters would only hide a live source
    flt = [c for c in flt if "is_customer_signal" not in str(c)]
    ranges = window_ranges(at, rule.window, rule.baseline_windows + 1)
    return fetch_groups(es, names.feedback, flt, [], rule.dimension, ranges,
                        extra_aggs={"last": {"max": {"field": "created_at"}}})


def judge(groups: GroupCounts, rule: Rule, at: datetime | None = None) -> list[Finding]:
    """Groups that delivered at least `min_count` per window before and at most `threshold` now; pure."""
    ranges, flt = groups.ranges, groups.clauses
    findings = []
    for key, counts in groups.counts.items():
        *baseline, observed = counts
        expected = mean(baseline)
        if observed > rule.threshold or expected < rule.min_count:
            continue
        dim = dict(zip(rule.dimension, key))
        label = " × ".join(f"{d}={v}" for d, v in dim.items())
        last = groups.values.get(key, {}).get("last")
        findings.append(Finding(
            rule=rule.name, kind="flatline", title=f"Stopped delivering: {label}",
            why=(f"{observed} units in the last {format_duration(rule.window)} vs {expected:.1f} per window before; "
                 f"last unit at {last}"),
            dimension=dim, filters=dict(rule.filters), window_start=ranges[-1][0], window_end=ranges[-1][1],
            observed=observed, expected=round(expected, 2), trajectory=observed / max(expected, 0.5),
            clauses=flt + dim_clauses(rule.dimension, key), must_not=[], query=rule.query,
            extra={"last_unit_at": last},
        ))
    return findings

