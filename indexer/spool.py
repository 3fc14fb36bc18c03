"""A file's parsed records, held on disk past the first few thousand, so ingest's memory stays flat
in the size of the export.

Ingest needs every record of a file before it writes the first: one version per record id (the
latest), sorted by cursor time, so the cursor can say "everything before this is indexed". A parsed
record (its parts, units, context and raw payload) takes ~4.4 KB of Python objects: a 100,000-row
tweet export read into a list took 590 MB before any model was loaded, and a million rows would
not fit the 2 GB an ingest process is sized for. So only a small `Held` key per record (id, cursor
time, slot: ~0.2 KB) stays in memory for the dedupe and the sort; past `in_memory` records the
records themselves go, pickled, to an unlinked temporary file (in TMPDIR, ~2 KB per record) and a
batch is read back just before it is enriched. Files under the limit never touch the disk.
"""
from __future__ import annotations

import gc
import pickle
import tempfile
from array import array
from contextlib import contextmanager
from dataclasses import dataclass
from datetime import datetime
from typing import IO, Iterable, Sequence

from indexer.sources.base import Parsed

IN_MEMORY = 20_000  # records kept as objects before the spool moves to disk (VOXINDEX_INGEST_IN_MEMORY)


@dataclass(slots=True)
class Held:
    """What the dedupe and the sort need of one record; `slot` finds the record itself."""

    record_id: str
    cursor_time: datetime
    slot: int


class Spool:
    """Parsed records in arrival order: `append`, then `keys` (one `Held` each) and `load(keys)`."""

    def __init__(self, in_memory: int = IN_MEMORY):
        self.in_memory = max(0, int(in_memory))
        self.keys: list[Held] = []
        self.fields: set[str] = set()
        self._memory: list[Parsed] | None = []
        self._file: IO[bytes] | None = None
        self._offsets = array("q", [0])  # record i is bytes offsets[i]..offsets[i+1] of the file

    def __len__(self) -> int:
        return len(self.keys)

    @property
    def on_disk(self) -> bool:
        return self._file is not None

    def append(self, parsed: Parsed) -> None:
        self.keys.append(Held(parsed.record_id, parsed.cursor_time, len(self.keys)))
        self.fields |= parsed.fields
        if self._memory is not None:
            self._memory.append(parsed)
            if len(self._memory) > self.in_memory:
                self._spill()
        else:
            self._dump(parsed)

    def extend(self, records: Iterable[Parsed]) -> "Spool":
        for parsed in records:
            self.append(parsed)
        return self

    def load(self, held: Sequence[Held]) -> list[Parsed]:
        if self._memory is not None:
            return [self._memory[h.slot] for h in held]
        assert self._file is not None
        out = []
        with _collector_paused():
            for h in held:
                start, end = self._offsets[h.slot], self._offsets[h.slot + 1]
                self._file.seek(start)
                out.append(pickle.loads(self._file.read(end - start)))
        self._file.seek(0, 2)  # appends continue at the end
        return out

    def close(self) -> None:
        if self._file is not None:
            self._file.close()  # unlinked at creation: closing frees the disk space
            self._file = None
        self._memory = []

    def __enter__(self) -> "Spool":
        return self

    def __exit__(self, *exc) -> None:
        self.close()

    def _spill(self) -> None:
        try:
            self._file = tempfile.TemporaryFile(prefix="voxindex-ingest-")
        except OSError as exc:
            raise _no_room(exc) from None
        memory, self._memory = self._memory or [], None
        for parsed in memory:
            self._dump(parsed)

    def _dump(self, parsed: Parsed) -> None:
        assert self._file is not None
        with _collector_paused():
            data = pickle.dumps(parsed, protocol=pickle.HIGHEST_PROTOCOL)
        try:
            self._file.write(data)
        except OSError as exc:
            raise _no_room(exc) from None
        self._offsets.append(self._offsets[-1] + len(data))


def _no_room(exc: OSError) -> OSError:
    """A full or unwritable TMPDIR, said with what to do (the bare error names neither the
    directory nor the setting)."""
    return OSError(exc.errno, f"cannot hold this file's records in {tempfile.gettempdir()} ({exc.strerror}); "
                              "point TMPDIR at a disk with ~2 KB a record free, or raise VOXINDEX_INGEST_IN_MEMORY "
                              "to keep more of them in memory")


@contextmanager
def _collector_paused():
    """(Un)pickling a record makes tens of objects, none of them garbage: left on, the cyclic
    collector ran over them so often that pickling a record took 39 us instead of 24, and reading
    one back 55-81 us instead of 26."""
    collecting = gc.isenabled()
    gc.disable()
    try:
        yield
    finally:
        if collecting:
            gc.enable()
