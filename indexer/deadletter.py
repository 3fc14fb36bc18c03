"""Dead letters: records and units that could not be parsed, enriched or indexed, kept with a
reason a person can act on and a pointer to replay them — never with their PII in clear.

A dead letter is exactly what failed to pass the PII stage, so its payload is redacted here
(`indexer.enrich.redact`, no presidio) and capped in size; what is needed to get the record back
is a pointer, not a clear copy: the source file, the line (or the record's index in an API
batch), the connector and the cursor, plus a SHA-256 of the clear payload so a replay can tell
whether the source still holds the same bytes. Ids are deterministic (connector + raw_ref + clear
payload hash), so re-running the same file overwrites instead of piling up copies.
"""
from __future__ import annotations

import hashlib
import json
import os
import re
from dataclasses import asdict, dataclass, field
from functools import lru_cache
from pathlib import Path
from typing import Any

from elasticsearch import Elasticsearch

from indexer.sources.field_guess import norm_header
from voxindex.model import stable_id, to_jsonable, utcnow

STAGES = ("parse", "enrich", "validate", "index")
PAYLOAD_MAX_CHARS = 16_384  # default of VOXINDEX_DEADLETTER_MAX_CHARS: a 5 MB record must not become a 5 MB dead letter

# A column or key names a person when it is one of these, or says "name" beside a word for a
# person ("Reviewer Name", "RecipientFirstName", "customer_name"); "Company Name" or "App Version
# Name" do not. Over-redacting a dead letter costs nothing; a name left in clear is a leak.
NAME_KEYS = frozenset({"name", "author", "author_name", "requester", "requester_name", "customer_name", "contact_name",
                       "full_name", "first_name", "last_name", "display_name", "nickname", "user_name", "username",
                       "from", "reviewer", "agent_name", "submitted_by", "screen_name", "profile_name", "user"})
PERSON_WORDS = frozenset({"reviewer", "customer", "user", "author", "contact", "requester", "submitter", "assignee",
                          "agent", "first", "last", "full", "display", "screen", "profile", "sender", "recipient",
                          "respondent", "member", "person", "client", "buyer", "caller", "given", "family"})
# In JSON text that does not decode (a cut-off line), a name-bearing key's string value
_NAME_KEYS = re.compile(r'("(?:' + "|".join(sorted(NAME_KEYS)) + r')"\s*:\s*")((?:[^"\\]|\\.)*)(")', re.IGNORECASE)
_REF = re.compile(r"^(?P<file>[^#]*)#(?:L(?P<line>\d+)|(?P<index>\d+))")
_SHEET_ROW = re.compile(r"^[^!#]*!(?P<sheet>[^#]*)#R(?P<row>\d+)$")  # "export.xlsx!Tweets#R12"


def is_name_key(key: str) -> bool:
    words = norm_header(key)  # "RecipientFirstName" -> recipient_first_name
    if words in NAME_KEYS:
        return True
    parts = set(words.split("_"))
    return bool(parts & {"name", "nickname", "username", "surname"}) and bool(parts & PERSON_WORDS)


def _names_in(value: Any, key: str | None = None) -> list[str]:
    """The values a record gives under name-bearing keys, to redact wherever else they appear."""
    if isinstance(value, dict):
        return [n for k, v in value.items() for n in _names_in(v, str(k))]
    if isinstance(value, list):
        return [n for v in value for n in _names_in(v, key)]
    return [value.strip()] if isinstance(value, str) and value.strip() and key is not None and is_name_key(key) else []


def _redact_json(value: Any, found: set[str], key: str | None = None, names: tuple[str, ...] = ()) -> Any:
    """Each string of a decoded record redacted on its own (so a comment's "\n-- Jonathan" is seen
    as the sign-off it is, not as JSON escapes); a name-bearing key's value is a name whatever it
    says, and is redacted wherever else the record repeats it."""
    from indexer.enrich.redact import redact_text

    if isinstance(value, dict):
        return {k: _redact_json(v, found, str(k), names) for k, v in value.items()}
    if isinstance(value, list):
        return [_redact_json(v, found, key, names) for v in value]
    if isinstance(value, str) and value.strip():
        if key is not None and is_name_key(key):
            found.add("PERSON")
            return "<PERSON>"
        clean, types = redact_text(value, names)
        found.update(types)
        return clean
    return value


def redact_payload(payload: str, max_chars: int = PAYLOAD_MAX_CHARS,
                   names: tuple[str, ...] = ()) -> tuple[str, list[str], bool]:
    """(redacted payload, PII types found, truncated?). A JSON record is redacted value by value;
    anything else (a CSV row, a cut-off line) as text, with name-bearing JSON keys' values taken
    as names. `names` (the values of a decoded row's name columns, the record's people when it
    parsed) are redacted wherever they appear, since no pattern finds "Harper Fischer" between two
    commas. Redaction runs before the cut, on a bit more than is kept, so a value is never cut in
    half and left half clear."""
    from indexer.enrich.redact import redact_text

    text = payload or ""
    found: set[str] = set()
    truncated = len(text) > max_chars
    decoded = None
    if not truncated and text.lstrip().startswith(("{", "[")):
        try:
            decoded = json.loads(text)
        except ValueError:
            decoded = None
    if decoded is not None:
        names = (*names, *_names_in(decoded))
        return json.dumps(_redact_json(decoded, found, names=names), ensure_ascii=False), sorted(found), False
    if truncated:
        text = text[: max_chars + 512]

    def name_value(m: re.Match) -> str:
        if not m.group(2).strip():
            return m.group(0)
        found.add("PERSON")
        return m.group(1) + "<PERSON>" + m.group(3)

    text = _NAME_KEYS.sub(name_value, text)
    clean, types = redact_text(text, names)
    found.update(types)
    if truncated:
        cut = clean[:max_chars]
        space = max(cut.rfind(" "), cut.rfind(","), cut.rfind("\n"))
        clean = (cut[:space] if space > max_chars // 2 else cut) + " …[truncated]"
    return clean, sorted(found), truncated


def parse_ref(raw_ref: str) -> tuple[int | None, int | None]:
    """(line, record_index) from a raw_ref: "tickets.jsonl#L12/c3" -> (12, None), "api:zendesk#3" -> (None, 3)."""
    m = _REF.match(raw_ref or "")
    if not m:
        return None, None
    return (int(m.group("line")) if m.group("line") else None), (int(m.group("index")) if m.group("index") else None)


@dataclass
class DeadLetter:
    connector: str
    source: str
    raw_ref: str
    payload: str  # redacted; never the clear record
    reason: str  # redacted too: parse errors quote the offending value
    stage: str
    run_id: str
    source_path: str | None = None  # the file (absolute) or "api:<connector>"
    line: int | None = None
    record_index: int | None = None
    cursor: str | None = None  # the record's cursor value when it parsed (enrich/index failures)
    payload_sha256: str = ""  # of the clear payload: a replay checks the source still holds it
    payload_chars: int = 0
    payload_truncated: bool = False
    pii_types: list[str] = field(default_factory=list)
    reader: dict[str, Any] = field(default_factory=dict)  # how the connector read the file (Connector.reader_options)

    @classmethod
    def build(cls, *, connector: str, source: str, raw_ref: str, payload: str, reason: str, stage: str, run_id: str,
              source_path: str | None = None, cursor: str | None = None,
              max_chars: int = PAYLOAD_MAX_CHARS, reader: dict[str, Any] | None = None,
              record: dict[str, Any] | None = None, names: tuple[str, ...] = ()) -> "DeadLetter":
        """The only way a clear payload becomes a dead letter: redacted, capped, pointed to.
        `record` is the payload as the reader decoded it, `names` the record's people: both make
        the redaction see names that no pattern would."""
        clear = payload or ""
        names = (*names, *_names_in(record or {}))  # a row's name columns: known names wherever they recur
        redacted, types, truncated = redact_payload(clear, max_chars, names)
        from indexer.enrich.redact import redact_text

        clean_reason, reason_types = redact_text(reason or "", names)
        line, index = parse_ref(raw_ref)
        return cls(
            connector=connector,
            source=source,
            raw_ref=raw_ref,
            payload=redacted,
            reason=clean_reason,
            stage=stage,
            run_id=run_id,
            source_path=source_path,
            line=line,
            record_index=index,
            cursor=cursor,
            payload_sha256=hashlib.sha256(clear.encode("utf-8", "replace")).hexdigest(),
            payload_chars=len(clear),
            payload_truncated=truncated,
            pii_types=sorted(set(types) | set(reason_types)),
            reader=dict(reader or {}),
        )

    @property
    def dl_id(self) -> str:
        digest = self.payload_sha256 or hashlib.sha1(self.payload.encode("utf-8", "replace")).hexdigest()
        return stable_id(self.connector, self.raw_ref, digest)

    def to_doc(self) -> dict[str, Any]:
        return {**asdict(self), "dl_id": self.dl_id, "at": to_jsonable(utcnow())}


_FIELDS_ADDED: set[str] = set()


def ensure_fields(es: Elasticsearch, settings) -> None:
    """A dead-letter index made before the replay pointer existed gets its fields (additive,
    idempotent; once per process and index) instead of refusing every new dead letter."""
    index = settings.indices.write_alias("deadletter")
    if index in _FIELDS_ADDED:
        return
    from elasticsearch import AuthorizationException

    from voxindex.setup import load_spec

    props = load_spec("deadletter").body["mappings"]["properties"]
    try:
        es.indices.put_mapping(index=index, properties=props)
    except AuthorizationException:
        pass  # a least-privilege writer (the API's ingest) may append but not manage: setup did it
    _FIELDS_ADDED.add(index)


def dead_letter_actions(settings, letters: list[DeadLetter]) -> list[dict[str, Any]]:
    index = settings.indices.write_alias("deadletter")
    return [{"_op_type": "index", "_index": index, "_id": dl.dl_id, "_source": dl.to_doc()} for dl in letters]


def list_dead_letters(
    es: Elasticsearch, settings, source: str | None = None, limit: int = 20, run_id: str | None = None
) -> tuple[int, list[dict[str, Any]]]:
    es.indices.refresh(index=settings.indices.deadletter)
    filters: list[dict] = []
    if source:
        filters.append({"bool": {"should": [{"term": {"source": source}}, {"term": {"connector": source}}]}})
    if run_id:
        filters.append({"term": {"run_id": run_id}})
    resp = es.search(
        index=settings.indices.deadletter,
        query={"bool": {"filter": filters}} if filters else {"match_all": {}},
        sort=[{"at": "desc"}, {"raw_ref": "asc"}],
        size=limit,
        track_total_hits=True,
    )
    return resp["hits"]["total"]["value"], [h["_source"] for h in resp["hits"]["hits"]]


def sheet_row(raw_ref: str) -> tuple[str, int] | None:
    """(sheet, row) of a workbook record's raw_ref, else None."""
    m = _SHEET_ROW.match(raw_ref or "")
    return (m.group("sheet"), int(m.group("row"))) if m else None


def pointer_text(letter: dict[str, Any]) -> str:
    """Where in its source a dead letter's record is, for people: line 12, row 12 of sheet 'S', record 3."""
    at = sheet_row(letter.get("raw_ref", ""))
    if at is not None:
        return f"row {at[1]} of sheet {at[0]!r}"
    return f"line {letter['line']}" if letter.get("line") else f"record {letter.get('record_index')}"


def read_pointer(letter: dict[str, Any]) -> str | None:
    """The record's current text at the dead letter's source line (a JSONL or one-line CSV
    record), or its workbook row as the reader renders it; None when the pointer does not lead
    to a readable record."""
    path, line = letter.get("source_path"), letter.get("line")
    if path and not str(path).startswith("api:") and sheet_row(letter.get("raw_ref", "")) is not None:
        return _workbook_row(str(path), letter["raw_ref"])
    if not path or not line or str(path).startswith("api:"):
        return None
    from indexer.sources.readers import detect_encoding, open_text

    try:  # decoded as the reader decoded it (gzip, cp1252, UTF-16...), or its hash never matches
        codec, _ = detect_encoding(Path(path))
        with open_text(Path(path), codec) as fh:
            for n, text in enumerate(fh, start=1):
                if n == line:
                    return text.rstrip("\r\n")
    except (OSError, EOFError):  # gzip's BadGzipFile is an OSError
        return None
    return None


def _workbook_row(path: str, raw_ref: str) -> str | None:
    at = sheet_row(raw_ref)
    try:
        stat = os.stat(path)
        return _workbook_payloads(path, at[0] if at else None, stat.st_mtime_ns, stat.st_size).get(raw_ref)
    except (OSError, ValueError):
        return None


@lru_cache(maxsize=2)
def _workbook_payloads(path: str, sheet: str | None, mtime_ns: int, size: int) -> dict[str, str]:
    """Every row's payload of a workbook's sheet, read once per listing rather than once per dead
    letter (a workbook is unzipped and parsed whole to reach any row); an edited file is read again."""
    from indexer.sources.readers import FileOptions, open_records

    return {raw.raw_ref: raw.payload for raw in open_records(path, "csv", FileOptions(sheet=sheet)).records}


def pointer_status(letter: dict[str, Any]) -> str:
    """'same' (the source still holds the dead-lettered bytes), 'changed' (fixed since?),
    or 'missing' (no file/line to replay from)."""
    current = read_pointer(letter)
    if current is None:
        return "missing"
    digest = hashlib.sha256(current.encode("utf-8", "replace")).hexdigest()
    return "same" if digest == letter.get("payload_sha256") else "changed"


def replay_record(letter: dict[str, Any]) -> dict[str, Any] | None:
    """The record to ingest again from a JSONL pointer, decoded; None if it is not JSON (yet)."""
    current = read_pointer(letter)
    if current is None:
        return None
    try:
        obj = json.loads(current)
    except json.JSONDecodeError:
        return None
    return obj if isinstance(obj, dict) else None
