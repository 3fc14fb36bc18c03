"""Reading a labeled directory: `ground_truth/` plus the source files beside it.

Ground truth is keyed by (source, record_id, part, segment). The raw files are read through the
connectors (`indexer.sources`) when they exist, so the evals see what ingest sees: timestamps,
ratings, and the connectors' speaker roles for attribution.
"""
from __future__ import annotations

import hashlib
import json
from dataclasses import dataclass, field
from functools import lru_cache
from pathlib import Path
from typing import Iterator

from voxindex.model import FeedbackUnit


class NoGroundTruth(FileNotFoundError):
    pass


def gt_dir(data_dir: str | Path) -> Path:
    d = Path(data_dir)
    for cand in (d / "ground_truth", d):
        if (cand / "units.jsonl").exists():
            return cand
    raise NoGroundTruth(
        f"no ground_truth/units.jsonl under {d}; write labeled data with `voxindex demo-data --out {d}` "
        "or point --data at a directory in the ground-truth format (docs/source-formats.md)"
    )


def read_jsonl(path: Path) -> list[dict]:
    if not path.exists():
        return []
    return [json.loads(line) for line in path.read_text(encoding="utf-8").splitlines() if line.strip()]


def key(row: dict) -> tuple[str, str, str]:
    return (str(row["source"]), str(row["record_id"]), str(row["part"]))


def sample(rows: list, limit: int | None, by=lambda r: json.dumps(r, sort_keys=True)) -> list:
    """A deterministic spread sample: the first `limit` rows by a hash order (stable across runs,
    mixes sources and classes unlike a head slice)."""
    if not limit or limit >= len(rows):
        return list(rows)
    ranked = sorted(rows, key=lambda r: hashlib.sha1(by(r).encode()).hexdigest())
    return ranked[:limit]


@dataclass
class GroundTruth:
    root: Path
    units: list[dict]
    duplicates: list[dict]
    summary: dict = field(default_factory=dict)

    def customer(self) -> list[dict]:
        return [u for u in self.units if u.get("speaker_role") == "customer" and u.get("theme")]


def load(data_dir: str | Path) -> GroundTruth:
    root = gt_dir(data_dir)
    summary = json.loads((root / "summary.json").read_text()) if (root / "summary.json").exists() else {}
    return GroundTruth(root, read_jsonl(root / "units.jsonl"), read_jsonl(root / "duplicates.jsonl"), summary)


@dataclass
class SourceView:
    """What the connectors read from the raw files: units and part roles per (source, record, part)."""

    units: dict[tuple[str, str, str], FeedbackUnit]
    roles: dict[tuple[str, str, str], str]
    available: bool
    note: str = ""


def parsed_records(data_dir) -> Iterator[tuple]:
    """(connector, Parsed) for every well-formed record of every feedback source file in
    data_dir, read by the connectors exactly as ingest reads them. Raises ImportError when the
    connectors are not installed."""
    from indexer.sources import FEEDBACK_CONNECTORS
    from indexer.sources.base import Parsed

    d = Path(data_dir)
    for cls in FEEDBACK_CONNECTORS.values():
        conn = cls()
        path = d / conn.default_filename
        if not path.exists():
            continue
        for item in conn.read(path):
            if isinstance(item, Parsed):
                yield conn, item


@lru_cache(maxsize=4)
def read_sources(data_dir: str) -> SourceView:
    units: dict = {}
    roles: dict = {}
    for conn, item in parsed_records(data_dir):
        for part in item.parts:
            roles[(conn.source, str(item.record_id), part.part)] = part.speaker_role
        for u in item.units:
            units[(u.source, u.source_record_id, u.provenance.record_part or "")] = u
    return SourceView(units, roles, True)
