"""Generic connectors driven by a field map (canonical name -> column/key in the file), for
exports from tools without a dedicated connector. Every record is one customer message unless
the map names a `role` column whose value says otherwise.

The map is settled when the file is opened, from what its header holds: the connector's default
map when the file has those columns (the demo's files), otherwise a guess from common header
names (`guess_field_map`), with anything given by `--map` winning over both. A guess is
announced (`map_note`), never silent. `id_from` derives a stable id from chosen columns for
exports without a unique id column; a file with no id at all gets one from the whole row."""
from __future__ import annotations

from collections import Counter
from datetime import datetime, timezone
from itertools import chain, islice
from pathlib import Path
from typing import Any

from voxindex.model import ValidationError, iso, stable_id, utcnow

from .base import Connector, Part, RecordInfo, blank, known_role, require, text_or_none
from .field_guess import (
    MIN_TEXT_WORDS,
    UNNAMED,
    VALUE_SAMPLE,
    extra_header_rows,
    guess_field_map,
    guess_text_columns,
    lookup,
    nps_question_column,
    numbered_like,
    off_scale,
    parse_rating,
)
from .readers import RecordFile

__all__ = ["MappedConnector", "MappingError", "guess_field_map", "lookup", "parse_field_map", "parse_rating"]

# canonical keys a field map may name
MAP_KEYS = (
    "id", "text", "title", "created_at", "updated_at", "email", "name", "url", "locale",
    "app_version", "product_area", "rating", "account_id", "thread_id", "tags", "role",
    "survey",  # the survey connector's kind of response (nps / csat), or @nps / @csat for a whole file
)
REQUIRED_KEYS = ("id", "text", "created_at")
CUSTOMER_WORDS = ("customer", "end-user", "end_user", "user", "client")
ROW_ID = ("row",)  # id_from when the file has no id column: a hash of the whole row
FILE_TIME = "@file"  # created_at for exports without any date: the file's modification time
TEXT_JOIN = "+"  # --map text=A+B: every answer column of a survey is a unit of its own

class MappingError(ValueError):
    """The file cannot be mapped as given: no text or date column, an unknown column."""


def _split_unquoted(spec: str, sep: str) -> list[str]:
    """`spec` split at each `sep` outside double quotes."""
    items, current, quoted = [], [], False
    for ch in spec:
        if ch == '"':
            quoted = not quoted
        if ch == sep and not quoted:
            items.append("".join(current))
            current = []
        else:
            current.append(ch)
    items.append("".join(current))
    return items


def parse_field_map(spec: str | None) -> dict[str, str]:
    """`"id=post_id,text=content"` -> {"id": "post_id", "text": "content"} (the CLI's --map). A
    column whose name holds a comma is quoted, as a survey question often needs:
    `text="What, if anything, should we improve?"+Q3` (quote the whole argument for the shell)."""
    out: dict[str, str] = {}
    for item in _split_unquoted(spec or "", ","):
        if not item.strip():
            continue
        key, sep, column = item.partition("=")
        key = key.strip()
        if not sep or key not in MAP_KEYS or not column.strip():
            raise ValueError(f"bad field map entry {item!r}: use KEY=COLUMN with KEY one of {', '.join(MAP_KEYS)}")
        parts = [c.strip().strip('"').strip() for c in _split_unquoted(column, TEXT_JOIN)]
        out[key] = TEXT_JOIN.join(parts) if key == "text" else column.strip().strip('"').strip()
    return out


def text_columns(value: str, columns: list[str] | None = None) -> list[str]:
    """The column(s) a map's `text` names: one column, or several joined by TEXT_JOIN (a header
    that itself holds the join character is one column when the file has it)."""
    if columns is not None and value in columns or TEXT_JOIN not in value:
        return [value]
    return [c.strip() for c in value.split(TEXT_JOIN) if c.strip()]


def mapped_columns(field_map: dict[str, str], columns: list[str] | None = None) -> set[str]:
    return {c for k, v in field_map.items() for c in (text_columns(v, columns) if k == "text" else [v])}


def describe_map(field_map: dict[str, str], id_from: tuple[str, ...] = ()) -> str:
    items = [f"{k}<-{v}" for k, v in field_map.items() if not (k == "id" and id_from)]
    if id_from:
        items.insert(0, f"id<-hash({','.join(id_from)})")
    return ", ".join(items)


class MappedConnector(Connector):
    default_map: dict[str, str] = {}
    # a guessed rating whose sampled values leave every rating scale is left out (a forum's votes);
    # a connector whose score column is a score whatever its values says so, and judges them itself
    drop_off_scale_rating = True
    # a missing id or date is named by its canonical key ("created_at: required field missing"),
    # or, for a connector whose files have known columns, by the column the export calls it
    missing_by_column = False

    def __init__(
        self,
        field_map: dict[str, str] | None = None,
        channel: str | None = None,
        id_from: list[str] | tuple[str, ...] | None = None,
    ):
        self.explicit_map = dict(field_map or {})
        self.field_map = {**self.default_map, **self.explicit_map}
        self.id_from: tuple[str, ...] = tuple(c.strip() for c in (id_from or ()) if c and c.strip())
        self.given = {"field_map": self.explicit_map, "id_from": list(self.id_from), "channel": channel}  # as configured
        self.map_note: str | None = None  # set when the map was guessed, for the CLI to print
        self.row_id = False
        self.columns: list[str] | None = None  # the open file's header, once the map is settled
        self.questions: dict[str, str] = {}  # column -> its question, from a survey export's second header row
        self._occurrences: Counter = Counter()
        self._file_time: datetime | None = None
        if channel:
            self.channel = channel
        self._check_required(self.field_map, None)

    # -- settling the map against the file's columns

    def _check_required(self, fm: dict[str, str], columns: list[str] | None) -> None:
        for key in ("text", "created_at", "id"):
            if key == "id" and self.id_from:
                continue
            if key not in fm:
                where = f"; the file's columns are: {', '.join(columns)}" if columns else ""
                also = f", or date every record by the file's modification time with --map created_at={FILE_TIME}" if key == "created_at" else ""
                raise MappingError(f"{self.name}: no {key!r} column found{where}. Map one with --map {key}=COLUMN{also}")

    def resolve_map(self, columns: list[str], strict: bool = True, samples: list[dict] | None = None) -> dict[str, str]:
        """The map for a file with these columns; `samples` (its first records) let the guess read
        values where a header says too little."""
        if not columns:
            return self.field_map
        present = set(columns)
        note = not_rating = None
        if all(self.default_map.get(k) in present for k in REQUIRED_KEYS):
            base = {k: v for k, v in self.default_map.items() if v in present}
        else:
            base, note, not_rating = self._guess(columns, samples or [])
        fm = {**base, **self.explicit_map}
        self.row_id = "id" not in fm and not self.id_from
        if self.row_id:
            # No id column: the whole row is the record. Identical rows are distinct records
            # (many reviewers write just "Love it!" on the same day), told apart by occurrence.
            self.id_from = ROW_ID
            note = note or "derived"
        unknown = [f"{k}={v}" for k, v in self.explicit_map.items()
                   if any(c not in present for c in (text_columns(v, columns) if k == "text" else [v]))
                   and not v.startswith("@")]  # @file, @nps: constants, not columns
        if unknown and strict:  # JSON keys come from a sample of records: a sparse key may be missing
            raise MappingError(
                f"{self.name}: --map names columns the file does not have ({', '.join(unknown)}); its columns are: {', '.join(columns)}"
            )
        bad_from = [c for c in self.id_from if c not in fm and c not in present and not self.row_id]
        if bad_from:
            raise MappingError(f"{self.name}: --id-from names unknown columns ({', '.join(bad_from)}); use map keys or columns: {', '.join(columns)}")
        self._check_required(fm, columns)
        self.field_map = fm
        self.columns = list(columns)
        if note or self.explicit_map or self.id_from:
            # an unnamed column with nothing in it is a trailing delimiter, not a column left out
            empty = {c for c in columns if UNNAMED.match(c) and all(blank(lookup(r, c)) for r in samples or [])}
            self.map_note = self._describe(fm, [c for c in columns if c not in empty], note, not_rating)
        return fm

    def _guess(self, columns: list[str], samples: list[dict]) -> tuple[dict[str, str], str, str | None]:
        """(map, how it was guessed, why a rating-named column is no rating): names from the
        header; the text from the values when no header names it; a rating dropped when its values
        fit no rating scale."""
        base, note = guess_field_map(columns), "guessed"
        taken = set(base.values()) | set(self.explicit_map.values())
        if "text" not in base and "text" not in self.explicit_map and samples:
            by_values = guess_text_columns(columns, samples, taken)
            if by_values:
                base["text"], note = TEXT_JOIN.join(by_values), "guessed-values"
        elif "text" in base and "text" not in self.explicit_map and samples:
            numbered = numbered_like(base["text"], columns, samples, taken)
            if len(numbered) > 1:
                base["text"], note = TEXT_JOIN.join(numbered), "guessed-numbered"
        if "rating" not in base and "rating" not in self.explicit_map:
            asked = nps_question_column(columns, self.questions, samples, set(base.values()) | set(self.explicit_map.values()))
            if asked is not None:
                base["rating"] = asked
        not_rating = (off_scale(base["rating"], samples)
                      if self.drop_off_scale_rating and "rating" in base and "rating" not in self.explicit_map else None)
        if not_rating:
            del base["rating"]
        return base, note, not_rating

    def _describe(self, fm: dict[str, str], columns: list[str], note: str | None, not_rating: str | None) -> str:
        how = {"guessed": "guessed from the header (override with --map KEY=COLUMN)",
               "guessed-values": "guessed from the header, and text from the values: every column of answers "
                                 f"with {MIN_TEXT_WORDS:g}+ words on average, each answer a unit of its own "
                                 "(override with --map KEY=COLUMN, or text=A+B)",
               "guessed-numbered": "guessed from the header; the text's numbered sibling columns with prose answers are "
                                   "text too, each answer a unit of its own (override with --map KEY=COLUMN, or text=A+B)",
               }.get(note or "", "field map")
        out = f"{self.name}: {how}: {describe_map(fm, self.id_from)}"
        if not_rating:
            out += f"; not a rating: {not_rating}"
        used = mapped_columns(fm, columns)
        unused = [c for c in columns if c not in used and c not in self.id_from]
        if unused:
            # a dropped column is silent data loss unless it is named: a company or product
            # column is what a detector would group by (account_id, product_area)
            out += (f"; not used: {', '.join(unused)} (keep one with --map KEY=COLUMN, "
                    f"e.g. account_id=COLUMN for a company, product_area=COLUMN for a product)")
        return out

    def _reader_parts(self) -> dict[str, Any]:
        return self.given  # not what the header made of them: a row id or a guessed map is made again

    def _config_parts(self) -> list[Any]:
        if not (self.explicit_map or self.id_from or self.map_note):
            return []  # the default map: cursors of earlier versions stay valid
        return [("map", sorted(self.field_map.items()), self.id_from)]

    def open(self, path: Path) -> RecordFile:
        self._occurrences = Counter()
        self._file_time = datetime.fromtimestamp(Path(path).stat().st_mtime, tz=timezone.utc)
        rf = super().open(path)
        head = list(islice(rf.records, VALUE_SAMPLE))  # read ahead, then handed back in order
        skip, self.questions, held = extra_header_rows([r.record or {} for r in head[:3]])
        if skip:
            head = head[skip:]
            rf.notes.append(f"{skip} more header row{'s' if skip > 1 else ''} ({held}) read as headers, not records")
        rf.records = chain(head, rf.records)
        try:
            self.resolve_map(rf.columns, strict=rf.format == "csv", samples=[r.record for r in head if r.record])
        except MappingError as exc:
            if rf.format == "xlsx" and rf.notes:  # the feedback may be on another sheet: name them
                raise MappingError(f"{exc} (read {rf.notes[0]})") from None
            raise
        return rf

    def _get(self, record: dict, key: str) -> Any:
        column = self.field_map.get(key)
        return None if column is None else lookup(record, column)

    def record_id(self, record: dict) -> str:
        if self.row_id:
            base = stable_id(*(("" if v is None else str(v).strip()) for v in record.values()))
            self._occurrences[base] += 1
            n = self._occurrences[base]
            return base if n == 1 else f"{base}-{n}"
        if self.id_from:
            values = [lookup(record, self.field_map.get(c, c)) for c in self.id_from]
            if all(blank(v) for v in values):
                raise ValidationError(f"id: the --id-from columns ({', '.join(self.id_from)}) are all empty")
            return stable_id(*(("" if v is None else str(v).strip()) for v in values))
        return str(self._required(record, "id")).strip()

    def _required(self, record: dict, key: str) -> Any:
        column = self.field_map[key]
        return require({key: lookup(record, column)}, key, column if self.missing_by_column else key)

    def parse(self, record: dict[str, Any]) -> tuple[RecordInfo, list[Part]]:
        fm = self.field_map
        record_id = self.record_id(record)
        if fm["created_at"] == FILE_TIME:  # an export without dates, dated as a whole on request
            created = self._file_time or utcnow()
        else:
            created = self.time(self._required(record, "created_at"), fm["created_at"])
        raw_updated = self._get(record, "updated_at")
        updated = created if blank(raw_updated) else self.time(raw_updated, fm["updated_at"])
        cursor_key = self.cursor_field if self.cursor_field in fm else "created_at"
        cursor = updated if cursor_key == "updated_at" else created
        tags = self._get(record, "tags")
        if isinstance(tags, str):
            tags = [t.strip() for t in tags.replace(";", ",").split(",") if t.strip()]
        role_raw = text_or_none(self._get(record, "role"))
        role = "customer" if role_raw is None or role_raw.lower() in CUSTOMER_WORDS else known_role(role_raw.lower())
        info = RecordInfo(
            record_id=record_id,
            created_at=created,
            updated_at=updated,
            cursor=iso(cursor),
            thread_id=text_or_none(self._get(record, "thread_id")),
            title=text_or_none(self._get(record, "title")),
            tags=[str(t) for t in tags] if isinstance(tags, list) else [],
            locale=text_or_none(self._get(record, "locale")),
            app_version=text_or_none(self._get(record, "app_version")),
            product_area=text_or_none(self._get(record, "product_area")),
            rating=parse_rating(self._get(record, "rating"), fm.get("rating", "rating")),
            account_id=text_or_none(self._get(record, "account_id")),
            source_url=text_or_none(self._get(record, "url")),
        )
        name, email = text_or_none(self._get(record, "name")), text_or_none(self._get(record, "email"))
        columns = text_columns(fm["text"], self.columns)
        if len(columns) == 1:
            text = lookup(record, columns[0])
            if blank(text):
                return info, []  # a record without words: counted as empty
            return info, [Part(part="body", speaker_role=role, text=str(text), created_at=created,
                               author_name=name, author_email=email)]
        # several answer columns: each answer is a unit, read after its question (context only)
        parts: list[Part] = []
        for i, column in enumerate(columns, 1):
            answer = lookup(record, column)
            if blank(answer):
                continue
            parts.append(Part(part=f"q{i}", speaker_role="system", text=self.questions.get(column, column),
                              created_at=created, position=len(parts)))
            parts.append(Part(part=f"a{i}", speaker_role=role, text=str(answer), created_at=created,
                              position=len(parts), author_name=name, author_email=email))
        return info, parts
