"""Duplicates as ingest left them in the index: the `is_duplicate` flags of an indexed demo against
the generator's duplicate groups. The in-memory eval (`duplicates.py`) scores `find_groups` on
every segment at once; this one scores what batches, the indexed lookup and its updates decided.

A gold repeat is every record part of a gold group but the earliest by its indexed time; a part
is flagged when any of its units is. Figures come with 95 % Wilson intervals.

    python -m indexer.evals.duplicates_indexed --data demo-data [--index-prefix voxindex]
"""
from __future__ import annotations

import argparse
from pathlib import Path

from indexer.evals.data import NoGroundTruth, gt_dir, key, read_jsonl
from indexer.evals.real.stats import wilson

Part = tuple[str, str, str]  # (source, record id, record part)


def gold_repeats(groups: list[list[Part]], created: dict[Part, str]) -> set[Part]:
    """Pure: the members of each gold group that came after its earliest indexed member."""
    out: set[Part] = set()
    for members in groups:
        seen = sorted((m for m in members if m in created), key=lambda m: created[m])
        out.update(seen[1:])
    return out


def flag_scores(flagged: set[Part], gold: set[Part]) -> dict[str, dict]:
    """Pure: precision and recall of the flagged parts against the gold repeats."""
    hit = len(flagged & gold)
    return {"flags": {"value": len(flagged)}, "precision": wilson(hit, len(flagged)),
            "recall": wilson(hit, len(gold))}


def read_groups(data_dir: Path) -> list[list[Part]]:
    """The generator's duplicate groups, each as its members' record parts."""
    return [[key(m) for m in g["members"]] for g in read_jsonl(gt_dir(data_dir) / "duplicates.jsonl")]


def read_index(es, alias: str) -> tuple[dict[Part, str], set[Part]]:
    """(earliest created_at, flagged parts) of the customer units under `alias`."""
    from elasticsearch import helpers

    created: dict[Part, str] = {}
    flagged: set[Part] = set()
    src = ["source", "source_record_id", "provenance.record_part", "created_at", "is_duplicate"]
    for hit in helpers.scan(es, index=alias, _source=src, query={"query": {"term": {"is_customer_signal": True}}}):
        s = hit["_source"]
        key = (s["source"], s["source_record_id"], (s.get("provenance") or {}).get("record_part") or "")
        created[key] = min(created.get(key, s["created_at"]), s["created_at"])
        if s.get("is_duplicate"):
            flagged.add(key)
    return created, flagged


def main(argv: list[str] | None = None) -> int:
    from dataclasses import replace

    from voxindex.config import get_settings
    from voxindex.es import client

    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--data", type=Path, default=Path("demo-data"), help="the demo data the index holds")
    ap.add_argument("--index-prefix", help="index prefix (default VOXINDEX_INDEX_PREFIX)")
    a = ap.parse_args(argv)
    settings = get_settings()
    if a.index_prefix:
        settings = replace(settings, index_prefix=a.index_prefix)
    created, flagged = read_index(client(settings), settings.indices.feedback)
    if not created:
        raise SystemExit(f"no customer units under {settings.indices.feedback}: ingest the demo data first")
    try:
        groups = read_groups(a.data)
    except NoGroundTruth as exc:
        raise SystemExit(str(exc)) from None
    gold = gold_repeats(groups, created)
    scores = flag_scores(flagged, gold)
    print(f"flagged parts {scores['flags']['value']} (gold repeats {len(gold)})")
    for name in ("precision", "recall"):
        m = scores[name]
        print(f"{name:9s} {m['value']:.4f} [{m['lo']:.4f}, {m['hi']:.4f}]")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
