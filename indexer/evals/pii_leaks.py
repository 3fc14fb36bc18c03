"""Does any index hold a planted PII value in clear?

Reads every planted value from ground_truth/pii.jsonl and scans the whole `_source` of every
document in the feedback, dead-letter and audit indices (text, title, context turns, source URLs,
dead-letter payloads and reasons, audited query params, every other field) for it, as a whole
word (so the planted first name "Tom" is not found inside "Tomorrow") but otherwise as plain
text — no analyzer in between that could hide a leak. Zero leaks is the only pass.
"""
from __future__ import annotations

import json
import re
from pathlib import Path

from elasticsearch import Elasticsearch, helpers


def planted_values(data_dir: Path) -> dict[str, str]:
    """value -> PII type, for every value planted by the generator."""
    out: dict[str, str] = {}
    with open(Path(data_dir) / "ground_truth" / "pii.jsonl", encoding="utf-8") as fh:
        for line in fh:
            row = json.loads(line)
            out[row["value"]] = row["type"]
    return out


SCANNED_KINDS = ("feedback", "deadletter", "audit")


def scan(es: Elasticsearch, index: str, values: dict[str, str]) -> tuple[int, list[dict]]:
    """(documents scanned, leaks as {unit_id (the document id), type, value})."""
    leaks: list[dict] = []
    docs = 0
    needles = [(v, re.compile(r"(?<!\w)" + re.escape(v) + r"(?!\w)")) for v in sorted(values, key=len, reverse=True)]
    for hit in helpers.scan(es, index=index, query={"query": {"match_all": {}}}, size=1000):
        docs += 1
        blob = json.dumps(hit["_source"], ensure_ascii=False)
        for value, pattern in needles:
            if value in blob and pattern.search(blob):
                leaks.append({"unit_id": hit["_id"], "type": values[value], "value": value})
    return docs, leaks


def scan_all(es: Elasticsearch, settings, values: dict[str, str]) -> dict[str, tuple[int, list[dict]]]:
    """{index: (documents scanned, leaks)} for every scanned kind whose index exists."""
    out = {}
    for kind in SCANNED_KINDS:
        index = settings.indices.alias(kind)
        if es.indices.exists_alias(name=index):
            es.indices.refresh(index=index)
            out[index] = scan(es, index, values)
    return out


def run(data_dir, limit=None) -> dict:
    from voxindex.config import get_settings
    from voxindex.es import client

    settings = get_settings()
    es = client(settings)
    if not (Path(data_dir) / "ground_truth" / "pii.jsonl").exists():
        return {"skipped": f"no ground_truth/pii.jsonl under {data_dir}"}
    if not es.indices.exists_alias(name=settings.indices.feedback):
        return {"skipped": f"no {settings.indices.feedback} index to scan: ingest the data first"}
    values = planted_values(Path(data_dir))
    per_index = {}
    leaks: list[dict] = []
    for index, (docs, found) in scan_all(es, settings, values).items():
        per_index[index] = {"documents_scanned": docs, "leaks": len(found)}
        leaks.extend({**leak, "index": index} for leak in found)
    by_type: dict[str, int] = {}
    for leak in leaks:
        by_type[leak["type"]] = by_type.get(leak["type"], 0) + 1
    return {"index": settings.indices.feedback, "indices": per_index, "planted_values": len(values),
            "documents_scanned": sum(v["documents_scanned"] for v in per_index.values()),
            "leaks": len(leaks), "leaks_by_type": by_type,
            # the report names where a value leaked and its type, never the value itself
            "examples": [{k: v for k, v in leak.items() if k != "value"} for leak in leaks[:10]]}


def format(metrics: dict) -> str:
    if "skipped" in metrics:
        return f"PII leak scan skipped: {metrics['skipped']}"
    lines = [f"PII leak scan: {metrics['planted_values']} planted values -> {metrics['leaks']} found in clear"]
    for index, row in metrics.get("indices", {}).items():
        lines.append(f"  {index:32s} {row['documents_scanned']:7d} documents  {row['leaks']} leaks")
    for kind, n in sorted(metrics["leaks_by_type"].items()):
        lines.append(f"  {kind:16s} {n}")
    for leak in metrics["examples"]:
        lines.append(f"  e.g. {leak.get('index', '')} doc {leak['unit_id']}: {leak['type']}")
    return "\n".join(lines)
