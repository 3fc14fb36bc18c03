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
from .grouping import dim_clauses, grouped_counts, window_ranges
from .rules import Rule, format_duration


def evaluate(es: Elasticsearch, names: IndexNames, rule: Rule, at: datetime) -> list[Finding]:
    flt, must_not = base_clauses(rule.filters, rule.exclude, rule.query, rule.min_arr)
    # flatline watches delivery, so speaker/duplicate filters would only hide a live source
    flt = [c for c in flt if "is_customer_signal" not in str(c)]
    ranges = window_ranges(at, rule.window, rule.baseline_windows + 1)
    groups = grouped_counts(es, names.feedback, flt, [], rule.dimension, ranges,
                            extra_aggs={"last": {"max": {"field": "created_at"}}})
    findings = []
    for key, row in groups.items():
        *baseline, observed = row["counts"]
        expected = mean(baseline)
        if observed > rule.threshold or expected < rule.min_count:
            continue
        dim = dict(zip(rule.dimension, key))
        label = " × ".join(f"{d}={v}" for d, v in dim.items())
        findings.append(Finding(
            rule=rule.name, kind="flatline", title=f"Stopped delivering: {label}",
            why=(f"{observed} units in the last {format_duration(rule.window)} vs {expected:.1f} per window before; "
                 f"last unit at {row.get('last')}"),
            dimension=dim, filters=dict(rule.filters), window_start=ranges[-1][0], window_end=at,
            observed=observed, expected=round(expected, 2), trajectory=observed / max(expected, 0.5),
            clauses=flt + dim_clauses(rule.dimension, key), must_not=[], query=rule.query,
            extra={"last_unit_at": row.get("last")},
        ))
    return findings
