"""What a detector returns: a condition seen at a time, before it becomes an alert."""
from __future__ import annotations

import hashlib
import json
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any


@dataclass
class Finding:
    rule: str
    kind: str  # the rule type, or "watch"
    title: str
    why: str
    dimension: dict[str, Any]  # the group that fired: {"theme": "billing", "region": "EU"}
    filters: dict[str, Any]  # the rule's own filters, friendly names
    window_start: datetime
    window_end: datetime
    observed: float = 0.0
    expected: float = 0.0
    trajectory: float = 0.0  # observed/expected ratio, or daily growth for trends
    statistic: float | None = None  # p-value, z, growth: what the rule thresholded on
    clauses: list[dict] = field(default_factory=list)  # ES filter for the units behind it
    must_not: list[dict] = field(default_factory=list)
    query: str | None = None
    unit_ids: list[str] = field(default_factory=list)  # set when known (watches)
    extra: dict[str, Any] = field(default_factory=dict)
    key: str | None = None  # a dedup key shared across rules (see new_value); default: rule + dimension

    @property
    def dedup_key(self) -> str:
        if self.key:
            return self.key
        key = json.dumps(self.dimension, sort_keys=True, default=str)
        digest = hashlib.sha1(key.encode()).hexdigest()[:12]
        label = ",".join(f"{k}={v}" for k, v in sorted(self.dimension.items()))
        return f"{self.rule}|{label[:120]}|{digest}"

    @property
    def theme(self) -> str | None:
        return self.dimension.get("theme") or _one(self.filters.get("theme"))

    @property
    def sub_theme(self) -> str | None:
        return self.dimension.get("sub_theme") or _one(self.filters.get("sub_theme"))


def _one(value: Any) -> Any:
    if isinstance(value, list):
        return value[0] if len(value) == 1 else None
    return value
