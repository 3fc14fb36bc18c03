"""Pure checks on what a connector made of a file: fail fast on a mapping that rejects every
record, and explain why records share an id. No I/O; the ingest runner and the CLI print."""
from __future__ import annotations

import re
from dataclasses import dataclass
from typing import Iterable

from .base import Bad, Parsed

FAIL_FAST_RECORDS = 50  # the first this many records all failing alike means the mapping is wrong
FAIL_FAST_MIN = 5  # a file shorter than that is dead-lettered record by record as before

_SCI_ID = re.compile(r"^\d(\.\d+)?[eE]\+\d+$")


def reason_kind(reason: str) -> str:
    """A reason with its values blanked: `created_at: '22-02-2015' is ...` == `created_at: '01-03-2015' is ...`."""
    problem = reason.split("; ", 1)[0]  # what follows is the hint, which may name the value
    kind = re.sub(r"'[^']*'", "'…'", problem)
    return re.sub(r"\d+", "0", kind)


def fix_for(reason: str, columns: Iterable[str] = ()) -> str:
    if "--time-format" in reason or "--id-from" in reason or "--map" in reason:
        return reason.split("; ", 1)[-1]  # the reason carries its own fix
    cols = ", ".join(columns)
    if "required field missing" in reason:
        return f"that column is empty or absent; map another with --map KEY=COLUMN (the file's columns: {cols})"
    if "wrong column count" in reason or "bad CSV" in reason:
        return "check the delimiter (--delimiter tab|comma|semicolon) and the encoding (--encoding)"
    if "bad JSON" in reason:
        return "the file is not JSON lines; for delimited text use --source csv"
    if "is not a number" in reason:
        return f"map a numeric column or leave that key out of --map (the file's columns: {cols})"
    return "run `voxindex ingest --dry-run FILE` to see how the first records map"


@dataclass
class FailFast:
    reason: str
    fix: str
    records: int

    def message(self, source: str) -> str:
        return (
            f"{source}: the first {self.records} records all failed the same way, so the mapping is wrong "
            f"(nothing was written):\n  {self.reason}\n  fix: {self.fix}"
        )


def fail_fast(first: list[Parsed | Bad], total: int, columns: Iterable[str] = ()) -> FailFast | None:
    """The first FAIL_FAST_RECORDS records (or the whole file when shorter, if at least
    FAIL_FAST_MIN) all rejected for one reason -> that reason and its fix; else None."""
    n = min(FAIL_FAST_RECORDS, total)
    head = first[:n]
    if n < FAIL_FAST_MIN or len(head) < n or not all(isinstance(x, Bad) for x in head):
        return None
    kinds = {reason_kind(x.reason) for x in head}  # type: ignore[union-attr]
    if len(kinds) != 1:
        return None
    reason = head[0].reason  # type: ignore[union-attr]
    return FailFast(reason, fix_for(reason, columns), n)


def duplicate_hint(duplicates: int, sample_ids: list[str]) -> str | None:
    if not duplicates:
        return None
    hint = (
        f"{duplicates:,} {'record shares' if duplicates == 1 else 'records share'} an id with an earlier record "
        "(the latest version of each was kept); "
        "if the id column is not unique, map another column or use `--id-from text,created_at`"
    )
    mangled = [i for i in sample_ids if _SCI_ID.match(i)]
    if mangled:
        hint += f". Ids such as {mangled[0]!r} look like numbers a spreadsheet rounded"
    return hint
