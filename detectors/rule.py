"""A detector rule as the runner uses it: the typed `Rule`, its `Schedule`, and durations.

Rule files are parsed and validated into this shape by `rules.py`; rule-type modules import
only this module, so the registry of rule types (`rule_types.py`) can be read by validation
without an import cycle."""
from __future__ import annotations

import re
from dataclasses import dataclass, field
from datetime import timedelta
from typing import Any

_DURATION = re.compile(r"^\s*(\d+(?:\.\d+)?)\s*(s|m|h|d|w)\s*$")
_UNITS = {"s": "seconds", "m": "minutes", "h": "hours", "d": "days", "w": "weeks"}


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
