"""A big export is ingested with its records on disk: the same result as in memory, with only a
small key per record held (indexer/spool.py)."""
from __future__ import annotations

import uuid
from dataclasses import replace
from pathlib import Path

import pytest
from test_ingest import FAST, count

from indexer.ingest import ingest_path
from indexer.pipeline import Pipeline
from indexer.sources import get_connector
from indexer.spool import Spool
from voxindex.model import stable_id
from voxindex.setup import drop_indices, setup_indices


def unordered_chats(path: Path) -> Path:
    """30 chats written newest first, one id repeated with a later edit and one broken row."""
    rows = ["id,email,name,message,created_at"]
    for i in reversed(range(30)):
        rows.append(f"m{i:02d},u{i}@ex.com,User {i},Message number {i} about exports,2026-09-01T10:{i:02d}:00Z")
    rows.append("m05,u5@ex.com,User 5,Message number 5 edited later,2026-09-01T11:00:00Z")
    rows.append('m99,"unclosed')
    path.write_text("\n".join(rows) + "\n")
    return path


def test_a_spool_past_its_limit_moves_to_disk_and_gives_back_the_same_records(tmp_path):
    records = list(get_connector("csv").read(unordered_chats(tmp_path / "chats.csv")))
    parsed = [r for r in records if hasattr(r, "units")]
    small, big = Spool(in_memory=100).extend(parsed), Spool(in_memory=3).extend(parsed)
    assert not small.on_disk and big.on_disk
    assert [h.record_id for h in big.keys] == [p.record_id for p in parsed]  # arrival order
    assert big.fields == small.fields == set().union(*(p.fields for p in parsed))
    picked = [big.keys[i] for i in (30, 0, 17)]  # any order, as a sorted batch asks
    back = big.load(picked)
    assert [(p.record_id, p.units[0].text, p.cursor_value) for p in back] == [
        (parsed[i].record_id, parsed[i].units[0].text, parsed[i].cursor_value) for i in (30, 0, 17)]
    assert small.load(picked)[0] is parsed[30]  # under the limit nothing is copied
    big.close()
    assert not big.on_disk


def test_records_on_disk_are_indexed_exactly_as_records_in_memory(es, base_settings, tmp_path):
    path = unordered_chats(tmp_path / "chats.csv")
    summaries, docs = [], []
    for in_memory in (20_000, 4):
        mine = replace(base_settings, index_prefix=f"vxt-spool-{uuid.uuid4().hex[:8]}", ingest_in_memory=in_memory)
        setup_indices(es, mine.indices, kinds=("feedback", "accounts", "deadletter", "state"))
        try:
            s = ingest_path(es, mine, "csv", path, pipeline=Pipeline(), progress=False, batch_size=7, policy=FAST)
            summaries.append((s.records_read, s.malformed, s.duplicate_id, s.new, s.reconciles))
            assert count(es, mine.indices.feedback) == 30
            hits = es.search(index=mine.indices.feedback, size=100, sort=[{"unit_id": "asc"}])["hits"]["hits"]
            docs.append([(h["_id"], h["_source"]["text"], h["_source"]["created_at"]) for h in hits])
        finally:
            drop_indices(es, mine.indices)
    assert summaries[0] == summaries[1] == (32, 1, 1, 30, True)
    assert docs[0] == docs[1]
    edited = dict((i, t) for i, t, _ in docs[1])[stable_id("csv", "m05", "body", 0)]
    assert edited == "Message number 5 edited later"  # the latest version of a repeated id


@pytest.mark.parametrize("in_memory", [0, 1])
def test_a_tiny_limit_still_reads_every_record(tmp_path, in_memory):
    parsed = [r for r in get_connector("csv").read(unordered_chats(tmp_path / "c.csv")) if hasattr(r, "units")]
    with Spool(in_memory=in_memory).extend(parsed) as spool:
        assert spool.on_disk
        assert [p.record_id for p in spool.load(spool.keys)] == [p.record_id for p in parsed]


def test_a_full_temporary_disk_says_where_and_what_to_do(tmp_path, monkeypatch):
    import errno
    import tempfile

    class Full:
        def write(self, data):
            raise OSError(errno.ENOSPC, "No space left on device")

        def close(self):
            pass

    monkeypatch.setattr(tempfile, "TemporaryFile", lambda **kw: Full())
    parsed = [r for r in get_connector("csv").read(unordered_chats(tmp_path / "c.csv")) if hasattr(r, "units")]
    with pytest.raises(OSError, match=r"cannot hold this file's records in .*No space left on device.*TMPDIR.*VOXINDEX_INGEST_IN_MEMORY"):
        Spool(in_memory=2).extend(parsed)
