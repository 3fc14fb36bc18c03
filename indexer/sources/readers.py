"""Files as exports write them: one reader for every file-based connector.

Handles gzip (by its magic bytes, whatever the name), byte-order marks, UTF-8 / UTF-16 /
cp1252 (a file that is not valid UTF-8 is a Windows spreadsheet export far more often than
anything else), delimiter sniffing (comma, tab, semicolon, pipe), quoted multi-line fields,
Excel workbooks (.xlsx: the first sheet that has a header row, read like a delimited file),
and for JSON: one object per line, a JSON array, or an object wrapping one array of records.

The result says what it found (`RecordFile.describe()`), so `--dry-run` and the summary can
show it and a wrong guess is one flag (`--encoding`, `--delimiter`) away from fixed.
"""
from __future__ import annotations

import codecs
import csv
import gzip
import io
import itertools
import json
import sys
import zipfile
from dataclasses import dataclass, field
from datetime import date, datetime, time
from pathlib import Path
from typing import IO, Any, Iterable, Iterator

DELIMITERS = (",", "\t", ";", "|")
DELIMITER_NAMES = {",": "comma", "\t": "tab", ";": "semicolon", "|": "pipe"}
COLUMN_SAMPLE = 50  # JSON records whose keys make up the columns shown by --dry-run and guessed from

csv.field_size_limit(min(sys.maxsize, 2**31 - 1))  # a long multi-line comment is still one field


class UnreadableFile(ValueError):
    """A file this reader cannot read as asked (an .xls, a missing sheet, an unknown encoding): a
    mistake in the command or the file, reported with what to do, not a failed run."""


@dataclass
class RawRecord:
    raw_ref: str
    payload: str
    record: dict[str, Any] | None = None
    error: str | None = None  # set when the record cannot even be decoded
    # an undecodable row's cells by position (a row with a cell too few or too many): never read as
    # the record, only to tell which of its values are names when it is dead-lettered
    partial: dict[str, Any] | None = None


@dataclass(frozen=True)
class FileOptions:
    """What the user may force when the sniffing guesses wrong."""

    encoding: str | None = None
    delimiter: str | None = None
    sheet: str | None = None  # a workbook's sheet by name (default: the first visible one with a header row)


@dataclass
class RecordFile:
    name: str
    format: str  # "csv" | "jsonl" | "json" | "xlsx"
    encoding: str
    records: Iterator[RawRecord]
    columns: list[str] = field(default_factory=list)
    delimiter: str | None = None
    compressed: bool = False
    notes: list[str] = field(default_factory=list)

    def describe(self) -> str:
        kind = {"csv": "delimited text", "jsonl": "JSON lines", "json": "JSON array", "xlsx": "Excel workbook"}[self.format]
        bits = [kind]
        if self.delimiter:
            bits.append(f"{DELIMITER_NAMES.get(self.delimiter, repr(self.delimiter))}-separated")
        if self.encoding:
            bits.append(self.encoding)
        if self.compressed:
            bits.append("gzip")
        return f"{self.name}: " + ", ".join(bits) + f"; {len(self.columns)} columns" + "".join(f"; {n}" for n in self.notes)


# ------------------------------------------------------------------ bytes -> text


GZIP_MAGIC = b"\x1f\x8b"
UTF8_CHECK_CHUNK = 1 << 20


def is_gzip(path: Path) -> bool:
    with open(path, "rb") as fh:
        return fh.read(2) == GZIP_MAGIC


def open_binary(path: Path) -> IO[bytes]:
    """The file's bytes as a stream, gunzipped when it starts with gzip's magic (whatever its name)."""
    if is_gzip(path):
        return gzip.open(path, "rb")  # type: ignore[return-value]
    return open(path, "rb")


def read_head(path: Path, n: int) -> bytes:
    """The first n (decompressed) bytes, without reading the rest."""
    with open_binary(path) as fh:
        return fh.read(n)


def detect_encoding(path: Path, encoding: str | None = None) -> tuple[str, str]:
    """(codec to read the file with, what it was read as). An explicit encoding wins; otherwise a
    BOM, UTF-16 by its zero bytes, UTF-8, and cp1252 for the rest. The UTF-8 check decodes the
    file chunk by chunk and keeps nothing, so a big export is never held whole."""
    if encoding:
        _known(encoding)
        return encoding, encoding
    with open_binary(path) as fh:
        head = fh.read(1000)
        if head.startswith(codecs.BOM_UTF8):
            return "utf-8-sig", "UTF-8 with BOM"
        if head.startswith((codecs.BOM_UTF16_LE, codecs.BOM_UTF16_BE)):
            return "utf-16", "UTF-16"
        if len(head) >= 4 and head.count(b"\x00") >= len(head) // 4:
            enc = "utf-16-le" if head[1:2] == b"\x00" else "utf-16-be"
            return enc, enc.upper()
        check = codecs.getincrementaldecoder("utf-8")()
        try:
            chunk = head
            while chunk:
                check.decode(chunk)
                chunk = fh.read(UTF8_CHECK_CHUNK)
            check.decode(b"", final=True)
        except UnicodeDecodeError:
            return "cp1252", "cp1252 (not valid UTF-8)"
    return "utf-8", "UTF-8"


def open_text(path: Path, codec: str) -> IO[str]:
    """The file as text, line by line as written (newline="": a quoted field keeps its line breaks)."""
    return io.TextIOWrapper(open_binary(path), encoding=codec, errors="replace", newline="")


def _known(encoding: str) -> None:
    try:
        codecs.lookup(encoding)
    except LookupError:
        raise UnreadableFile(f"unknown encoding {encoding!r} (try utf-8, utf-16, cp1252, latin-1)") from None


# ------------------------------------------------------------------ delimited text


def sniff_delimiter(text: str, name: str = "") -> str:
    """The candidate that splits the header line most often; tab for `.tsv` when it splits at all.
    `text` is the file's text, or at least its first non-blank line."""
    header = _first_line(text)
    counts = {d: _count_outside_quotes(header, d) for d in DELIMITERS}
    if ".tsv" in name.lower() and counts["\t"]:
        return "\t"
    best = max(DELIMITERS, key=lambda d: counts[d])  # ties: earlier in DELIMITERS
    return best if counts[best] else ","


def _first_line(text: str | Iterable[str]) -> str:
    for line in (text.splitlines() if isinstance(text, str) else text):
        if line.strip():
            return line.rstrip("\r\n")
    return ""


def _looks_binary(first: str) -> bool:
    """True when the first line is mostly not text: control characters (NUL above all) or bytes
    the codec could not decode. A text export has none or a stray few."""
    sample = first[:4096]
    bad = sum(1 for ch in sample if (ord(ch) < 32 and ch not in "\t\r\n\f") or ch == "\ufffd")
    return bool(sample) and bad > max(2, 0.05 * len(sample))


def _count_outside_quotes(line: str, delim: str) -> int:
    n, quoted = 0, False
    for ch in line:
        if ch == '"':
            quoted = not quoted
        elif ch == delim and not quoted:
            n += 1
    return n


class _LineTap:
    """Feeds lines to csv.reader and remembers them, so a row's raw text (which may span
    several lines inside quotes) can be dead-lettered exactly as it was written."""

    def __init__(self, fh: Iterator[str]):
        self.fh = fh
        self.taken: list[str] = []

    def __iter__(self):
        return self

    def __next__(self) -> str:
        line = next(self.fh)
        self.taken.append(line)
        return line

    def drain(self) -> str:
        text = "".join(self.taken).rstrip("\r\n")
        self.taken = []
        return text


def _header_names(cells: list[str]) -> list[str]:
    names, seen = [], set()
    for i, cell in enumerate(cells, start=1):
        name = cell.strip().lstrip("\ufeff") or f"column_{i}"
        base, k = name, 2
        while name in seen:  # two columns of one name: keep both, the second as name_2
            name, k = f"{base}_{k}", k + 1
        seen.add(name)
        names.append(name)
    return names


def csv_records(stream: IO[str], name: str, delimiter: str) -> tuple[list[str], Iterator[RawRecord]]:
    """The header's column names and the rows, read from `stream` as the rows are asked for (the
    stream is closed when its lines end)."""
    tap = _LineTap(_without_bom(_closing_lines(stream)))
    reader = csv.reader(tap, delimiter=delimiter)
    try:
        header = next(reader)
    except StopIteration:
        stream.close()
        return [], iter(())
    except csv.Error as exc:
        stream.close()
        return [], iter([RawRecord(f"{name}#L1", tap.drain(), error=f"bad CSV header: {exc}")])
    tap.drain()
    named = len(header)
    while named and not header[named - 1].strip():
        named -= 1
    # Blank header cells at the end are a trailing delimiter ("id,text,date,"), or the unnamed
    # columns a survey tool writes after its last question ("Other (please specify)" answers):
    # kept as columns (column_N), and a row may stop before them.
    columns = _header_names(header)
    tail = columns[named:]  # the unnamed ones

    def rows() -> Iterator[RawRecord]:
        start = reader.line_num + 1
        while True:
            try:
                row = next(reader)
            except StopIteration:
                return
            except csv.Error as exc:
                yield RawRecord(f"{name}#L{start}", tap.drain(), error=f"bad CSV: {exc}")
                start = reader.line_num + 1
                continue
            payload = tap.drain()
            ref = f"{name}#L{start}"
            start = reader.line_num + 1
            if not any(cell.strip() for cell in row):
                continue
            if len(row) > len(columns) and not any(c.strip() for c in row[len(columns):]):
                row = row[: len(columns)]  # a trailing delimiter, as spreadsheets write them
            if named <= len(row) < len(columns):
                row = row + [""] * (len(columns) - len(row))
            if len(row) != len(columns):
                hint = "" if len(row) != 1 or len(columns) == 1 else " (is the delimiter right? see --delimiter)"
                expected = f"{len(columns)}" if named == len(columns) else f"{named} to {len(columns)}"
                yield RawRecord(ref, payload, error=f"wrong column count: expected {expected}, got {len(row)}{hint}",
                                partial=dict(zip(columns, row)))
                continue
            record = dict(zip(columns, row))
            for column in tail:  # left out when blank: the record (its id and hash) is what it was before them
                if not record[column].strip():
                    del record[column]
            yield RawRecord(ref, payload, record)

    return columns, rows()


# ------------------------------------------------------------------ Excel workbooks

ZIP_MAGIC = b"PK\x03\x04"
OLE_MAGIC = b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1"  # a Compound File: .xls, or an .xlsx behind a password
EXACT_INTEGERS = 2**53  # a float holds every integer below this exactly


def is_workbook(path: Path) -> bool:
    """An .xlsx/.xlsm file, by content: a zip archive holding xl/workbook.xml (whatever the name).
    Raises ValueError, saying what to do, for the workbooks that cannot be read (.xls, password)."""
    with open(path, "rb") as fh:
        head = fh.read(8)
    if head == OLE_MAGIC:
        raise UnreadableFile(f"{Path(path).name} is an Excel 97-2003 workbook (.xls) or a password-protected one, "
                         "which cannot be read: save it as .xlsx without a password, or as CSV, and ingest that")
    if head[:4] != ZIP_MAGIC:
        return False
    try:
        with zipfile.ZipFile(path) as z:
            return "xl/workbook.xml" in z.namelist()
    except zipfile.BadZipFile:
        return False


def cell_text(value: Any) -> str:
    """Pure: a cell as the text a CSV export of it would hold. Dates keep their clock time
    (a naive time is read in --timezone, like a CSV's); whole numbers lose Excel's `.0`."""
    if value is None:
        return ""
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, datetime):
        return value.isoformat(sep=" ")
    if isinstance(value, (date, time)):
        return value.isoformat()
    if isinstance(value, float) and value.is_integer():
        # past 2**53 a number cell has already lost digits (an 18-digit id): say so the way a
        # spreadsheet's CSV export would (5.70306133677761E+17), so the duplicate-id hint sees it
        return str(int(value)) if abs(value) < EXACT_INTEGERS else f"{value:.15G}"
    return str(value)


def xlsx_records(path: Path, name: str, sheet: str | None = None) -> tuple[list[str], Iterator[RawRecord], list[str]]:
    """(columns, records, notes) of the sheet named `sheet` (hidden or not), else of the first
    visible sheet with a header row. Rows stream from the workbook (read-only mode); refs are
    `file!sheet#R<row>`, Excel's own row numbers."""
    from openpyxl import load_workbook

    fh = open(path, "rb")  # a file object: openpyxl would refuse a path without an Excel extension
    try:
        wb = load_workbook(fh, read_only=True, data_only=True)
    except Exception as exc:  # a damaged workbook: say so, not a traceback
        fh.close()
        raise UnreadableFile(f"{name}: cannot read the Excel workbook ({type(exc).__name__}: {exc}); "
                         "save the sheet as CSV and ingest that") from None

    def close() -> None:
        wb.close()
        fh.close()

    sheets = [ws for ws in wb.worksheets if getattr(ws, "sheet_state", "visible") == "visible"]
    if sheet is not None:
        sheets = [ws for ws in wb.worksheets if ws.title == sheet] or [
            ws for ws in wb.worksheets if ws.title.casefold() == sheet.strip().casefold()]
        if not sheets:
            titles = ", ".join(repr(ws.title) for ws in wb.worksheets)
            close()
            raise UnreadableFile(f"{name} has no sheet {sheet!r}; its sheets: {titles}")
    for ws in sheets:
        rows = enumerate(ws.iter_rows(values_only=True), start=1)
        for _, row in rows:
            cells = [cell_text(v) for v in row]
            if any(c.strip() for c in cells):
                break
        else:
            continue
        while cells and not cells[-1].strip():
            cells.pop()
        columns = _header_names(cells)
        notes = [f"sheet {ws.title!r}" + _other_sheets([o.title for o in wb.worksheets if o is not ws], sheet is None)]
        return columns, _sheet_rows(rows, columns, f"{name}!{ws.title}", close), notes
    close()
    return [], iter(()), [f"sheet {sheet!r} has no header row" if sheet is not None else "no sheet has a header row"]


def _other_sheets(titles: list[str], choosable: bool, shown: int = 5) -> str:
    """' (not read: 'Notes', 'Pivot'; choose another with --sheet)': named, so a wrong guess is one
    flag away from fixed."""
    if not titles:
        return ""
    names = ", ".join(repr(t) for t in titles[:shown]) + (f" and {len(titles) - shown} more" if len(titles) > shown else "")
    return f" (not read: {names}" + ("; choose another with --sheet)" if choosable else ")")


def _sheet_rows(rows, columns: list[str], where: str, close) -> Iterator[RawRecord]:
    try:
        for number, row in rows:
            cells = [cell_text(v) for v in row]
            if not any(c.strip() for c in cells):
                continue
            ref = f"{where}#R{number}"
            extra = [c for c in cells[len(columns):] if c.strip()]
            record = dict(zip(columns, cells[: len(columns)] + [""] * (len(columns) - len(cells))))
            if extra:  # the stray cells are part of what was dead-lettered: fixing them changes the payload
                payload = json.dumps({**record, "(past the header)": extra}, ensure_ascii=False)
                yield RawRecord(ref, payload, error=f"values past the header's {len(columns)} columns: {len(extra)} "
                                                    f"cell{'s' if len(extra) > 1 else ''} (give that column a header, or clear it)")
                continue
            yield RawRecord(ref, json.dumps(record, ensure_ascii=False), record)
    finally:
        close()


# ------------------------------------------------------------------ JSON


def _decoded(ref: str, text: str, obj: Any) -> RawRecord:
    if not isinstance(obj, dict):
        return RawRecord(ref, text, error=f"bad JSON: expected an object, got {type(obj).__name__}")
    return RawRecord(ref, text, obj)


def jsonl_records(lines: Iterable[str], name: str) -> Iterator[RawRecord]:
    """One record per line, as a text stream (newline="") yields them: lines end at \\n, \\r\\n or
    \\r only (a JSON string may hold U+2028 and the like, which str.splitlines would cut at)."""
    for lineno, line in enumerate(_without_bom(lines), start=1):
        body = line.rstrip("\r\n")
        if not body.strip():
            continue
        ref = f"{name}#L{lineno}"
        try:
            obj = json.loads(body)
        except json.JSONDecodeError as exc:
            yield RawRecord(ref, body, error=f"bad JSON: {exc.msg} (column {exc.colno})")
            continue
        yield _decoded(ref, body, obj)


def json_document_records(doc: Any, name: str) -> list[RawRecord] | None:
    """A JSON array of records, or an object holding exactly one such array ({"data": [...]})."""
    if isinstance(doc, dict):
        lists = [v for v in doc.values() if isinstance(v, list) and v and all(isinstance(x, dict) for x in v)]
        if len(lists) != 1:
            return None
        doc = lists[0]
    if not isinstance(doc, list):
        return None
    return [_decoded(f"{name}#[{i}]", json.dumps(item, ensure_ascii=False), item) for i, item in enumerate(doc)]


JSON_CHUNK = 1 << 20  # characters read at a time from a JSON array
JSON_ITEM_MAX = 64 << 20  # an array item this long without closing is a broken file, not a big record


def json_array_records(fh: IO[str], name: str) -> Iterator[RawRecord]:
    """The items of a top-level JSON array, one at a time, with their refs `file#[i]` (the stream
    is closed when they end). A syntax error ends the array: what came before it is read, and the
    rest is one record with the error, so a broken export is not lost whole."""
    decoder = json.JSONDecoder()
    buf, pos, lines_before, index = "", 0, 0, 0
    at_eof = False

    def more() -> bool:
        nonlocal buf, pos, lines_before, at_eof
        if at_eof:
            return False
        chunk = fh.read(JSON_CHUNK)
        if not chunk:
            at_eof = True
            return False
        lines_before += buf.count("\n", 0, pos)  # what was consumed leaves the buffer
        buf, pos = buf[pos:] + chunk, 0
        return True

    def skip_space() -> str:
        nonlocal pos
        while True:
            while pos < len(buf) and buf[pos] in " \t\r\n\ufeff":
                pos += 1
            if pos < len(buf) or not more():
                return buf[pos] if pos < len(buf) else ""

    def broken(message: str) -> RawRecord:
        line = lines_before + buf.count("\n", 0, pos) + 1
        rest = buf[pos : pos + 2000]
        before = {0: "nothing before it", 1: "the record before it was read"}.get(index, f"the {index} records before it were read")
        return RawRecord(f"{name}#L{line}", rest, error=f"bad JSON array: {message} (line {line}; {before})")

    with fh:
        if skip_space() != "[":
            yield broken("expected '['")
            return
        pos += 1
        expect_item = True
        while True:
            ch = skip_space()
            if ch == "]" and (index == 0 or not expect_item):
                pos += 1
                if skip_space():
                    yield broken("extra data after the array")
                return
            if not expect_item:
                if ch != ",":
                    yield broken("expected ',' or ']'" if ch else "the array is not closed")
                    return
                pos += 1
                expect_item = True
                continue
            while True:
                try:
                    obj, end = decoder.raw_decode(buf, pos)
                    if end < len(buf) or at_eof:  # a value cut at the buffer's end may look whole ("12")
                        break
                except json.JSONDecodeError as exc:
                    if len(buf) - pos > JSON_ITEM_MAX or not more():
                        yield broken(exc.msg)
                        return
                    continue
                if not more():
                    break
            yield _decoded(f"{name}#[{index}]", json.dumps(obj, ensure_ascii=False), obj)
            index, pos, expect_item = index + 1, end, False


def _is_wrapping_object(first_line: str, name: str) -> bool:
    """Whether a file whose first non-blank line this is holds one JSON object (wrapping the
    records' array) rather than JSON lines. An array is read item by item (`json_array_records`)."""
    body = first_line.lstrip()
    whole = name.lower().removesuffix(".gz").endswith(".json")  # a .json file is one document, even on one line
    return body.startswith("{") and (whole or not _first_line_is_json(body))


def _wrapped_records(text: str, name: str) -> tuple[str, list[RawRecord]]:
    """The records of an object wrapping one array of them; read as JSON lines when it is not one."""
    try:
        doc = json.loads(text)
    except json.JSONDecodeError:
        doc = None
    records = json_document_records(doc, name) if doc is not None else None
    if records is not None:
        return "json", records
    return "jsonl", list(jsonl_records(io.StringIO(text, newline=""), name))


def _first_line_is_json(body: str) -> bool:
    try:
        json.loads(body.splitlines()[0])
        return True
    except (json.JSONDecodeError, IndexError):
        return False


def _columns(records: list[RawRecord]) -> list[str]:
    seen: dict[str, None] = {}
    for raw in records[:COLUMN_SAMPLE]:
        for key, value in (raw.record or {}).items():
            if isinstance(value, dict):  # one level of nesting, as dotted names a map can use
                for sub in value:
                    seen.setdefault(f"{key}.{sub}", None)
            else:
                seen.setdefault(str(key), None)
    return list(seen)


# ------------------------------------------------------------------ the one entry point


def open_records(path: str | Path, file_format: str, options: FileOptions | None = None) -> RecordFile:
    """Decode a file into raw records. file_format "csv" reads any delimited text; "jsonl"
    reads JSON lines, a JSON array, or an object wrapping one array."""
    options = options or FileOptions()
    path = Path(path)
    if is_workbook(path):
        if file_format != "csv":
            raise UnreadableFile(f"{path.name} is an Excel workbook; a JSON connector cannot read it: "
                             "use --source csv (or appstore / survey), or save the sheet as CSV")
        columns, records, notes = xlsx_records(path, path.name, options.sheet)
        return RecordFile(path.name, "xlsx", "", records, columns, None, False, notes)
    if options.sheet is not None:
        raise UnreadableFile(f"{path.name} is not an Excel workbook: --sheet (a source's `sheet:`) applies to .xlsx files only")
    # Delimited text, JSON lines and JSON arrays are read as a stream (a big export is never held
    # whole in memory); only an object wrapping the records' array is read at once.
    codec, encoding = detect_encoding(path, options.encoding)
    compressed = is_gzip(path)
    name = path.name
    with open_text(path, codec) as fh:
        first = _first_line(_without_bom(fh))
    if _looks_binary(first):
        raise UnreadableFile(f"{name} does not look like a text export: its first line is mostly control characters or "
                             f"bytes that are not {encoding} (a database dump, an archive or an image?). Export the feedback "
                             "as CSV, JSON lines or .xlsx; if it is text in another encoding, say which with --encoding")
    if file_format == "csv":
        delimiter = options.delimiter or sniff_delimiter(first, name)
        columns, records = csv_records(open_text(path, codec), name, delimiter)
        return RecordFile(name, "csv", encoding, records, columns, delimiter, compressed)
    if _is_wrapping_object(first, name):  # parsed whole: the array is found only inside the object
        with open_text(path, codec) as fh:
            fmt, recs = _wrapped_records(fh.read().lstrip("\ufeff"), name)
        return RecordFile(name, fmt, encoding, iter(recs), _columns(recs), None, compressed)
    if first.lstrip().startswith("["):
        fmt, stream = "json", json_array_records(open_text(path, codec), name)
    else:
        fmt, stream = "jsonl", jsonl_records(_closing_lines(open_text(path, codec)), name)
    sample = list(itertools.islice(stream, COLUMN_SAMPLE))  # the columns shown and guessed from
    return RecordFile(name, fmt, encoding, itertools.chain(sample, stream), _columns(sample), None, compressed)


def _closing_lines(fh: IO[str]) -> Iterator[str]:
    with fh:
        yield from fh


def _without_bom(lines: Iterable[str]) -> Iterator[str]:
    """The lines, the first without the byte-order mark a forced `--encoding` leaves in."""
    it = iter(lines)
    for first in it:
        yield first.lstrip("\ufeff")
        break
    yield from it


def parse_delimiter(value: str | None) -> str | None:
    """`tab`, `\\t`, `;`, `comma` ... -> the character."""
    if value is None or value == "":
        return None
    named = {"tab": "\t", "\\t": "\t", "comma": ",", "semicolon": ";", "pipe": "|"}
    char = named.get(value.lower(), value)
    if len(char) != 1:
        raise ValueError(f"bad delimiter {value!r}: one character, or tab / comma / semicolon / pipe")
    return char
