"""A dimension value with no history is news once, not a spike in every group it touches.

A spike rule per sub-theme × company compares each group with its own past windows. When a
company (product, source, account, app version...) first appears, every group it touches has a
baseline of zero, so each of its sub-themes "spikes" by hundreds of times: eight alerts that
all say one thing. Here such groups are left out of the spike/trend test and the value itself
becomes one finding, "New company: X", whose dedup key is the dimension value alone, so any
rule that meets the same value grows that one alert instead of opening another.

The decision is pure (`split_new_values`, `judge`); the rule types' fetch steps count each new
value's units exactly (`count_units`) and their judges call these with per-group totals.
"""
from __future__ import annotations

import hashlib
import json
from dataclasses import dataclass
from datetime import datetime
from typing import Any, Iterable

from .finding import Finding

KIND = "new_value"


@dataclass
class NewValue:
    dimension: str
    value: Any
    observed: int = 0  # units in the current window, summed over its groups (multi-label units count per group)
    groups: int = 0  # groups with units in the current window


def split_new_values(totals: dict[tuple, tuple[int, int]], dims: list[str],
                     exempt: Iterable[str] = ()) -> tuple[set[tuple], list[NewValue]]:
    """Which groups to score as usual, and which dimension values have no baseline at all.

    `totals` maps a group key (one value per dimension) to (units in the baseline, units now).
    A value is new when no group holding it had a unit in the baseline. Groups holding a new
    value are not scored (returned keys exclude them); each new value seen now is returned once.
    `exempt` names dimensions whose expectation does not come from their own history (the
    "where" fields of a share spike), so they are never new. With no baseline at all (the data
    begins in the current window) nothing is new against anything: nothing is scored or reported."""
    exempt = set(exempt)
    established: list[set] = [set() for _ in dims]
    for key, (base, _now) in totals.items():
        if base > 0:
            for i, value in enumerate(key):
                established[i].add(value)
    if not any(established):
        return set(), []
    scored: set[tuple] = set()
    new: dict[tuple[str, Any], NewValue] = {}
    for key, (_base, now) in totals.items():
        fresh = [i for i, d in enumerate(dims) if d not in exempt and key[i] not in established[i]]
        if not fresh:
            scored.add(key)
            continue
        for i in fresh:
            nv = new.setdefault((dims[i], key[i]), NewValue(dims[i], key[i]))
            if now > 0:
                nv.observed += now
                nv.groups += 1
    return scored, [nv for nv in new.values() if nv.observed > 0]


def dedup_key(dimension: str, value: Any) -> str:
    """One alert per dimension value, whichever rule saw it first."""
    digest = hashlib.sha1(json.dumps({dimension: value}, sort_keys=True, default=str).encode()).hexdigest()[:12]
    return f"{KIND}|{dimension}={str(value)[:120]}|{digest}"


def finding(rule, nv: NewValue, units: int, window_start: datetime, window_end: datetime, baseline_text: str,
            clauses: list[dict], must_not: list[dict]) -> Finding:
    """The one finding for a new value. `units` is the exact count of its units in the window
    (a multi-label unit is one unit here, though it sits in several groups)."""
    others = [d for d in rule.dimension if d != nv.dimension]
    spread = f" across {nv.groups} {' × '.join(others)} group{'s' if nv.groups != 1 else ''}" if others else ""
    return Finding(
        rule=rule.name, kind=KIND,
        title=f"New {nv.dimension}: {nv.value}",
        why=(f"new {nv.dimension}: {nv.value}, {units} units in the window{spread}; none in {baseline_text}. "
             f"Its groups are not scored as spikes or trends until it has a baseline."),
        dimension={nv.dimension: nv.value}, filters=dict(rule.filters),
        window_start=window_start, window_end=window_end,
        observed=units, expected=0.0, trajectory=float(units), statistic=None,
        clauses=clauses, must_not=must_not, query=rule.query,
        key=dedup_key(nv.dimension, nv.value), extra={"groups": nv.groups},
    )


def count_units(es, index: str, values: list[NewValue], window_start: datetime, window_end: datetime,
                flt: list[dict], must_not: list[dict]) -> dict[tuple[str, Any], int]:
    """Fetch step: the exact units of each new value in the window (one query per new value, and
    new values are rare); group sums would count a multi-label unit once per group."""
    from .fields import term_clause, time_range

    out = {}
    for nv in values:
        clauses = flt + [term_clause(nv.dimension, nv.value)]
        out[(nv.dimension, nv.value)] = es.count(index=index, query={
            "bool": {"filter": clauses + [time_range(window_start, window_end)], "must_not": must_not}})["count"]
    return out


def judge(rule, values: list[NewValue], units: dict[tuple[str, Any], int], window_start: datetime,
          window_end: datetime, baseline_text: str, flt: list[dict], must_not: list[dict]) -> list[Finding]:
    """One finding per new value with at least the rule's `min_count` units in the window. A value
    missing from `units` (hand-built groups) counts its group sum."""
    from .fields import term_clause

    out = []
    for nv in values:
        n = units.get((nv.dimension, nv.value), nv.observed)
        if n >= max(rule.min_count, 1):
            out.append(finding(rule, nv, n, window_start, window_end, baseline_text,
                               flt + [term_clause(nv.dimension, nv.value)], must_not))
    return out
