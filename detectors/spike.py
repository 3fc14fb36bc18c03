"""Spike: a group's count in the current window against its own previous windows.

Poisson tail p-value (default) or z-score, with `min_count` so three angry tweets do not page
anyone and `min_ratio` so a large, steady group does not fire on a statistically significant
but tiny bump. A group whose dimension value has no baseline at all (a new company, product,
sub-theme) is not scored: the value is reported once instead (see new_value). A new combination
of known values has expectation 0.5 per window (see stats). Label-based counts include
confident labels only (grouping.rule_clauses)."""
from __future__ import annotations

from datetime import datetime

from elasticsearch import Elasticsearch

from voxindex.config import IndexNames
from voxindex.stats import baseline_expectation, poisson_tail, zscore

from . import new_value
from .finding import Finding
from .grouping import GroupCounts, dim_clauses, fetch_groups, rule_clauses, window_ranges
from .rule import Rule, format_duration


def fetch(es: Elasticsearch, names: IndexNames, rule: Rule, at: datetime) -> GroupCounts:
    """Counts per group in the current window and the `baseline_windows` before it, and the
    exact units of each dimension value new in the current window."""
    flt, must_not = rule_clauses(rule)
    ranges = window_ranges(at, rule.window, rule.baseline_windows + 1)
    groups = fetch_groups(es, names.feedback, flt, must_not, rule.dimension, ranges)
    _, fresh = _split(groups, rule)
    groups.new_value_units = new_value.count_units(es, names.feedback, fresh, *ranges[-1], flt, must_not)
    return groups


def _split(groups: GroupCounts, rule: Rule):
    # a share spike scales its "where" fields (e.g. a new app version) by their current volume,
    # so only its "what" field can lack a baseline
    exempt = rule.dimension[1:] if rule.expected == "share" else ()
    return new_value.split_new_values(
        {key: (sum(counts[:-1]), counts[-1]) for key, counts in groups.counts.items()}, rule.dimension, exempt)


def judge(groups: GroupCounts, rule: Rule, at: datetime | None = None) -> list[Finding]:
    """Which groups spiked in the last range against the ranges before it; pure."""
    flt, must_not = groups.clauses, groups.must_not
    ranges = groups.ranges
    share = _share_expectations(groups.counts, rule.baseline_windows) if rule.expected == "share" else None
    win = format_duration(rule.window)
    scored, fresh = _split(groups, rule)
    findings = new_value.judge(rule, fresh, groups.new_value_units, ranges[-1][0], ranges[-1][1],
                               f"the previous {rule.baseline_windows} × {win}", flt, must_not)
    for key, counts in groups.counts.items():
        if key not in scored:
            continue
        *baseline, observed = counts
        if observed < rule.min_count:
            continue
        expected = max(share[key], 0.5) if share is not None else baseline_expectation(baseline)
        if rule.method == "zscore":
            stat = zscore(observed, baseline)
            fired = stat >= rule.threshold
            stat_text = f"z={stat:.1f}"
        else:
            stat = poisson_tail(observed, expected)
            fired = stat <= rule.threshold
            stat_text = f"p={stat:.1e}"
        if not fired or observed < rule.min_ratio * expected:
            continue
        dim = dict(zip(rule.dimension, key))
        label = " × ".join(f"{d}={v}" for d, v in dim.items())
        findings.append(Finding(
            rule=rule.name, kind="spike",
            title=f"Spike: {label}",
            why=(f"{observed} units in the last {win} vs {expected:.1f} expected from the previous "
                 f"{rule.baseline_windows} windows"
                 + (f" (its usual share of {', '.join(rule.dimension[1:])}={', '.join(map(str, key[1:]))})" if share else "")
                 + f" ({observed / expected:.1f}×, {stat_text})"),
            dimension=dim, filters=dict(rule.filters),
            window_start=ranges[-1][0], window_end=ranges[-1][1],
            observed=observed, expected=round(expected, 2), trajectory=observed / expected, statistic=stat,
            clauses=flt + dim_clauses(rule.dimension, key), must_not=must_not, query=rule.query,
        ))
    return findings



def _share_expectations(counts: dict[tuple, list[int]], n_baseline: int) -> dict:
    """expected(what, where) = current volume of `where` × baseline share of `what`.

    For [sub_theme, app_version] this asks "is sync-failure over-represented in 4.8.2 compared
    to its usual share of all feedback?", so a new release (all of whose keys are new) does not
    fire for every sub-theme at once; only the one it made worse."""
    what_base: dict = {}
    where_now: dict = {}
    total_base = 0
    for key, row in counts.items():
        base = sum(row[:-1])
        what_base[key[0]] = what_base.get(key[0], 0) + base
        where_now[key[1:]] = where_now.get(key[1:], 0) + row[-1]
        total_base += base
    return {key: where_now[key[1:]] * (what_base[key[0]] / total_base if total_base else 0.0) for key in counts}
