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

from . import new_value
from .finding import Finding
from .grouping import dim_clauses, grouped_counts, rule_clauses, window_ranges
from .rules import Rule, format_duration
from .stats import baseline_expectation, poisson_sf, zscore


def evaluate(es: Elasticsearch, names: IndexNames, rule: Rule, at: datetime) -> list[Finding]:
    flt, must_not = rule_clauses(rule)
    ranges = window_ranges(at, rule.window, rule.baseline_windows + 1)
    groups = grouped_counts(es, names.feedback, flt, must_not, rule.dimension, ranges)
    share = _share_expectations(groups, rule.baseline_windows) if rule.expected == "share" else None
    win = format_duration(rule.window)
    # a share spike scales its "where" fields (e.g. a new app version) by their current volume,
    # so only its "what" field can lack a baseline
    exempt = rule.dimension[1:] if share is not None else ()
    scored, fresh = new_value.split_new_values(
        {key: (sum(row["counts"][:-1]), row["counts"][-1]) for key, row in groups.items()}, rule.dimension, exempt)
    findings = new_value.findings(es, names.feedback, rule, fresh, ranges[-1][0], ranges[-1][1],
                                  f"the previous {rule.baseline_windows} × {win}", flt, must_not)
    for key, row in groups.items():
        if key not in scored:
            continue
        *baseline, observed = row["counts"]
        if observed < rule.min_count:
            continue
        expected = max(share[key], 0.5) if share is not None else baseline_expectation(baseline)
        if rule.method == "zscore":
            stat = zscore(observed, baseline)
            fired = stat >= rule.threshold
            stat_text = f"z={stat:.1f}"
        else:
            stat = poisson_sf(observed, expected)
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


def _share_expectations(groups: dict, n_baseline: int) -> dict:
    """expected(what, where) = current volume of `where` × baseline share of `what`.

    For [sub_theme, app_version] this asks "is sync-failure over-represented in 4.8.2 compared
    to its usual share of all feedback?", so a new release (all of whose keys are new) does not
    fire for every sub-theme at once; only the one it made worse."""
    what_base: dict = {}
    where_now: dict = {}
    total_base = 0
    for key, row in groups.items():
        base = sum(row["counts"][:-1])
        what_base[key[0]] = what_base.get(key[0], 0) + base
        where_now[key[1:]] = where_now.get(key[1:], 0) + row["counts"][-1]
        total_base += base
    return {key: where_now[key[1:]] * (what_base[key[0]] / total_base if total_base else 0.0) for key in groups}
