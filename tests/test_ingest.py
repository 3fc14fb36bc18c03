"""Ingest is incremental, idempotent and loses nothing: exact counts in a real Elasticsearch,
re-runs write nothing, interrupted runs resume, outages are retried, bad data is dead-lettered."""
from __future__ import annotations

import argparse
import json
import shutil
from dataclasses import replace
from pathlib import Path

import pytest
from elastic_transport import ConnectionError as TransportConnectionError
from elasticsearch import Elasticsearch

from indexer import ingest as ingest_module
from indexer.bulk import RetryPolicy
from indexer.cursors import list_cursors, load_cursor
from indexer.deadletter import list_dead_letters
from indexer.ingest import IngestAborted, ingest_dir, ingest_path, ingest_records
from indexer.pipeline import Batch, FunctionStage, Pipeline, Write
from voxindex.model import stable_id

SOURCES = Path(__file__).resolve().parent / "fixtures" / "sources"
FAST = RetryPolicy(outage_s=10, initial_backoff=0.05, max_backoff=0.2, max_retries=2)

FIXTURE_UNITS = {"zendesk": 4, "appstore": 3, "survey": 2, "calls": 3, "jsonl": 2, "csv": 2}
FIXTURE_BAD = {"accounts": 2, "zendesk": 3, "appstore": 4, "survey": 3, "calls": 2, "jsonl": 2, "csv": 2}


@pytest.fixture
def settings(es, base_settings):
    """Like conftest's `settings`, but only the four indices ingest writes (accounts, feedback,
    dead letters, state): creating all nine per test made this module several times slower."""
    import uuid

    from voxindex.setup import drop_indices, setup_indices

    made = replace(base_settings, index_prefix=f"vxt-ing-{uuid.uuid4().hex[:8]}")
    setup_indices(es, made.indices, kinds=("feedback", "accounts", "deadletter", "state"))
    yield made
    drop_indices(es, made.indices)


def count(es, index: str, query: dict | None = None) -> int:
    es.indices.refresh(index=index)
    return es.count(index=index, query=query or {"match_all": {}})["count"]


def chats_file(path: Path, n: int) -> Path:
    """n generic-CSV chat messages with distinct, increasing timestamps."""
    rows = ["id,email,name,message,created_at,page,app_version,locale"]
    for i in range(n):
        rows.append(f"m{i:03d},u{i}@ex.com,User {i},Message number {i} about search,2026-09-01T{i // 60:02d}:{i % 60:02d}:00Z,search,4.8.2,en")
    path.write_text("\n".join(rows) + "\n")
    return path


class FlakyTransport:
    """A real transport with a fault in front: bulk requests fail with a connection error when
    `fail(n)` says so (n = 1-based bulk call number). Everything else goes to Elasticsearch."""

    def __init__(self, inner, fail):
        self.inner, self.fail = inner, fail
        self.bulk_calls = 0
        self.injected = 0

    def perform_request(self, method, target, *args, **kwargs):
        if target.split("?")[0].endswith("/_bulk"):
            self.bulk_calls += 1
            if self.fail(self.bulk_calls):
                self.injected += 1
                raise TransportConnectionError("injected: connection refused")
        return self.inner.perform_request(method, target, *args, **kwargs)

    def __getattr__(self, name):
        return getattr(self.inner, name)


def flaky_client(es: Elasticsearch, fail) -> tuple[Elasticsearch, FlakyTransport]:
    transport = FlakyTransport(es.transport, fail)
    return Elasticsearch(_transport=transport), transport


def test_ingest_dir_indexes_exact_counts_and_reruns_write_nothing(es, settings):
    first = ingest_dir(es, settings, SOURCES, pipeline=Pipeline(), progress=False, policy=FAST)
    assert list(first) == ["accounts", *FIXTURE_UNITS]
    assert {k: s.new for k, s in first.items() if k != "accounts"} == FIXTURE_UNITS
    assert {k: s.dead_lettered for k, s in first.items()} == FIXTURE_BAD
    assert (first["survey"].empty, first["zendesk"].empty, first["accounts"].new) == (1, 1, 2)
    assert first["appstore"].records_read == 7
    names = settings.indices
    assert count(es, names.feedback) == 16
    assert count(es, names.deadletter) == 18
    assert count(es, names.accounts) == 2
    assert count(es, names.feedback, {"term": {"speaker_role": "customer"}}) == 16
    doc = es.get(index=names.feedback, id=stable_id("zendesk", "1001", "c5", 0))["_source"]
    assert doc["account_id"] == "acc_0001" and "author_email" not in doc
    assert [c["speaker_role"] for c in doc["context"]] == ["bot", "agent", "internal", "system"]
    first_run = doc["provenance"]["connector_run"]

    for _ in range(2):  # second and third run: nothing new, nothing rewritten
        again = ingest_dir(es, settings, SOURCES, pipeline=Pipeline(), progress=False, policy=FAST)
        assert sum(s.new + s.changed for s in again.values()) == 0
        assert again["zendesk"].skipped_by_cursor + again["zendesk"].unchanged + again["zendesk"].empty == 4
        assert again["accounts"].unchanged == 2
        assert count(es, names.feedback) == 16
        assert count(es, names.deadletter) == 18
        assert count(es, names.accounts) == 2
    doc = es.get(index=names.feedback, id=stable_id("zendesk", "1001", "c5", 0))["_source"]
    assert doc["provenance"]["connector_run"] == first_run

    # a run record per source with the fields seen, for schema-change detection
    es.indices.refresh(index=names.state)
    runs = es.search(index=names.state, query={"bool": {"filter": [{"term": {"kind": "run"}}, {"term": {"connector": "survey"}}]}})
    assert runs["hits"]["total"]["value"] == 3
    hit = runs["hits"]["hits"][0]["_source"]
    assert hit["status"] == "completed" and "verbatim" in hit["fields_seen"]
    assert {c["connector"] for c in list_cursors(es, settings)} == set(FIXTURE_UNITS)


def test_a_changed_record_is_reindexed_and_the_rest_skipped(es, settings, tmp_path):
    path = tmp_path / "tickets.jsonl"
    shutil.copy(SOURCES / "tickets.jsonl", path)

    def split_in_two(units):  # what the segmentation stage does to a two-topic message
        out = []
        for unit in units:
            out.append(unit)
            if "five minutes" in unit.text:
                seg = replace(unit, text="every five minutes", segment_index=1,
                              unit_id=stable_id("zendesk", unit.source_record_id, unit.provenance.record_part, 1))
                out.append(seg)
        return out

    first = ingest_path(es, settings, "zendesk", path, pipeline=Pipeline([FunctionStage("split", split_in_two)]),
                        progress=False, policy=FAST)
    assert first.new == 4 and count(es, settings.indices.feedback) == 5
    lines = path.read_text().splitlines()
    ticket = json.loads(lines[7])
    ticket["updated_at"] = "2026-09-05T09:00:00Z"
    ticket["comments"][0]["body"] = "Still logged out all the time, now on 4.8.2 too."
    ticket["comments"].append({"id": 32, "author_id": 9004, "body": "Any update?", "public": True, "created_at": "2026-09-05T09:00:00Z"})
    lines[7] = json.dumps(ticket)
    path.write_text("\n".join(lines) + "\n")

    second = ingest_path(es, settings, "zendesk", path, pipeline=Pipeline(), progress=False, policy=FAST)
    assert (second.skipped_by_cursor, second.changed, second.new, second.unchanged) == (3, 1, 1, 0)
    assert count(es, settings.indices.feedback) == 5  # segment 1 of the old text is gone, c32 is new
    assert not es.exists(index=settings.indices.feedback, id=stable_id("zendesk", "1007", "c31", 1))
    doc = es.get(index=settings.indices.feedback, id=stable_id("zendesk", "1007", "c31", 0))["_source"]
    assert doc["text"].startswith("Still logged out") and doc["context"][0]["part"] == "c32"


def test_interrupted_run_resumes_with_nothing_lost_or_duplicated(es, settings, tmp_path):
    path = chats_file(tmp_path / "chats.csv", 50)
    calls = {"n": 0}

    def crash_on_third_batch(units):
        calls["n"] += 1
        if calls["n"] >= 3:
            raise RuntimeError("model server went away")
        return units

    broken = Pipeline([FunctionStage("flaky-model", crash_on_third_batch)])
    with pytest.raises(IngestAborted, match="stopped after 2 complete batches.*resume"):
        ingest_path(es, settings, "csv", path, pipeline=broken, progress=False, batch_size=10, policy=FAST)
    assert count(es, settings.indices.feedback) == 20
    assert load_cursor(es, settings, "csv", path).cursor == "2026-09-01T00:19:00Z"
    assert count(es, settings.indices.deadletter) == 0  # a broken stage is not bad data

    resumed = ingest_path(es, settings, "csv", path, pipeline=Pipeline(), progress=False, batch_size=10, policy=FAST)
    assert (resumed.skipped_by_cursor, resumed.unchanged, resumed.new) == (19, 1, 30)
    assert count(es, settings.indices.feedback) == 50
    ids = {h["_id"] for h in es.search(index=settings.indices.feedback, size=100)["hits"]["hits"]}
    assert ids == {stable_id("csv", f"m{i:03d}", "body", 0) for i in range(50)}


def test_outage_mid_run_is_retried_and_completes(es, settings, tmp_path):
    path = chats_file(tmp_path / "chats.csv", 30)
    flaky, transport = flaky_client(es, lambda n: 2 <= n <= 4)  # batch 2's bulk fails three times
    summary = ingest_path(flaky, settings, "csv", path, pipeline=Pipeline(), progress=False, batch_size=10, policy=FAST)
    assert transport.injected == 3
    assert (summary.status, summary.new, summary.dead_lettered) == ("completed", 30, 0)
    assert count(es, settings.indices.feedback) == 30


def test_outage_longer_than_the_window_stops_clearly_and_resumes_later(es, settings, tmp_path):
    path = chats_file(tmp_path / "chats.csv", 30)
    flaky, _ = flaky_client(es, lambda n: n >= 2)  # Elasticsearch "goes down" after batch 1
    short = replace(FAST, outage_s=0.3)
    with pytest.raises(IngestAborted, match="did not answer.*run the same command again") as info:
        ingest_path(flaky, settings, "csv", path, pipeline=Pipeline(), progress=False, batch_size=10, policy=short)
    assert info.value.summary.new == 10
    assert count(es, settings.indices.feedback) == 10
    resumed = ingest_path(es, settings, "csv", path, pipeline=Pipeline(), progress=False, batch_size=10, policy=FAST)
    assert resumed.new == 20 and count(es, settings.indices.feedback) == 30


def test_unreachable_cluster_fails_with_a_clear_error(base_settings):
    settings = base_settings
    from voxindex.es import client

    down = client(replace(settings, es_url="http://127.0.0.1:9", es_request_timeout=1))
    with pytest.raises(IngestAborted, match="did not answer"):
        ingest_path(down, settings, "survey", SOURCES / "surveys.csv", pipeline=Pipeline(), progress=False,
                    policy=replace(FAST, outage_s=0.2))


def test_dead_letters_carry_reason_payload_and_are_not_duplicated(es, settings):
    ingest_path(es, settings, "survey", SOURCES / "surveys.csv", pipeline=Pipeline(), progress=False, policy=FAST)
    ingest_path(es, settings, "survey", SOURCES / "surveys.csv", pipeline=Pipeline(), progress=False, policy=FAST)
    total, letters = list_dead_letters(es, settings, source="survey", limit=10)
    assert total == 3
    by_ref = {dl["raw_ref"]: dl for dl in letters}
    dl = by_ref["surveys.csv#L4"]
    assert dl["reason"] == "score: 'abc' is not a number"
    assert dl["payload"] == "s3,nps,<EMAIL_ADDRESS>,abc,Fine,2026-09-02T11:00:00Z,en"  # redacted, never clear
    assert dl["line"] == 4 and dl["source_path"].endswith("surveys.csv") and dl["payload_sha256"]
    assert (dl["stage"], dl["connector"], dl["source"]) == ("parse", "survey", "survey") and dl["run_id"]


def test_per_unit_enrichment_and_index_failures_are_dead_lettered_and_the_run_goes_on(es, settings):
    def poison(units):
        for unit in units:
            if "urgent" in unit.text:
                raise ValueError("classifier choked")
            if "logged out" in unit.text:
                unit.app_version = "x" * 40000  # a term Elasticsearch refuses to index
        return units

    summary = ingest_path(es, settings, "zendesk", SOURCES / "tickets.jsonl",
                          pipeline=Pipeline([FunctionStage("poison", poison)]), progress=False, policy=FAST)
    assert (summary.status, summary.new, summary.dead_lettered) == ("completed", 2, 3 + 2)
    assert count(es, settings.indices.feedback) == 2
    _, letters = list_dead_letters(es, settings, source="zendesk", limit=20)
    by_stage = {dl["stage"]: dl for dl in letters if dl["stage"] != "parse"}
    assert by_stage["enrich"]["raw_ref"] == "tickets.jsonl#L1/c5"
    assert "classifier choked" in by_stage["enrich"]["reason"]
    assert by_stage["index"]["raw_ref"] == "tickets.jsonl#L8/c31"
    assert "index rejected the document (400)" in by_stage["index"]["reason"]
    assert json.loads(by_stage["index"]["payload"])["id"] == 1007



def test_stage_decisions_are_written_by_the_runner_counted_and_a_rejected_one_is_dead_lettered(es, settings):
    state = settings.indices.write_alias("state")

    def decide(units):  # a stage that decided two writes besides the units, as identity and duplicates do
        return Batch(units, [
            Write("decider", {"_op_type": "index", "_index": state, "_id": "decided", "_source": {"kind": "decided"}}),
            Write("decider", {"_op_type": "update", "_index": settings.indices.feedback_write, "_id": "no-such-unit",
                              "doc": {"is_duplicate": True}}),
        ])

    summary = ingest_path(es, settings, "zendesk", SOURCES / "tickets.jsonl", pipeline=Pipeline([FunctionStage("decider", decide)]),
                          progress=False, policy=FAST, batch_size=1000)
    assert (summary.status, summary.batches, summary.new, summary.decisions) == ("completed", 1, 4, 1)
    assert summary.dead_lettered == FIXTURE_BAD["zendesk"] + 1 and summary.counts()["decisions"] == 1
    assert es.get(index=state, id="decided")["found"]
    _, letters = list_dead_letters(es, settings, source="zendesk", limit=20)
    [dl] = [dl for dl in letters if dl["stage"] == "decider"]
    assert "index rejected the decider write (404)" in dl["reason"] and dl["raw_ref"].endswith("/no-such-unit")

def test_ingest_records_from_the_api_reports_bad_ones_and_is_idempotent(es, settings):
    lines = (SOURCES / "tickets.jsonl").read_text().splitlines()
    records = [json.loads(lines[0]), json.loads(lines[1]), {"id": 9, "comments": []}]
    first = ingest_records(es, settings, "zendesk", records, pipeline=Pipeline(), policy=FAST)
    assert (first.new, first.dead_lettered, first.records_read) == (3, 1, 3)
    again = ingest_records(es, settings, "zendesk", records[:2], pipeline=Pipeline(), policy=FAST)
    assert (again.new, again.changed, again.unchanged) == (0, 0, 3)
    assert count(es, settings.indices.feedback) == 3


def test_watches_hook_sees_indexed_units_and_its_failures_lose_nothing(es, settings, monkeypatch):
    seen = []

    def on_indexed(es_, settings_, docs):
        seen.extend(d["unit_id"] for d in docs)
        raise RuntimeError("watch engine is broken")

    monkeypatch.setattr(ingest_module, "on_indexed", on_indexed)  # the runner's hook into detectors.watches
    summary = ingest_path(es, settings, "calls", SOURCES / "calls.jsonl", pipeline=Pipeline(), progress=False, policy=FAST)
    assert summary.new == 3 and len(seen) == 3
    assert count(es, settings.indices.feedback) == 3


def test_cli_ingest_exits_zero_with_dead_letters_and_nonzero_when_elasticsearch_is_down(settings, monkeypatch, capsys):
    from indexer import cli

    def run(*argv):
        parser = argparse.ArgumentParser()
        cli.register(parser.add_subparsers())
        args = parser.parse_args(list(argv))
        return args.func(args)

    monkeypatch.setenv("VOXINDEX_INDEX_PREFIX", settings.index_prefix)
    assert run("ingest", str(SOURCES), "--no-enrich", "--no-progress", "--sources", "survey,csv") == 0
    out = capsys.readouterr()
    assert "survey" in out.out and "5 records dead-lettered" in out.err
    assert run("ingest", "--source", "appstore", str(SOURCES / "reviews.csv"), "--no-enrich", "--no-progress") == 0
    assert run("deadletters", "--source", "appstore") == 0
    assert "rating: 'five' is not a number" in capsys.readouterr().out
    assert run("cursors", "reset", "--source", "survey") == 0
    assert "reset 1 cursor" in capsys.readouterr().out

    monkeypatch.setenv("VOXINDEX_ES_URL", "http://127.0.0.1:9")
    monkeypatch.setenv("VOXINDEX_INGEST_OUTAGE_S", "1")
    from voxindex.es import ElasticsearchUnavailable

    with pytest.raises(ElasticsearchUnavailable, match="voxindex es start"):
        run("ingest", str(SOURCES), "--no-enrich", "--no-progress")


def test_a_repeat_in_the_next_batch_is_found_though_that_batch_was_enriched_while_this_one_was_written(es, settings, tmp_path):
    """Ingest enriches batch n+1 while batch n is written; duplicates must still compare batch n+1
    with batch n. Automatic refreshes are off here, so only the runner making each batch
    searchable before the next one's duplicates run can find the repeat."""
    from indexer.enrich.duplicates import duplicates_stage

    es.indices.put_settings(index=settings.indices.feedback, settings={"index": {"refresh_interval": "-1"}})
    rows = ["id,email,name,message,created_at,page,app_version,locale"]
    for i, text in enumerate(["The export to CSV times out every single time",
                              "Search results load fine today",
                              "The export to CSV times out every single time"]):
        rows.append(f"m{i},u@ex.com,User,{text},2026-09-01T10:0{i}:00Z,export,4.8.2,en")
    path = tmp_path / "chats.csv"
    path.write_text("\n".join(rows) + "\n")
    pipeline = Pipeline([duplicates_stage(settings, es, near_index=False)])
    summary = ingest_path(es, settings, "csv", path, pipeline=pipeline, progress=False, policy=FAST, batch_size=1)
    assert (summary.status, summary.new, summary.batches) == ("completed", 3, 3)
    es.indices.refresh(index=settings.indices.feedback)
    hits = es.search(index=settings.indices.feedback, query={"match_phrase": {"text": "export to CSV"}},
                     sort=[{"created_at": "asc"}])["hits"]["hits"]
    first, repeat = (h["_source"] for h in hits)
    assert first["duplicate_group"] and first["duplicate_group"] == repeat["duplicate_group"]
    assert (first["is_duplicate"], repeat["is_duplicate"]) == (False, True)


def test_what_an_ingest_wrote_is_searchable_when_it_returns(es, settings, tmp_path):
    """The feedback index refreshes on a 30 s schedule (a 1 s one only made small segments for
    HNSW merges to redo); a run that has no duplicates stage to refresh each batch still leaves
    everything it wrote searchable the moment it returns, not at the next scheduled refresh."""
    es.indices.put_settings(index=settings.indices.feedback, settings={"index": {"refresh_interval": "-1"}})
    summary = ingest_path(es, settings, "csv", chats_file(tmp_path / "chats.csv", 7), pipeline=Pipeline(),
                          progress=False, policy=FAST, batch_size=3)
    assert (summary.new, summary.batches) == (7, 3)
    assert es.count(index=settings.indices.feedback)["count"] == 7  # no explicit refresh here


def test_an_existing_feedback_index_takes_the_templates_refresh_interval(es, settings):
    from voxindex.setup import setup_indices, template_refresh_interval

    es.indices.put_settings(index=settings.indices.feedback, settings={"index": {"refresh_interval": "1s"}})
    setup_indices(es, settings.indices, kinds=("feedback",))  # what `voxindex setup` does on upgrade
    got = es.indices.get_settings(index=settings.indices.feedback, name="index.refresh_interval")
    assert [v["settings"]["index"]["refresh_interval"] for v in got.values()] == [template_refresh_interval()] == ["30s"]


def test_a_data_directory_may_hold_a_workbook_where_a_csv_is_looked_for(tmp_path):
    from openpyxl import Workbook

    from indexer.ingest import find_sources

    wb = Workbook()
    wb.active.append(["review_id", "text"])
    wb.save(tmp_path / "reviews.xlsx")
    (tmp_path / "tickets.xlsx").write_bytes((tmp_path / "reviews.xlsx").read_bytes())  # zendesk reads JSON: not taken
    assert find_sources(tmp_path) == [("appstore", tmp_path / "reviews.xlsx")]
