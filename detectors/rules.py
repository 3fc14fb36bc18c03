"""Detector rules: one YAML file per rule, validated by a typed model (`RuleSpec`) into a `Rule`.

Every error names the file and the field, e.g.
`rules/spike_theme.yaml: field 'window': expected a duration like '1d', got 'soon'`,
so a bad rule is fixed without reading code. The shape follows ElastAlert 2 (type, filters,
window, realert, alerts) but speaks the feedback model (theme, segment, app_version...).
Rule types, their defaults and methods come from the registry (rule_types.py), alerters and
their required keys from detectors/alerters."""
from __future__ import annotations

import re
from datetime import timedelta
from pathlib import Path
from typing import Any

import yaml
from pydantic import BaseModel, ConfigDict, Field, ValidationError, ValidationInfo, field_validator, model_validator

from .alerters import ALERTERS, required_keys
from .fields import FIELDS
from .rule import Rule, Schedule, format_duration, parse_duration  # noqa: F401  (re-exported: the rule API)
from .rule_types import RULE_TYPES

ROUTING_FILE = "routing.yaml"
DEFAULT_RULES_DIR = Path(__file__).resolve().parent.parent / "rules"

ALLOWED = {
    "name", "type", "description", "filters", "exclude", "query", "dimension", "window",
    "baseline_windows", "baseline", "days", "min_count", "threshold", "method", "min_ratio",
    "min_r2", "min_arr", "renewal_within", "schedule", "realert", "owner", "alerts", "top_n",
    "enabled", "expected", "min_confidence", "count_needs_review",
}
# number fields: (kind, minimum)
NUMBERS: dict[str, tuple[type, float | None]] = {
    "baseline_windows": (int, 1), "days": (int, 3), "min_count": (int, 0), "threshold": (float, None),
    "min_ratio": (float, 0), "min_r2": (float, 0), "top_n": (int, 1), "min_arr": (float, 0),
    "min_confidence": (float, 0),
}


class RuleError(ValueError):
    """A rule file that cannot be used; the message names the file and the field."""


class FieldError(ValueError):
    """Raised inside the model: which field is wrong and why (the path is added by parse_rule)."""

    def __init__(self, field: str, message: str):
        super().__init__(message)
        self.field, self.message = field, message


def _num(fld: str, value: Any, kind: type = float, minimum: float | None = None):
    if isinstance(value, bool) or not isinstance(value, (int, float)):
        raise FieldError(fld, f"expected a number, got {value!r}")
    if kind is int and int(value) != value:
        raise FieldError(fld, f"expected a whole number, got {value!r}")
    if minimum is not None and value < minimum:
        raise FieldError(fld, f"must be >= {minimum}, got {value!r}")
    return kind(value)


def _duration(fld: str, value: Any) -> timedelta:
    try:
        td = parse_duration(value)
    except ValueError as exc:
        raise FieldError(fld, str(exc)) from None
    if td.total_seconds() <= 0:
        raise FieldError(fld, f"must be positive, got {value!r}")
    return td


def _field_map(fld: str, value: Any) -> dict[str, Any]:
    if value is None:
        return {}
    if not isinstance(value, dict):
        raise FieldError(fld, f"expected a mapping like {{theme: billing}}, got {value!r}")
    for key, v in value.items():
        if key not in FIELDS:
            raise FieldError(f"{fld}.{key}", f"unknown field; use one of {', '.join(sorted(FIELDS))}")
        if isinstance(v, (dict,)) or v is None:
            raise FieldError(f"{fld}.{key}", f"expected a value or a list of values, got {v!r}")
    return dict(value)


def _schedule(value: Any) -> Schedule:
    if isinstance(value, Schedule):  # the default
        return value
    if value is None:
        return Schedule(interval=timedelta(minutes=15))
    if isinstance(value, str):
        if len(value.split()) == 5:
            return _schedule({"cron": value})
        return Schedule(interval=_duration("schedule", value))
    if isinstance(value, dict) and set(value) <= {"interval", "cron"} and len(value) == 1:
        if "interval" in value:
            return Schedule(interval=_duration("schedule.interval", value["interval"]))
        cron = str(value["cron"])
        try:
            from apscheduler.triggers.cron import CronTrigger

            CronTrigger.from_crontab(cron)
        except ValueError as exc:
            raise FieldError("schedule.cron", f"not a 5-field crontab ({exc})") from None
        return Schedule(cron=cron)
    raise FieldError("schedule", f"expected '15m', {{interval: 15m}} or {{cron: '0 * * * *'}}, got {value!r}")


def _alerts(value: Any) -> list[dict[str, Any]]:
    if value is None:
        return []
    if not isinstance(value, list):
        raise FieldError("alerts", f"expected a list of alerters, got {value!r}")
    out = []
    for i, item in enumerate(value):
        if not isinstance(item, dict) or item.get("type") not in ALERTERS:
            raise FieldError(f"alerts[{i}].type", f"expected one of {', '.join(ALERTERS)}, got {item!r}")
        for key in required_keys(item["type"]):
            if not item.get(key):
                raise FieldError(f"alerts[{i}].{key}", f"required for a {item['type']} alerter")
        out.append(dict(item))
    return out


# what a free-text field holds, for its error message
_TEXT_MEANING = {"query": "keywords as a string", "owner": "a team name"}


class RuleSpec(BaseModel):
    """A rule file's fields, typed. Fields are declared (and so checked) in the order the first
    error is reported; a value left out takes its rule type's default (rule_types.py), then the
    default below. Cross-field rules are checked once every field is valid."""

    model_config = ConfigDict(validate_default=True)

    type: str
    name: str
    dimension: list[str]
    method: str = ""
    expected: str = "history"
    query: str | None = None
    count_needs_review: bool = False
    owner: str | None = None
    description: str = ""
    filters: dict[str, Any] = Field(default_factory=dict)
    exclude: dict[str, Any] = Field(default_factory=dict)
    window: timedelta
    baseline_windows: int = 7
    baseline: timedelta = timedelta(days=30)
    days: int = 14
    min_count: int
    threshold: float
    min_ratio: float = 1.0
    min_r2: float = 0.0
    min_arr: float | None = None
    renewal_within: timedelta | None = None
    schedule: Schedule = Field(default_factory=lambda: Schedule(interval=timedelta(minutes=15)))
    realert: timedelta = timedelta(days=1)
    alerts: list[dict[str, Any]] = Field(default_factory=list)
    top_n: int = 10
    enabled: bool = True
    min_confidence: float | None = None

    @model_validator(mode="before")
    @classmethod
    def _known_fields_and_type_defaults(cls, data: Any, info: ValidationInfo) -> Any:
        unknown = sorted(set(data) - ALLOWED)
        if unknown:
            raise FieldError(unknown[0], f"unknown field; allowed: {', '.join(sorted(ALLOWED))}")
        rtype = data.get("type")
        if rtype not in RULE_TYPES:
            raise FieldError("type", f"expected one of {', '.join(RULE_TYPES)}, got {rtype!r}")
        merged = {**RULE_TYPES[rtype].defaults, **{k: v for k, v in data.items() if v is not None}}
        merged["name"] = merged.get("name") or (info.context or {}).get("default_name")
        return merged

    @field_validator("name", mode="before")
    @classmethod
    def _name(cls, name: Any) -> str:
        if not name or not isinstance(name, str) or not re.match(r"^[A-Za-z0-9_.-]+$", name):
            raise FieldError("name", f"expected letters, digits, '_', '-' or '.', got {name!r}")
        return name

    @field_validator("dimension", mode="before")
    @classmethod
    def _dimension(cls, dims: Any, info: ValidationInfo) -> list[str]:
        dims = [dims] if isinstance(dims, str) else dims
        if not isinstance(dims, list) or not dims or not all(isinstance(d, str) for d in dims):
            raise FieldError("dimension", f"expected a field name or a list like [theme, segment], got {dims!r}")
        if info.data.get("type") != "schema_change":  # a connector is not a feedback field
            for d in dims:
                if d not in FIELDS:
                    raise FieldError("dimension", f"unknown field {d!r}; use one of {', '.join(sorted(FIELDS))}")
        return list(dims)

    @field_validator("method", mode="before")
    @classmethod
    def _method(cls, method: Any, info: ValidationInfo) -> str:
        methods = RULE_TYPES[info.data["type"]].methods if "type" in info.data else ()
        if methods and method not in methods:
            raise FieldError("method", f"expected one of {', '.join(methods)}, got {method!r}")
        return method or ""

    @field_validator("expected", mode="before")
    @classmethod
    def _expected(cls, expected: Any) -> str:
        if expected not in ("history", "share"):
            raise FieldError("expected", f"expected 'history' or 'share', got {expected!r}")
        return expected

    @field_validator("query", "owner", mode="before")
    @classmethod
    def _optional_text(cls, value: Any, info: ValidationInfo) -> str | None:
        if value is not None and not isinstance(value, str):
            raise FieldError(info.field_name, f"expected {_TEXT_MEANING[info.field_name]}, got {value!r}")
        return value

    @field_validator("count_needs_review", mode="before")
    @classmethod
    def _count_needs_review(cls, value: Any) -> bool:
        if not isinstance(value, bool):
            raise FieldError("count_needs_review", f"expected true or false, got {value!r}")
        return value

    @field_validator("description", mode="before")
    @classmethod
    def _description(cls, value: Any) -> str:
        return str(value or "")

    @field_validator("filters", "exclude", mode="before")
    @classmethod
    def _field_maps(cls, value: Any, info: ValidationInfo) -> dict[str, Any]:
        return _field_map(str(info.field_name), value)

    @field_validator("window", "baseline", "realert", mode="before")
    @classmethod
    def _durations(cls, value: Any, info: ValidationInfo) -> timedelta:
        return _duration(str(info.field_name), value)

    @field_validator("renewal_within", mode="before")
    @classmethod
    def _renewal_within(cls, value: Any) -> timedelta | None:
        return _duration("renewal_within", value) if value else None

    @field_validator(*NUMBERS, mode="before")
    @classmethod
    def _numbers(cls, value: Any, info: ValidationInfo) -> float | int | None:
        name = str(info.field_name)
        if value is None and name in ("min_arr", "min_confidence"):
            return None
        kind, minimum = NUMBERS[name]
        return _num(name, value, kind, minimum)

    @field_validator("schedule", mode="before")
    @classmethod
    def _check_schedule(cls, value: Any) -> Schedule:
        return _schedule(value)

    @field_validator("alerts", mode="before")
    @classmethod
    def _check_alerts(cls, value: Any) -> list[dict[str, Any]]:
        return _alerts(value)

    @field_validator("enabled", mode="before")
    @classmethod
    def _enabled(cls, value: Any) -> bool:
        return bool(value)

    @model_validator(mode="after")
    def _consistent(self) -> "RuleSpec":
        rtype, dims = self.type, self.dimension
        if rtype == "new_term" and self.method == "significant" and len(dims) != 1:
            raise FieldError("dimension", "method 'significant' takes exactly one field")
        if rtype == "impact" and (self.exclude or self.query or len(dims) != 1 or dims[0] not in ("theme", "sub_theme")):
            raise FieldError("dimension", "an impact rule takes one dimension, theme or sub_theme, and no exclude or query")
        if self.expected == "share" and (rtype != "spike" or len(dims) < 2):
            raise FieldError("expected", "'share' needs a spike rule with two or more dimensions, e.g. [sub_theme, app_version]")
        if rtype == "spike" and self.method == "poisson" and not 0 < self.threshold < 1:
            raise FieldError("threshold", f"a poisson threshold is a p-value between 0 and 1, got {self.threshold}")
        return self

    def to_rule(self, path: str) -> Rule:
        return Rule(path=path, **{name: getattr(self, name) for name in type(self).model_fields})


def parse_rule(data: Any, path: str = "<rule>", default_name: str | None = None) -> Rule:
    """Validate one rule mapping; raises RuleError naming `path` and the offending field."""
    if not isinstance(data, dict):
        raise RuleError(f"{path}: expected a mapping of rule fields, got {type(data).__name__}")
    try:
        spec = RuleSpec.model_validate(data, context={"default_name": default_name})
    except ValidationError as exc:
        raise RuleError(_message(path, exc)) from None
    return spec.to_rule(path)


def _message(path: str, exc: ValidationError) -> str:
    """The first problem, as `<file>: field '<field>': <what is wrong>`."""
    err = exc.errors()[0]
    cause = (err.get("ctx") or {}).get("error")
    if isinstance(cause, FieldError):
        return f"{path}: field '{cause.field}': {cause.message}"
    fld = ".".join(str(p) for p in err["loc"]) or "?"
    return f"{path}: field '{fld}': {err['msg']}"


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
    rules: list[Rule] = []
    errors: list[str] = []
    seen: dict[str, Path] = {}
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
