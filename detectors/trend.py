"""Trend (emerging / slow burn): sustained growth over days, which a window-vs-baseline spike
misses because every day looks like the day before. Fits a log-linear slope on daily counts;
`threshold` is the minimum daily growth (0.03 = 3 %/day), `min_r2` how steady it must be.
A value first seen in the last week is reported once as new (see new_value), not fitted."""
from __future__ import annotations

from datetime import datetime, timedelta
from statistics import mean

from elasticsearch import Elasticsearch

from voxindex.config import IndexNames

from . import new_value
from .finding import Finding
from .grouping import dim_clauses, grouped_counts, rule_clauses, window_ranges
from .stats import loglinear_slope
from .rules import Rule

SMOOTH = 7  # days in the trailing sum the slope is fitted on


def evaluate(es: Elasticsearch, names: IndexNames, rule: Rule, at: datetime) -> list[Finding]:
    flt, must_not = rule_clauses(rule)
    # 6 extra days so every fitted point is a trailing 7-day sum: weekday/weekend swings
    # (feedback halves at weekends) would otherwise drown a few %/day of growth
    ranges = window_ranges(at, timedelta(days=1), rule.days + SMOOTH - 1)
    groups = grouped_counts(es, names.feedback, flt, must_not, rule.dimension, ranges)
    # days before the data began are not "zero complaints": drop them for every group
    totals = [sum(row["counts"][i] for row in groups.values()) for i in range(len(ranges))]
    first = next((i for i, t in enumerate(totals) if t), len(totals))
    # a value first seen in the last week has no history to grow from: reported once as new
    scored, fresh = new_value.split_new_values(
        {key: (sum(row["counts"][first:-SMOOTH]), sum(row["counts"][-SMOOTH:])) for key, row in groups.items()},
        rule.dimension)
    findings = new_value.findings(es, names.feedback, rule, fresh, ranges[-SMOOTH][0], ranges[-1][1],
                                  "the days before the last week", flt, must_not)
    for key, row in groups.items():
        if key not in scored:
            continue
        daily = row["counts"][first:]
        if len(daily) < SMOOTH + 2:
            continue
        counts = [sum(daily[i - SMOOTH + 1:i + 1]) / SMOOTH for i in range(SMOOTH - 1, len(daily))]
        if sum(daily[SMOOTH - 1:]) < rule.min_count:
            continue
        slope, r2 = loglinear_slope(counts)
        growth = pow(2.718281828459045, slope) - 1
        # sustained, not one burst: most days have units, and the growth holds without the last day
        active = sum(1 for c in daily[SMOOTH - 1:] if c > 0)
        slope_wo_last, _ = loglinear_slope(counts[:-1])
        if active < 0.6 * len(counts) or pow(2.718281828459045, slope_wo_last) - 1 < rule.threshold:
            continue
        third = max(1, len(counts) // 3)
        early, late = mean(counts[:third]), mean(counts[-third:])
        if growth < rule.threshold or r2 < rule.min_r2 or late <= early or late < rule.min_ratio * early:
            continue
        dim = dict(zip(rule.dimension, key))
        label = " × ".join(f"{d}={v}" for d, v in dim.items())
        findings.append(Finding(
            rule=rule.name, kind="trend",
            title=f"Growing: {label}",
            why=(f"+{growth * 100:.1f}%/day over {len(counts)} days (log-linear fit on 7-day averages, r²={r2:.2f}); "
                 f"{late:.1f}/day recently vs {early:.1f}/day at the start"),
            dimension=dim, filters=dict(rule.filters),
            window_start=ranges[-len(counts)][0], window_end=ranges[-1][1],
            observed=round(late, 2), expected=round(max(early, 0.5), 2), trajectory=growth, statistic=growth,
            clauses=flt + dim_clauses(rule.dimension, key), must_not=must_not, query=rule.query,
            extra={"daily_counts": counts, "r2": r2},
        ))
    return findings
