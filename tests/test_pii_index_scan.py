"""The index never holds a planted PII value in clear: demo data through the full pipeline,
then every document's whole _source is scanned for every planted value."""
from __future__ import annotations

from voxindex.cli import main


def test_no_planted_pii_value_reaches_the_index_in_clear(es, settings, tmp_path, monkeypatch, capsys):
    from indexer.evals.pii_leaks import planted_values, scan
    from indexer.ingest import ingest_dir

    data = tmp_path / "demo"
    assert main(["demo-data", "--seed", "11", "--days", "10", "--scale", "0.15", "--out", str(data)]) == 0
    ingest_dir(es, settings, data, progress=False)
    es.indices.refresh(index=settings.indices.feedback)
    values = planted_values(data)
    assert len(values) >= 20, "the sample must plant PII of several kinds"
    docs, leaks = scan(es, settings.indices.feedback, values)
    assert docs > 100
    assert leaks == [], f"{len(leaks)} planted values in clear, e.g. {leaks[:3]}"
