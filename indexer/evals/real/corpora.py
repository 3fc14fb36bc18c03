"""Reading the shared labeled corpora (one JSONL per split, see ../shared/corpora/README.md)."""
from __future__ import annotations

import json
from pathlib import Path

import numpy as np

DEFAULT_CORPORA = Path(__file__).resolve().parents[3].parent / "shared" / "corpora"


def corpora_dir(path: str | Path | None = None) -> Path:
    d = Path(path) if path else DEFAULT_CORPORA
    if not (d / "MANIFEST.json").exists() and not (d / "intent").is_dir():
        raise FileNotFoundError(f"no shared corpora under {d} (expected MANIFEST.json, intent/, sentiment/); "
                                "pass --corpora DIR")
    return d


def read(corpora: Path, name: str) -> list[dict]:
    """`intent/banking77-test` -> its rows ({"text", "label", ...})."""
    path = Path(corpora) / f"{name}.jsonl"
    if not path.exists():
        raise FileNotFoundError(f"corpus file {path} is missing")
    return [json.loads(line) for line in path.read_text(encoding="utf-8").splitlines() if line.strip()]


def sample(rows: list[dict], limit: int | None, seed: int = 0) -> list[dict]:
    """A fixed seeded sample of `limit` rows (all rows when limit is None or larger)."""
    if not limit or limit >= len(rows):
        return list(rows)
    idx = np.random.default_rng(seed).choice(len(rows), size=limit, replace=False)
    return [rows[i] for i in sorted(idx)]


def per_class(rows: list[dict], k: int, seed: int = 0, exclude: set[str] = frozenset()) -> list[dict]:
    """k rows per label (fewer when a label has fewer), drawn with a fixed seed; the k-shot train
    set of a learning curve. Nested: the 5-shot set is inside the 10-shot set for the same seed."""
    rng = np.random.default_rng(seed)
    by: dict[str, list[dict]] = {}
    for r in rows:
        if r["label"] not in exclude:
            by.setdefault(r["label"], []).append(r)
    out = []
    for label in sorted(by):
        group = by[label]
        order = rng.permutation(len(group))
        out.extend(group[i] for i in order[:k])
    return out
