"""Detector rules: one YAML file per rule, validated into a typed `Rule`.

Every error names the file and the field, e.g.
`rules/spike_theme.yaml: field 'window': expected a duration like '1d', got 'soon'`,
so a bad rule is fixed without reading code. The shape follows ElastAlert 2 (type, filters,
window, realert, alerts) but speaks the feedback model (theme, segment, app_version...).
"""
from __future__ import annotations

import re
from dataclasses import dataclass, field
from datetime import timedelta
from pathlib import Path
from typing import Any

import yaml

from .fields import FIELDS

RULE_TYPES = ("spike", "trend", "new_term", "flatline", "schema_change", "account_risk", "impact")
ALERTER_TYPES = ("webhook", "slack", "email", "jira")
ROUTING_FILE = "routing.yaml"
DEFAULT_RULES_DIR = Path(__file__).resolve().parent.parent / "rules"

_DURATION = re.compile(r"^\s*(\d+(?:\.\d+)?)\s*(s|m|h|d|w)\s*$")
_UNITS = {"s": "seconds", "m": "minutes", "h": "hours", "d": "days", "w": "weeks"}

# per-type defaults: what each rule means when a field is left out
DEFAULTS: dict[str, dict[str, Any]] = {
    "spike": {"dimension": ["theme"], "window": "1d", "baseline_windows": 7, "min_count": 5,
              "threshold": 0.001, "method": "poisson", "min_ratio": 2.0},
    "trend": {"dimension": ["sub_theme"], "window": "1d", "days": 14, "min_count": 20,
              "threshold": 0.03, "min_r2": 0.5},
    "new_term": {"dimension": ["sub_theme"], "window": "1d", "baseline": "30d", "min_count": 3,
                 "threshold": 0.0, "method": "unseen"},
    "flatline": {"dimension": ["source"], "window": "1d", "baseline_windows": 7, "min_count": 5,
                 "threshold": 0},
    "schema_change": {"dimension": ["connector"], "window": "7d", "min_count": 1, "threshold": 0},
    "account_risk": {"dimension": ["account"], "window": "7d", "min_count": 1, "threshold": 0,
                     "min_arr": 100000.0, "renewal_within": "60d"},
    # impact (detectors/impact_rule.py): method is the score; threshold the points of worsening
    "impact": {"dimension": ["sub_theme"], "window": "30d", "min_count": 10, "threshold": 5.0, "method": "nps"},
}

ALLOWED = {
    "name", "type", "description", "filters", "exclude", "query", "dimension", "window",
    "baseline_windows", "baseline", "days", "min_count", "threshold", "method", "min_ratio",
    "min_r2", "min_arr", "renewal_within", "schedule", "realert", "owner", "alerts", "top_n",
    "enabled", "expected", "min_confidence", "count_needs_review",
}


class RuleError(ValueError):
    """A rule file that cannot be used; the message names the file and the field."""


def parse_duration(value: Any) -> timedelta:
    if isinstance(value, timedelta):
        return value
    m = _DURATION.match(str(value)) if isinstance(value, (str, int)) and not isinstance(value, bool) else None
    if not m:
        raise ValueError(f"expected a duration like '1d', '6h' or '15m', got {value!r}")
    return timedelta(**{_UNITS[m.group(2)]: float(m.group(1))})


def format_duration(td: timedelta) -> str:
    secs = int(td.total_seconds())
    for unit, size in (("w", 604800), ("d", 86400), ("h", 3600), ("m", 60)):
        if secs % size == 0 and secs >= size:
            return f"{secs // size}{unit}"
    return f"{secs}s"


@dataclass
class Schedule:
    interval: timedelta | None = None
    cron: str | None = None

    def describe(self) -> str:
        return f"cron '{self.cron}'" if self.cron else f"every {format_duration(self.interval)}"


@dataclass
class Rule:
    name: str
    type: str
    path: str = ""
    description: str = ""
    filters: dict[str, Any] = field(default_factory=dict)
    exclude: dict[str, Any] = field(default_factory=dict)
    query: str | None = None
    dimension: list[str] = field(default_factory=list)
    window: timedelta = timedelta(days=1)
    baseline_windows: int = 7
    baseline: timedelta = timedelta(days=30)
    days: int = 14
    min_count: int = 5
    threshold: float = 0.0
    method: str = "poisson"
    min_ratio: float = 2.0
    min_r2: float = 0.5
    min_arr: float | None = None
    renewal_within: timedelta | None = None
    schedule: Schedule = field(default_factory=lambda: Schedule(interval=timedelta(minutes=15)))
    realert: timedelta = timedelta(days=1)
    owner: str | None = None
    alerts: list[dict[str, Any]] = field(default_factory=list)
    top_n: int = 10
    enabled: bool = True
    expected: str = "history"  # spike: "history" (own past windows) or "share" (see spike.py)
    min_confidence: float | None = None  # label-based counts skip units less confident (None: labels.py default)
    count_needs_review: bool = False  # ... and units the taxonomy flagged for review, unless true


def _fail(path: str, fld: str, msg: str) -> RuleError:
    return RuleError(f"{path}: field '{fld}': {msg}")


def _check_field_map(path: str, fld: str, value: Any) -> dict[str, Any]:
    if value is None:
        return {}
    if not isinstance(value, dict):
        raise _fail(path, fld, f"expected a mapping like {{theme: billing}}, got {value!r}")
    for key, v in value.items():
        if key not in FIELDS:
            raise _fail(path, f"{fld}.{key}", f"unknown field; use one of {', '.join(sorted(FIELDS))}")
        if isinstance(v, (dict,)) or v is None:
            raise _fail(path, f"{fld}.{key}", f"expected a value or a list of values, got {v!r}")
    return dict(value)


def _num(path: str, fld: str, value: Any, kind: type = float, minimum: float | None = None):
    if isinstance(value, bool) or not isinstance(value, (int, float)):
        raise _fail(path, fld, f"expected a number, got {value!r}")
    if kind is int and int(value) != value:
        raise _fail(path, fld, f"expected a whole number, got {value!r}")
    if minimum is not None and value < minimum:
        raise _fail(path, fld, f"must be >= {minimum}, got {value!r}")
    return kind(value)


def _duration(path: str, fld: str, value: Any) -> timedelta:
    try:
        td = parse_duration(value)
    except ValueError as exc:
        raise _fail(path, fld, str(exc)) from None
    if td.total_seconds() <= 0:
        raise _fail(path, fld, f"must be positive, got {value!r}")
    return td


def _schedule(path: str, value: Any) -> Schedule:
    if value is None:
        return Schedule(interval=timedelta(minutes=15))
    if isinstance(value, str):
        if len(value.split()) == 5:
            return _schedule(path, {"cron": value})
        return Schedule(interval=_duration(path, "schedule", value))
    if isinstance(value, dict) and set(value) <= {"interval", "cron"} and len(value) == 1:
        if "interval" in value:
            return Schedule(interval=_duration(path, "schedule.interval", value["interval"]))
        cron = str(value["cron"])
        try:
            from apscheduler.triggers.cron import CronTrigger

            CronTrigger.from_crontab(cron)
        except ValueError as exc:
            raise _fail(path, "schedule.cron", f"not a 5-field crontab ({exc})") from None
        return Schedule(cron=cron)
    raise _fail(path, "schedule", f"expected '15m', {{interval: 15m}} or {{cron: '0 * * * *'}}, got {value!r}")


def _alerts(path: str, value: Any) -> list[dict[str, Any]]:
    if value is None:
        return []
    if not isinstance(value, list):
        raise _fail(path, "alerts", f"expected a list of alerters, got {value!r}")
    from .alerters import required_keys

    out = []
    for i, item in enumerate(value):
        if not isinstance(item, dict) or item.get("type") not in ALERTER_TYPES:
            raise _fail(path, f"alerts[{i}].type", f"expected one of {', '.join(ALERTER_TYPES)}, got {item!r}")
        for key in required_keys(item["type"]):
            if not item.get(key):
                raise _fail(path, f"alerts[{i}].{key}", f"required for a {item['type']} alerter")
        out.append(dict(item))
    return out


def parse_rule(data: Any, path: str = "<rule>", default_name: str | None = None) -> Rule:
    """Validate one rule mapping; raises RuleError naming `path` and the offending field."""
    if not isinstance(data, dict):
        raise RuleError(f"{path}: expected a mapping of rule fields, got {type(data).__name__}")
    unknown = sorted(set(data) - ALLOWED)
    if unknown:
        raise _fail(path, unknown[0], f"unknown field; allowed: {', '.join(sorted(ALLOWED))}")
    rtype = data.get("type")
    if rtype not in RULE_TYPES:
        raise _fail(path, "type", f"expected one of {', '.join(RULE_TYPES)}, got {rtype!r}")
    merged = {**DEFAULTS[rtype], **{k: v for k, v in data.items() if v is not None}}
    name = merged.get("name") or default_name
    if not name or not isinstance(name, str) or not re.match(r"^[A-Za-z0-9_.-]+$", name):
        raise _fail(path, "name", f"expected letters, digits, '_', '-' or '.', got {name!r}")
    dims = merged.get("dimension")
    dims = [dims] if isinstance(dims, str) else dims
    if not isinstance(dims, list) or not dims or not all(isinstance(d, str) for d in dims):
        raise _fail(path, "dimension", f"expected a field name or a list like [theme, segment], got {dims!r}")
    if rtype != "schema_change":
        for d in dims:
            if d not in FIELDS:
                raise _fail(path, "dimension", f"unknown field {d!r}; use one of {', '.join(sorted(FIELDS))}")
    method = merged.get("method")
    methods = {"spike": ("poisson", "zscore"), "new_term": ("unseen", "significant"),
               "impact": ("nps", "csat", "stars")}.get(rtype)
    if methods and method not in methods:
        raise _fail(path, "method", f"expected one of {', '.join(methods)}, got {method!r}")
    if rtype == "new_term" and method == "significant" and len(dims) != 1:
        raise _fail(path, "dimension", "method 'significant' takes exactly one field")
    if rtype == "impact" and (merged.get("exclude") or merged.get("query") or len(dims) != 1
                              or dims[0] not in ("theme", "sub_theme")):
        raise _fail(path, "dimension", "an impact rule takes one dimension, theme or sub_theme, and no exclude or query")
    expected = merged.get("expected", "history")
    if expected not in ("history", "share"):
        raise _fail(path, "expected", f"expected 'history' or 'share', got {expected!r}")
    if expected == "share" and (rtype != "spike" or len(dims) < 2):
        raise _fail(path, "expected", "'share' needs a spike rule with two or more dimensions, e.g. [sub_theme, app_version]")
    query = merged.get("query")
    if query is not None and not isinstance(query, str):
        raise _fail(path, "query", f"expected keywords as a string, got {query!r}")
    if not isinstance(merged.get("count_needs_review", False), bool):
        raise _fail(path, "count_needs_review", f"expected true or false, got {merged['count_needs_review']!r}")
    owner = merged.get("owner")
    if owner is not None and not isinstance(owner, str):
        raise _fail(path, "owner", f"expected a team name, got {owner!r}")
    rule = Rule(
        name=name,
        type=rtype,
        path=path,
        description=str(merged.get("description") or ""),
        filters=_check_field_map(path, "filters", merged.get("filters")),
        exclude=_check_field_map(path, "exclude", merged.get("exclude")),
        query=query,
        dimension=list(dims),
        window=_duration(path, "window", merged["window"]),
        baseline_windows=_num(path, "baseline_windows", merged.get("baseline_windows", 7), int, 1),
        baseline=_duration(path, "baseline", merged.get("baseline", "30d")),
        days=_num(path, "days", merged.get("days", 14), int, 3),
        min_count=_num(path, "min_count", merged["min_count"], int, 0),
        threshold=_num(path, "threshold", merged["threshold"], float),
        method=method or "",
        min_ratio=_num(path, "min_ratio", merged.get("min_ratio", 1.0), float, 0),
        min_r2=_num(path, "min_r2", merged.get("min_r2", 0.0), float, 0),
        min_arr=_num(path, "min_arr", merged["min_arr"], float, 0) if merged.get("min_arr") is not None else None,
        renewal_within=_duration(path, "renewal_within", merged["renewal_within"]) if merged.get("renewal_within") else None,
        schedule=_schedule(path, merged.get("schedule")),
        realert=_duration(path, "realert", merged.get("realert", "1d")),
        owner=owner,
        alerts=_alerts(path, merged.get("alerts")),
        top_n=_num(path, "top_n", merged.get("top_n", 10), int, 1),
        enabled=bool(merged.get("enabled", True)),
        expected=expected,
        min_confidence=(_num(path, "min_confidence", merged["min_confidence"], float, 0)
                        if merged.get("min_confidence") is not None else None),
        count_needs_review=merged.get("count_needs_review", False),
    )
    if rtype == "spike" and rule.method == "poisson" and not 0 < rule.threshold < 1:
        raise _fail(path, "threshold", f"a poisson threshold is a p-value between 0 and 1, got {rule.threshold}")
    return rule


def load_rule(path: Path) -> Rule:
    try:
        data = yaml.safe_load(path.read_text(encoding="utf-8"))
    except yaml.YAMLError as exc:
        raise RuleError(f"{path}: not valid YAML ({exc})") from None
    except OSError as exc:
        raise RuleError(f"{path}: cannot read ({exc.strerror})") from None
    return parse_rule(data, str(path), default_name=path.stem)


def rule_files(directory: Path) -> list[Path]:
    return sorted(p for p in Path(directory).glob("*.y*ml") if p.name != ROUTING_FILE and p.suffix in (".yaml", ".yml"))


def load_rules(directory: Path | str | None = None, *, strict: bool = True) -> tuple[list[Rule], list[str]]:
    """All rules of a directory. Returns (rules, errors); with strict=True any error raises,
    listing every bad file at once."""
    directory = Path(directory or DEFAULT_RULES_DIR)
    if not directory.is_dir():
        raise RuleError(f"{directory}: rules directory not found (pass --rules DIR)")
    rules, errors, seen = [], [], {}
    for path in rule_files(directory):
        try:
            rule = load_rule(path)
        except RuleError as exc:
            errors.append(str(exc))
            continue
        if rule.name in seen:
            errors.append(f"{path}: field 'name': {rule.name!r} is also used by {seen[rule.name]}")
            continue
        seen[rule.name] = path
        rules.append(rule)
    if errors and strict:
        raise RuleError("\n".join(errors))
    return rules, errors
