"""Analysts' taxonomy corrections: one JSON line per relabel, under VOXINDEX_HOME/corrections/.

A correction is a training example for `voxindex taxonomy learn` (the unit's stored text is
already PII-redacted). Appends are single writes of one line, so concurrent API workers do not
interleave records."""
from __future__ import annotations

import json
import os
from dataclasses import asdict, dataclass
from datetime import datetime, timezone
from pathlib import Path


@dataclass(frozen=True)
class Correction:
    unit_id: str
    text: str
    sub_theme: str
    previous: str | None
    taxonomy_version: str | None
    user: str | None
    at: str


def path(settings) -> Path:
    return Path(settings.home) / "corrections" / "corrections.jsonl"


def record(settings, unit_id: str, text: str, sub_theme: str, previous: str | None,
           taxonomy_version: str | None, user: str | None) -> Correction:
    c = Correction(unit_id, text, sub_theme, previous, taxonomy_version, user,
                   datetime.now(timezone.utc).isoformat())
    p = path(settings)
    p.parent.mkdir(parents=True, exist_ok=True)
    line = (json.dumps(asdict(c), ensure_ascii=False) + "\n").encode("utf-8")
    fd = os.open(p, os.O_WRONLY | os.O_APPEND | os.O_CREAT, 0o600)
    try:
        os.write(fd, line)
    finally:
        os.close(fd)
    return c


def read_corrections(settings) -> list[dict]:
    """Every correction, the latest one per unit winning."""
    p = path(settings)
    if not p.exists():
        return []
    latest: dict[str, dict] = {}
    for line in p.read_text(encoding="utf-8").splitlines():
        if line.strip():
            row = json.loads(line)
            latest[row["unit_id"]] = row
    return list(latest.values())


def corrected_labels(taxonomy, sub_theme: str) -> dict:
    """Pure: the indexed `taxonomy` object of a unit an analyst relabelled to `sub_theme`."""
    theme = taxonomy.theme_of(sub_theme)
    return {"version": taxonomy.version, "theme": [theme], "sub_theme": [sub_theme], "primary_theme": theme,
            "primary_sub_theme": sub_theme, "confidence": 1.0, "needs_review": False, "confident": True,
            "unclassified": False}


def relabel(es, settings, hit: dict, taxonomy, sub_theme: str, user: str | None) -> dict:
    """Apply an analyst's label to one indexed unit (its search hit) and record the correction.
    The caller has checked the role, the scope and that `sub_theme` is in `taxonomy`."""
    previous = (hit["_source"].get("taxonomy") or {}).get("primary_sub_theme")
    labels = corrected_labels(taxonomy, sub_theme)
    es.update(index=hit["_index"], id=hit["_id"], doc={"taxonomy": labels}, refresh=True)
    record(settings, hit["_source"].get("unit_id") or hit["_id"], hit["_source"].get("text") or "", sub_theme,
           previous, taxonomy.version, user)
    return {"previous": previous, "taxonomy": labels}
