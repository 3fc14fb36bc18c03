"""Trend (emerging / slow burn): sustained growth over days, which a window-vs-baseline spike
misses because every day looks like the day before. Fits a log-linear slope on daily counts;
`threshold` is the minimum daily growth (0.03 = 3 %/day), `min_r2` how steady it must be.
A value first seen in the last week is reported once as new (see new_value), not fitted."""
from __future__ import annotations

from datetime import datetime, timedelta
from statistics import mean

from elasticsearch import Elasticsearch

from voxindex.config import IndexNames
from voxindex.stats import loglinear_slope

from . import new_value
from .finding import Finding
from .grouping import GroupCounts, dim_clauses, fetch_groups, rule_clauses, window_ranges
from .rule import Rule

SMOOTH = 7  # days in the trailing sum the slope is fitted on


def fetch(es: Elasticsearch, names: IndexNames, rule: Rule, at: datetime) -> GroupCounts:
    """Daily counts per group over `days` (plus 6 for the smoothing), and the exact units of
    each value first seen in the last week."""
    flt, must_not = rule_clauses(rule)
    # 6 extra days so every fitted point is a trailing 7-day sum: weekday/weekend swings
    # (feedback halves at weekends) would otherwise drown a few %/day of growth
    ranges = window_ranges(at, timedelta(days=1), rule.days + SMOOTH - 1)
    groups = fetch_groups(es, names.feedback, flt, must_not, rule.dimension, ranges)
    _, fresh, _ = _split(groups, rule)
    groups.new_value_units = new_value.count_units(es, names.feedback, fresh, ranges[-SMOOTH][0], ranges[-1][1],
                                                   flt, must_not)
    return groups


def _split(groups: GroupCounts, rule: Rule):
    # days before the data began are not "zero complaints": drop them for every group
    totals = [sum(counts[i] for counts in groups.counts.values()) for i in range(len(groups.ranges))]
    first = next((i for i, t in enumerate(totals) if t), len(totals))
    # a value first seen in the last week has no history to grow from: reported once as new
    scored, fresh = new_value.split_new_values(
        {key: (sum(counts[first:-SMOOTH]), sum(counts[-SMOOTH:])) for key, counts in groups.counts.items()},
        rule.dimension)
    return scored, fresh, first


def judge(groups: GroupCounts, rule: Rule, at: datetime | None = None) -> list[Finding]:
    """Which groups grew steadily over the daily ranges; pure."""
    flt, must_not, ranges = groups.clauses, groups.must_not, groups.ranges
    scored, fresh, first = _split(groups, rule)
    findings = new_value.judge(rule, fresh, groups.new_value_units, ranges[-SMOOTH][0], ranges[-1][1],
                               "the days before the last week", flt, must_not)
    for key, all_counts in groups.counts.items():
        if key not in scored:
            continue
        daily = all_counts[first:]
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

