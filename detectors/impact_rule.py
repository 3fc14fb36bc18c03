"""Score-impact regression: a theme's drag on NPS (or CSAT, or stars) worsened by more than
`threshold` points against the window before, and the 95% interval of that change excludes 0.

The numbers are `/v1/impact`'s (search_api.impact_api.compute), evaluated as of the run time;
the decision is the pure `judge` (over `regressions`), so it is tested without Elasticsearch."""
from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime
from typing import Any

from elasticsearch import Elasticsearch

from voxindex.config import IndexNames

from .fields import base_clauses, term_clause, time_range
from .finding import Finding
from .rule import Rule, format_duration

METRIC_SOURCE = {"nps": ("survey", "nps"), "csat": ("survey", "csat"), "stars": ("appstore", None)}
# rule filters that /v1/impact understands (population filters, not unit labels)
PASSED_FILTERS = ("source", "channel", "segment", "plan", "region", "account", "app_version", "theme", "sub_theme")


def regressions(rows: list[dict], level: str, threshold: float, min_count: int) -> list[dict]:
    """Rows whose impact worsened by more than `threshold` points, significantly, with enough responses."""
    out = []
    for r in rows:
        ch = r.get("change") or {}
        delta = ch.get("impact_delta")
        if delta is None or r.get("count", 0) < min_count:
            continue
        if delta < -threshold and ch.get("significant") and (ch.get("impact_delta_ci95") or [0, 0])[1] < 0:
            out.append(r)
    return sorted(out, key=lambda r: (r["change"]["impact_delta"], r[level]))


def _params(rule: Rule, level: str, at: datetime) -> dict[str, Any]:
    from search_api.impact_api import impact_params

    p = {x.name: (list(x.default) if isinstance(x.default, (list, tuple)) else x.default) for x in impact_params()}
    for name, value in rule.filters.items():
        if name not in PASSED_FILTERS:
            raise ValueError(f"{rule.path or rule.name}: an impact rule filters on {', '.join(PASSED_FILTERS)}; not {name!r}")
        p[name] = [str(v) for v in value] if isinstance(value, (list, tuple)) else [str(value)]
    p.update(metric=rule.method, by=level, days=max(1, round(rule.window.total_seconds() / 86400)), to=at,
             compare=True, min_count=1, limit=200)
    return p


@dataclass
class ImpactTable:
    """/v1/impact's answer for the rule's window against the one before: rows per theme or
    sub-theme (`level`) with their impact, change and intervals."""

    level: str
    metric_label: str
    rows: list[dict]
    window: dict = field(default_factory=dict)


def fetch(es: Elasticsearch, names: IndexNames, rule: Rule, at: datetime) -> ImpactTable:
    from search_api.auth import Principal
    from search_api.impact_api import compute

    level = rule.dimension[0]
    if level not in ("theme", "sub_theme") or len(rule.dimension) != 1:
        raise ValueError(f"{rule.path or rule.name}: an impact rule's dimension is theme or sub_theme")
    out = compute(es, names, _params(rule, level, at), Principal("detector", f"rule:{rule.name}", "admin"))
    return ImpactTable(level=level, metric_label=out["metric"]["label"], rows=out["rows"], window=out["window"]["current"])


def judge(table: ImpactTable, rule: Rule, at: datetime) -> list[Finding]:
    """One finding per significant regression beyond the threshold; pure."""
    level, metric = table.level, table.metric_label
    source, tag = METRIC_SOURCE[rule.method]
    start = at - rule.window  # the evidence: this window's responses that mention the theme
    findings = []
    for r in regressions(table.rows, level, rule.threshold, rule.min_count):
        label, ch, prev = r[level], r["change"], r.get("previous") or {}
        ci = ch["impact_delta_ci95"]
        flt, must_not = base_clauses(rule.filters, None, None, None)
        flt = flt + [term_clause(level, label), {"term": {"source": source}}] + ([{"term": {"tags": tag}}] if tag else [])
        findings.append(Finding(
            rule=rule.name, kind="impact", title=f"{metric} impact of {label} worsened by {-ch['impact_delta']:.1f} points",
            why=(f"{label} moves {metric} by {r['impact']:+.1f} over the last {format_duration(rule.window)} "
                 f"({r['count']} responses, 95% CI {r['impact_ci95'][0]:+.1f} … {r['impact_ci95'][1]:+.1f}) against "
                 f"{prev.get('impact') if prev.get('impact') is not None else 0:+.1f} the {format_duration(rule.window)} before; "
                 f"change {ch['impact_delta']:+.1f} (95% CI {ci[0]:+.1f} … {ci[1]:+.1f})"),
            dimension={level: label}, filters=dict(rule.filters), window_start=start, window_end=at,
            observed=float(r["impact"]), expected=float(prev.get("impact") or 0.0), trajectory=float(ch["impact_delta"]),
            statistic=float(ch["impact_delta"]), clauses=flt + [time_range(start, at)], must_not=must_not,
            extra={"impact": r, "window": table.window},
        ))
    return findings

