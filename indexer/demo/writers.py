"""One writer per file format, and the deliberate breakage of ~1% of feedback records.

Writers render `Rec`s to the exact shapes of docs/source-formats.md. JSONL lines never contain a
raw newline (json escapes them) and CSV fields never do either (the generator does not produce
them; `csv_line` asserts it), so the `line` of malformed.jsonl is simply the physical line.
"""
from __future__ import annotations

import csv
import io
import json
import random
from dataclasses import dataclass

from .records import Rec

FEEDBACK_FILES = {  # source -> (file, columns for CSV or None for JSONL)
    "zendesk": ("tickets.jsonl", None),
    "appstore": ("reviews.csv", ["review_id", "store", "app_version", "locale", "rating", "title", "body",
                                 "reviewer_nickname", "created_at", "updated_at"]),
    "survey": ("surveys.csv", ["response_id", "survey", "email", "score", "verbatim", "submitted_at", "locale"]),
    "calls": ("calls.jsonl", None),
    "jsonl": ("community.jsonl", None),
    "csv": ("chats.csv", ["id", "email", "name", "message", "created_at", "page", "app_version", "locale"]),
}
ID_FIELD = {"zendesk": "id", "appstore": "review_id", "survey": "response_id", "calls": "call_id", "jsonl": "id",
            "csv": "id"}
# what a connector needs (drop one -> "missing required field"), where its timestamp and number live
REQUIRED = {"zendesk": ["created_at", "updated_at", "comments", "users", "id"], "appstore": ["body", "created_at"],
            "survey": ["score", "submitted_at", "response_id"], "calls": ["started_at", "turns", "participants"],
            "jsonl": ["created_at", "id"], "csv": ["created_at", "id"]}  # generic connectors read no text as empty
TIME_FIELD = {"zendesk": "created_at", "appstore": "created_at", "survey": "submitted_at", "calls": "started_at",
              "jsonl": "created_at", "csv": "created_at"}
NUMBER_FIELD = {"appstore": "rating", "survey": "score"}
BAD_TIMES = ["yesterday", "2026-13-45T25:61:00Z", "31/10/2026 14:00", "not a date", "2026-02-30T10:00:00Z",
             "Tue, 32 Oct 2026", "1699999999999999"]
BAD_NUMBERS = ["five", "N/A", "4 stars", "ten", "9/10", "high", "☆☆☆"]
MALFORMED_RATE = 0.01


@dataclass
class Malformed:
    file: str
    line: int
    reason: str


def record_dict(rec: Rec) -> dict:
    rid: object = int(rec.rid) if rec.source == "zendesk" else rec.rid
    key = ID_FIELD[rec.source]
    return {key: rid, **rec.payload}


def csv_line(values: list) -> str:
    buf = io.StringIO()
    csv.writer(buf, lineterminator="\n").writerow(["" if v is None else v for v in values])
    line = buf.getvalue()
    assert line.count("\n") == 1, f"CSV field contains a line break: {values!r}"
    return line


def choose_malformed(rng: random.Random, recs: list[Rec]) -> None:
    """Mark ~1% of a source's records to be written broken (never a duplicate-group member)."""
    candidates = [i for i, r in enumerate(recs) if not r.dup_member]
    n = min(len(candidates), max(1, round(len(recs) * MALFORMED_RATE))) if recs else 0
    for i in sorted(rng.sample(candidates, n)):
        recs[i].malformed = "pending"


def _break_json(rng: random.Random, rec: Rec, obj: dict) -> tuple[str, str]:
    source = rec.source
    roll = rng.random()
    if roll < 0.35:
        text = json.dumps(obj, ensure_ascii=False)
        cut = rng.randint(len(text) // 3, len(text) - 2)
        return text[:cut], "invalid JSON: line truncated"
    if roll < 0.7:
        name = rng.choice(REQUIRED[source])
        obj = {k: v for k, v in obj.items() if k != name}
        return json.dumps(obj, ensure_ascii=False), f"missing required field: {name}"
    field = TIME_FIELD[source]
    obj = dict(obj, **{field: rng.choice(BAD_TIMES)})
    return json.dumps(obj, ensure_ascii=False), f"unparsable timestamp in {field}"


def _break_csv(rng: random.Random, rec: Rec, row: list, columns: list[str]) -> tuple[str, str]:
    source = rec.source
    roll = rng.random()
    if roll < 0.3:
        if rng.random() < 0.5:
            row = row[:-1]
            return csv_line(row), f"wrong column count: {len(row)} instead of {len(columns)}"
        row = row + ["extra"]
        return csv_line(row), f"wrong column count: {len(row)} instead of {len(columns)}"
    if roll < 0.55 and source in NUMBER_FIELD:
        field = NUMBER_FIELD[source]
        row = list(row)
        row[columns.index(field)] = rng.choice(BAD_NUMBERS)
        return csv_line(row), f"non-numeric {field}"
    if roll < 0.8:
        field = TIME_FIELD[source]
        row = list(row)
        row[columns.index(field)] = rng.choice(BAD_TIMES)
        return csv_line(row), f"unparsable timestamp in {field}"
    field = rng.choice(REQUIRED[source])
    row = list(row)
    row[columns.index(field)] = ""
    return csv_line(row), f"missing required field: {field}"


def render_source(rng: random.Random, source: str, recs: list[Rec]) -> tuple[str, list[Malformed]]:
    """The whole file text for one feedback source, plus what was broken on which line."""
    file, columns = FEEDBACK_FILES[source]
    out: list[str] = []
    bad: list[Malformed] = []
    if columns:
        out.append(csv_line(columns))
    for rec in recs:
        obj = record_dict(rec)
        if columns:
            row = [obj.get(c) for c in columns]
            if rec.malformed:
                line, reason = _break_csv(rng, rec, row, columns)
            else:
                line = csv_line(row)
        else:
            if rec.malformed:
                text, reason = _break_json(rng, rec, obj)
            else:
                text = json.dumps(obj, ensure_ascii=False)
            line = text + "\n"
        if rec.malformed:
            rec.malformed = reason
            bad.append(Malformed(file, len(out) + 1, reason))
        out.append(line)
    return "".join(out), bad


def jsonl(rows) -> str:
    return "".join(json.dumps(r, ensure_ascii=False) + "\n" for r in rows)


def people_csv(contacts) -> str:
    cols = ["contact_id", "name", "email", "account_id", "title", "updated_at"]
    return csv_line(cols) + "".join(csv_line([getattr(c, k) for k in cols]) for c in contacts)
