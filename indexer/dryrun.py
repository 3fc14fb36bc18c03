"""`voxindex ingest --dry-run`: how the first records of a file map, without writing anything
(and without Elasticsearch). Shows what the reader found, the field map in force, and per
record the id, time, text, person and account, or the reason it would be rejected."""
from __future__ import annotations

from collections import Counter
from itertools import islice
from pathlib import Path

from .sources.base import Bad, Connector, Parsed
from .sources.diagnose import duplicate_hint, fail_fast, reason_kind

DRY_RUN_RECORDS = 20
TEXT_CHARS = 70


def mask_email(email: str | None) -> str | None:
    """`dana@northwind.com` -> `d***@northwind.com`: enough to check the column, not the address."""
    if not email:
        return None
    local, at, domain = email.partition("@")
    return f"{local[:1]}***@{domain}" if at else "***"


def _short(text: str, n: int = TEXT_CHARS) -> str:
    flat = " ".join(text.split())
    return flat if len(flat) <= n else flat[: n - 1] + "…"


def describe_record(item: Parsed | Bad) -> list[str]:
    if isinstance(item, Bad):
        return [f"{item.raw_ref}  REJECTED  {item.reason}"]
    if not item.units:
        return [f"{item.raw_ref}  id {item.record_id}  time {item.cursor_value}  (no customer words: counted as empty)"]
    lines = []
    for unit in item.units:
        person = " / ".join(p for p in (unit.author_name, mask_email(unit.author_email)) if p) or "-"
        lines.append(
            f"{item.raw_ref}  id {item.record_id}  time {unit.created_at.strftime('%Y-%m-%dT%H:%M:%SZ')}"
            f"  person {person}  account {unit.account_id or '-'}"
            + (f"  rating {unit.rating:g}" if unit.rating is not None else "")
        )
        lines.append(f"    text: {_short(unit.text)}")
    return lines


def dry_run(connector: Connector, path: str | Path, n: int = DRY_RUN_RECORDS) -> tuple[str, bool]:
    """(report, ok): ok is False when none of the first n records would be ingested."""
    items = list(islice(connector.read(Path(path)), n))
    opened = connector.last_file
    lines = []
    if opened is not None:
        lines.append(opened.describe())
        lines.append("columns: " + ", ".join(opened.columns))
    note = getattr(connector, "map_note", None)
    if note:
        lines.append(note)
    elif hasattr(connector, "field_map"):
        lines.append(f"{connector.name}: field map: " + ", ".join(f"{k}<-{v}" for k, v in connector.field_map.items()))
    tp = connector.time_parser
    formats = ", ".join(repr(f) for f in tp.formats) or "ISO-8601, epoch and unambiguous dates"
    lines.append(f"timestamps: {formats}; naive ones read in {getattr(tp.default_tz, 'key', None) or tp.default_tz}")
    lines.append("")
    for item in items:
        lines.extend(describe_record(item))
    good = [i for i in items if isinstance(i, Parsed)]
    bad = [i for i in items if isinstance(i, Bad)]
    ids = Counter(p.record_id for p in good)
    repeats = sum(c - 1 for c in ids.values())
    lines.append("")
    lines.append(f"first {len(items)} records: {len(good)} map, {len(bad)} rejected; nothing was written")
    if bad:
        kinds = Counter(reason_kind(b.reason) for b in bad)
        (kind, times), = kinds.most_common(1)
        lines.append(f"  most common rejection ({times}x): {next(b.reason for b in bad if reason_kind(b.reason) == kind)}")
    stop = fail_fast(items, len(items), opened.columns if opened else ())
    if stop is not None:
        lines.append(f"  every record fails the same way; fix: {stop.fix}")
    hint = duplicate_hint(repeats, [i for i, c in ids.items() if c > 1])
    if hint:
        lines.append("  " + hint.replace(" record", " of these records", 1))
    return "\n".join(lines), bool(good)
