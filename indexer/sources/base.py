"""What every connector shares: file readers, the Parsed/Bad results, and turning the parts of
one record (a ticket's comments, a call's turns, a review's body) into feedback units.

A connector only knows its format: `parse(record)` turns one decoded record (a JSON object or a
CSV row as a dict) into `Part`s plus record-level fields, or raises `ValidationError` with a
human-readable reason. Everything else (line numbers, payload text, hashing, context windows,
deterministic ids) lives here so the six connectors stay small and agree with each other.
"""
from __future__ import annotations

import hashlib
import json
from dataclasses import dataclass, field
from datetime import datetime
from pathlib import Path
from typing import Any, Iterable, Iterator

from voxindex.model import (
    SPEAKER_ROLES,
    ContextTurn,
    FeedbackUnit,
    Provenance,
    ValidationError,
    iso,
    parse_time,
    stable_id,
    to_jsonable,
)

from .readers import FileOptions, RawRecord, RecordFile, open_records
from .timeparse import DEFAULT_PARSER, TimeParser, zone_name

CONTEXT_BEFORE = 3
CONTEXT_AFTER = 1
CONTEXT_CHARS = 500


@dataclass
class Part:
    """One attributed piece of a record: a comment, a call turn, a review body."""

    part: str  # "c3", "t12", "body"
    speaker_role: str
    text: str
    author_name: str | None = None
    author_email: str | None = None
    created_at: datetime | None = None
    position: int = 0
    author_id: str | None = None


@dataclass
class Parsed:
    """A well-formed record: its parts (every speaker) and the units (customer parts only)."""

    record_id: str
    cursor_value: str  # normalised ISO-8601 UTC
    raw_ref: str  # "tickets.jsonl#L12"
    raw_hash: str  # hash of the decoded record, independent of whitespace and key order
    parts: list[Part]
    units: list[FeedbackUnit]
    payload: str = ""  # raw text of the record, for dead letters
    fields: frozenset[str] = frozenset()  # field names seen, for schema-change detection

    @property
    def cursor_time(self) -> datetime:
        return parse_time(self.cursor_value, "cursor")


@dataclass
class Bad:
    """A malformed record: kept with its raw text and the reason, never silently dropped."""

    raw_ref: str
    payload: str
    reason: str
    record: dict[str, Any] | None = None  # the record's values by column, as far as it decoded: they tell names apart


# ------------------------------------------------------------------ readers (thin I/O edges)


def read_jsonl(path: Path) -> Iterator[RawRecord]:
    return open_records(path, "jsonl").records


def read_csv(path: Path) -> Iterator[RawRecord]:
    return open_records(path, "csv").records


# ------------------------------------------------------------------ value helpers


def blank(value: Any) -> bool:
    return value is None or (isinstance(value, str) and not value.strip())


def text_or_none(value: Any) -> str | None:
    if blank(value):
        return None
    return str(value).strip()


def require(record: dict, name: str, label: str | None = None) -> Any:
    value = record.get(name)
    if blank(value):
        raise ValidationError(f"{label or name}: required field missing")
    return value


def parse_number(value: Any, name: str, low: float | None = None, high: float | None = None) -> float | None:
    if blank(value):
        return None
    if isinstance(value, bool):
        raise ValidationError(f"{name}: {value!r} is not a number")
    try:
        number = float(value)
    except (TypeError, ValueError):
        raise ValidationError(f"{name}: {value!r} is not a number") from None
    if number != number:  # NaN
        raise ValidationError(f"{name}: NaN is not a number")
    if (low is not None and number < low) or (high is not None and number > high):
        raise ValidationError(f"{name}: {value!r} is outside {low:g}..{high:g}")
    return number


def record_hash(record: dict) -> str:
    canon = json.dumps(record, sort_keys=True, ensure_ascii=False, default=str)
    return hashlib.sha1(canon.encode("utf-8")).hexdigest()


def payload_hash(payload: str) -> str:
    return hashlib.sha1(payload.encode("utf-8")).hexdigest()


def field_names(record: dict) -> frozenset[str]:
    """Top-level keys plus one level of nested object keys (custom_fields.app_version)."""
    names = set()
    for key, value in record.items():
        names.add(str(key))
        if isinstance(value, dict):
            names.update(f"{key}.{sub}" for sub in value)
    return frozenset(names)


# Fields that change without the words or their meaning changing; left out of the unit hash so
# that a re-export (new line numbers, a later updated_at) does not re-run enrichment.
_VOLATILE = ("ingested_at", "updated_at", "provenance")


def unit_hash(unit: FeedbackUnit) -> str:
    """Fingerprint of everything enrichment reads (text, context, metadata, identity inputs)."""
    doc = to_jsonable(unit)
    for key in _VOLATILE:
        doc.pop(key, None)
    canon = json.dumps(doc, sort_keys=True, ensure_ascii=False)
    return hashlib.sha1(canon.encode("utf-8")).hexdigest()


# ------------------------------------------------------------------ parts -> units


@dataclass
class RecordInfo:
    """Record-level fields copied onto every unit of the record."""

    record_id: str
    created_at: datetime
    updated_at: datetime | None = None
    cursor: str | None = None
    thread_id: str | None = None
    title: str | None = None
    tags: list[str] = field(default_factory=list)
    locale: str | None = None
    app_version: str | None = None
    product_area: str | None = None
    rating: float | None = None
    account_id: str | None = None
    source_url: str | None = None


def context_for(parts: list[Part], index: int) -> list[ContextTurn]:
    """Up to 3 turns before and 1 after, any speaker, truncated, for reading only."""
    spoken = [(i, p) for i, p in enumerate(parts) if p.text.strip()]
    at = next(k for k, (i, _) in enumerate(spoken) if i == index)
    window = spoken[max(0, at - CONTEXT_BEFORE) : at] + spoken[at + 1 : at + 1 + CONTEXT_AFTER]
    return [ContextTurn(speaker_role=p.speaker_role, text=p.text[:CONTEXT_CHARS], part=p.part) for _, p in window]


class Connector:
    """One export format. Subclasses set the class attributes and implement `parse`."""

    name: str = ""
    source: str = ""
    channel: str = ""
    default_filename: str = ""
    cursor_field: str = ""
    file_format: str = "jsonl"  # or "csv"

    # -- the format-specific part

    def parse(self, record: dict[str, Any]) -> tuple[RecordInfo, list[Part]]:
        raise NotImplementedError

    # -- shared

    file_options: FileOptions = FileOptions()
    time_parser: TimeParser = DEFAULT_PARSER
    last_file: RecordFile | None = None  # what the last open() found, for --dry-run and the summary

    def configure(self, time_parser: TimeParser | None = None, file_options: FileOptions | None = None) -> "Connector":
        """How this deployment's files are written: time formats and zone, encoding, delimiter."""
        if time_parser is not None:
            self.time_parser = time_parser
        if file_options is not None:
            self.file_options = file_options
        return self

    def config_key(self) -> str:
        """'' with the default reading; else a short hash of what changes which records a file
        yields and when (time formats, zone, field map, a workbook's sheet). Part of the cursor's key, so a re-run
        with a corrected mapping re-reads the file instead of skipping it by the old cursor."""
        parts = list(self._config_parts())
        if self.file_options.sheet is not None:  # another sheet holds other records: its own cursor
            parts.append(("sheet", self.file_options.sheet))
        tp = self.time_parser
        if tp.formats or tp.default_tz is not DEFAULT_PARSER.default_tz:
            parts.append(("time", tp.formats, str(tp.default_tz)))
        return stable_id(*map(repr, parts))[:10] if parts else ""

    def _config_parts(self) -> list[Any]:
        return []

    def reader_options(self) -> dict[str, Any]:
        """The `make_connector` arguments (besides the name) this connector reads with, stored on
        each dead letter so a replay reads the record back the same way: with the defaults it
        would guess another map, times or id, and index a second copy under another id."""
        tp, fo = self.time_parser, self.file_options
        options = {"time_format": list(tp.formats), "timezone": zone_name(tp.default_tz), "encoding": fo.encoding,
                   "delimiter": fo.delimiter, "sheet": fo.sheet, **self._reader_parts()}
        return {k: v for k, v in options.items() if v}

    def _reader_parts(self) -> dict[str, Any]:
        return {}

    def time(self, value: Any, field_name: str) -> datetime:
        return self.time_parser.parse(value, field_name)

    def open(self, path: Path) -> RecordFile:
        self.last_file = open_records(path, self.file_format, self.file_options)
        return self.last_file

    def records(self, path: Path) -> Iterator[RawRecord]:
        return self.open(path).records

    def read(self, path: str | Path) -> Iterator[Parsed | Bad]:
        for raw in self.records(Path(path)):
            yield self.parse_raw(raw)

    def read_dicts(self, records: Iterable[dict[str, Any]], ref_prefix: str) -> Iterator[Parsed | Bad]:
        """Records already decoded (the search API's POST /v1/ingest)."""
        for i, record in enumerate(records):
            ref = f"{ref_prefix}#{i}"
            payload = json.dumps(record, ensure_ascii=False, default=str)
            if not isinstance(record, dict):
                yield Bad(ref, payload, f"expected an object, got {type(record).__name__}")
                continue
            yield self.parse_raw(RawRecord(ref, payload, record))

    def parse_raw(self, raw: RawRecord) -> Parsed | Bad:
        if raw.error is not None or raw.record is None:
            return Bad(raw.raw_ref, raw.payload, raw.error or "undecodable record", raw.partial)
        try:
            info, parts = self.parse(raw.record)
        except ValidationError as exc:
            return Bad(raw.raw_ref, raw.payload, str(exc), raw.record)
        except (TypeError, AttributeError, KeyError, ValueError) as exc:
            # a field of the wrong shape (a string where a list belongs, ...)
            return Bad(raw.raw_ref, raw.payload, f"wrong type: {exc}", raw.record)
        cursor = info.cursor or iso(info.updated_at or info.created_at)
        units = self.units_for(info, parts, raw.raw_ref, cursor)
        return Parsed(
            record_id=info.record_id,
            cursor_value=cursor,
            raw_ref=raw.raw_ref,
            raw_hash=record_hash(raw.record),
            parts=parts,
            units=units,
            payload=raw.payload,
            fields=field_names(raw.record),
        )

    def units_for(self, info: RecordInfo, parts: list[Part], raw_ref: str, cursor: str) -> list[FeedbackUnit]:
        units = []
        for index, part in enumerate(parts):
            if part.speaker_role != "customer" or not part.text.strip():
                continue
            unit = FeedbackUnit(
                unit_id=stable_id(self.source, info.record_id, part.part, 0),
                source_record_id=info.record_id,
                source=self.source,
                channel=self.channel,
                connector=self.name,
                text=part.text.strip(),
                created_at=part.created_at or info.created_at,
                speaker_role="customer",
                is_customer_signal=True,
                thread_id=info.thread_id,
                position=part.position,
                segment_index=0,
                title=info.title,
                updated_at=info.updated_at or info.created_at,
                locale=info.locale,
                product_area=info.product_area,
                app_version=info.app_version,
                rating=info.rating,
                tags=list(info.tags),
                author_name=part.author_name,
                author_email=part.author_email,
                account_id=info.account_id,
                context=context_for(parts, index),
                provenance=Provenance(
                    raw_ref=raw_ref,
                    source_url=info.source_url,
                    record_part=part.part,
                    cursor=cursor,
                ),
            )
            unit.provenance.raw_hash = unit_hash(unit)
            units.append(unit)
        return units


def known_role(role: str) -> str:
    return role if role in SPEAKER_ROLES else "unknown"
