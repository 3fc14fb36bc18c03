"""`voxindex demo` end to end (slow: it generates, ingests and enriches a few days of demo data):
every generated record is accounted for in the reconciliation table and the command exits 0; a
record missing from the index is a MISMATCH row, and then the command exits 1."""
from __future__ import annotations

import re
import uuid
from dataclasses import replace

import pytest

from voxindex.cli import main
from voxindex.demo import FILE_SOURCE, reconcile

pytestmark = pytest.mark.slow


@pytest.fixture
def demo_env(es, base_settings, tmp_path, monkeypatch):
    from voxindex.setup import drop_indices

    prefix = f"vxt-demo-{uuid.uuid4().hex[:6]}"
    monkeypatch.setenv("VOXINDEX_INDEX_PREFIX", prefix)
    monkeypatch.setenv("VOXINDEX_HOME", str(tmp_path / "home"))
    monkeypatch.setenv("VOXINDEX_MODELS_DIR", str(base_settings.models_dir))  # reuse the exported models
    yield replace(base_settings, index_prefix=prefix), tmp_path / "data"
    drop_indices(es, replace(base_settings, index_prefix=prefix).indices)


def _rows(table: str) -> dict[str, str]:
    return {line.split()[0]: line.split()[-1] for line in table.splitlines()
            if line.split() and (line.split()[0] in FILE_SOURCE or line.split()[0] == "total")}


def test_demo_reconciles_every_record_and_its_exit_code_follows_the_table(es, demo_env, capsys):
    settings, data = demo_env
    argv = ["demo", "--seed", "7", "--days", "4", "--out", str(data), "--no-api"]
    assert main(argv) == 0
    out = capsys.readouterr().out
    rows = _rows(out)
    assert set(rows) == {*FILE_SOURCE, "total"} and set(rows.values()) == {"ok"}, out
    total = next(line for line in out.splitlines() if line.startswith("total")).split()
    records, malformed, dead, empty, expected, indexed = map(int, total[1:7])
    assert records == malformed + empty + expected and dead == malformed and indexed == expected > 0

    # one ticket gone from the index: the table says so, and so does the exit code
    es.indices.refresh(index=settings.indices.feedback)
    hit = es.search(index=settings.indices.feedback, size=1, query={"term": {"source": "zendesk"}})["hits"]["hits"][0]
    record_id = hit["_source"]["source_record_id"]
    units = es.search(index=settings.indices.feedback, size=100, _source=False,
                      query={"bool": {"filter": [{"term": {"source": "zendesk"}}, {"term": {"source_record_id": record_id}}]}})
    for unit in units["hits"]["hits"]:  # (no _delete_by_query on the integ-test distribution)
        es.delete(index=unit["_index"], id=unit["_id"], refresh=True)
    table, ok = reconcile(data)
    assert not ok and _rows(table)["tickets.jsonl"] == "MISMATCH" and _rows(table)["total"] == "MISMATCH"
    # a re-run reuses the data and ingests incrementally; whatever it restores, its exit code is its table's verdict
    rc = main(argv)
    again = capsys.readouterr().out
    assert rc == (1 if re.search(r"\bMISMATCH\b", again) else 0), again[-2000:]
