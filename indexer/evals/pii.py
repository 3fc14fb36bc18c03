"""PII eval: planted values (ground_truth/pii.jsonl) vs what the redactor detects.

Each labelled part's clear text is read through the connectors (what ingest sees) and run
through `indexer.enrich.pii.detect` with the part author's name as a known name and the CRM
names (people.csv) as the gazetteer, as the pipeline does with the people index.
- recall: a planted value counts as found if one detected span covers it (2 chars of slack);
  `recall_any_type` also accepts a covering span of another type (it is still redacted).
- precision: a detection is correct if it overlaps a planted value of a compatible type.
Only customer parts are scored: values are planted in customer text, and agent text holds
real-but-unplanted names (greetings, signatures) that would read as false positives.
"""
from __future__ import annotations

import csv
from collections import defaultdict
from pathlib import Path

from .data import gt_dir, parsed_records, read_jsonl, sample
from .metrics import _f1, table

SLACK = 2
# detections of these types may legitimately cover a planted value of the key type
COMPATIBLE = {
    "CREDIT_CARD": {"CREDIT_CARD", "ACCOUNT_NUMBER"},
    "IBAN_CODE": {"IBAN_CODE", "ACCOUNT_NUMBER"},
    "PHONE_NUMBER": {"PHONE_NUMBER"},
    "EMAIL_ADDRESS": {"EMAIL_ADDRESS"},
    "API_KEY": {"API_KEY"},
    "PERSON": {"PERSON"},
    "ADDRESS": {"ADDRESS"},
}


def _read_parts(root: Path) -> dict[tuple[str, str, str], tuple[str, str | None, str]]:
    """(source, record_id, part) -> (text, author_name, speaker_role), via the connectors."""
    out: dict = {}
    for conn, item in parsed_records(root):
        for p in item.parts:
            out[(conn.source, str(item.record_id), p.part)] = (p.text, p.author_name, p.speaker_role)
    return out


def _parts_from_units(gt: Path) -> dict:
    """Fallback without connectors: clear segment texts joined per part."""
    grouped: dict = defaultdict(list)
    for u in read_jsonl(gt / "units.jsonl"):
        grouped[(u["source"], str(u["record_id"]), u["part"])].append((u.get("segment", 0), u["text"], u.get("speaker_role")))
    return {k: (" ".join(t for _, t, _ in sorted(v)), None, v[0][2]) for k, v in grouped.items()}


def _gazetteer(root: Path):
    from indexer.enrich.pii import NameGazetteer

    people = root / "people.csv"
    if not people.exists():
        return None
    with open(people, newline="", encoding="utf-8") as fh:
        return NameGazetteer(row.get("name") or "" for row in csv.DictReader(fh))


def run(data_dir, limit: int | None = None) -> dict:
    from indexer.enrich.pii import detect

    gt = gt_dir(data_dir)
    root = gt.parent if gt.name == "ground_truth" else gt
    planted: dict = defaultdict(list)
    for row in read_jsonl(gt / "pii.jsonl"):
        planted[(row["source"], str(row["record_id"]), row["part"])].append((row["type"], row["value"]))
    parts = _read_parts(root) or _parts_from_units(gt)
    keys = [k for k, v in parts.items() if v[2] == "customer"]
    keys = sample(sorted(keys), limit, by=lambda k: "|".join(k))
    gazetteer = _gazetteer(root)

    found, found_any, support = defaultdict(int), defaultdict(int), defaultdict(int)
    det_ok, det_all = defaultdict(int), defaultdict(int)
    missing_text = 0
    misses: list[dict] = []
    false_pos: list[dict] = []
    for key in keys:
        text, author, _ = parts[key]
        spans = detect(text, [author], gazetteer, key[0] != "appstore")
        located = []
        for typ, value in planted.get(key, []):
            start = text.find(value)
            # a value planted twice (or inside a longer planted value): take the next free occurrence
            while start >= 0 and any(b <= start < e for _, b, e in located):
                start = text.find(value, start + 1)
            if start < 0:
                start = text.find(value)
            if start < 0:
                missing_text += 1
                continue
            end = start + len(value)
            located.append((typ, start, end))
            support[typ] += 1
            covering = [s for s in spans if s.start <= start + SLACK and s.end >= end - SLACK]
            if any(s.type in COMPATIBLE.get(typ, {typ}) for s in covering):
                found[typ] += 1
            elif len(misses) < 25:
                misses.append({"type": typ, "value": value[:60], "around": text[max(0, start - 50) : end + 30],
                               "detected": [(s.type, text[s.start:s.end][:40]) for s in spans]})
            if covering:
                found_any[typ] += 1
        for s in spans:
            det_all[s.type] += 1
            if any(s.start < e and s.end > b and s.type in COMPATIBLE.get(t, {t}) for t, b, e in located):
                det_ok[s.type] += 1
            elif len(false_pos) < 25:
                false_pos.append({"type": s.type, "text": text[s.start:s.end][:60]})

    per = {}
    for typ in sorted(set(support) | set(det_all)):
        r = found[typ] / support[typ] if support[typ] else None
        p = det_ok[typ] / det_all[typ] if det_all[typ] else None
        per[typ] = {
            "precision": round(p, 4) if p is not None else None,
            "recall": round(r, 4) if r is not None else None,
            "recall_any_type": round(found_any[typ] / support[typ], 4) if support[typ] else None,
            "f1": round(_f1(p, r), 4) if p is not None and r is not None else None,
            "support": support[typ],
            "detections": det_all[typ],
        }
    tot_s, tot_f, tot_fa = sum(support.values()), sum(found.values()), sum(found_any.values())
    tot_d, tot_ok = sum(det_all.values()), sum(det_ok.values())
    P = tot_ok / tot_d if tot_d else 0.0
    R = tot_f / tot_s if tot_s else 0.0
    return {
        "parts": len(keys),
        "planted": tot_s,
        "planted_not_in_text": missing_text,
        "precision": round(P, 4),
        "recall": round(R, 4),
        "recall_any_type": round(tot_fa / tot_s, 4) if tot_s else 0.0,
        "f1": round(_f1(P, R), 4),
        "per_type": per,
        "gazetteer_names": len(gazetteer) if gazetteer else 0,
        "examples_missed": misses,
        "examples_false_positive": false_pos,
    }


def format(m: dict) -> str:
    fmt = lambda v: "-" if v is None else v  # noqa: E731
    rows = [[t, fmt(v["precision"]), fmt(v["recall"]), fmt(v["recall_any_type"]), fmt(v["f1"]), v["support"], v["detections"]]
            for t, v in m["per_type"].items()]
    rows.append(["ALL", m["precision"], m["recall"], m["recall_any_type"], m["f1"], m["planted"],
                 sum(v["detections"] for v in m["per_type"].values())])
    return f"PII ({m['parts']} customer parts)\n" + table(rows, ["type", "P", "R", "R(any type)", "F1", "planted", "detected"])
