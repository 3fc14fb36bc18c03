"""Bring your own export, against the real Elasticsearch: a CSV of tweets with spreadsheet
dates and mangled ids, a BOM'd TSV of reviews, ingested with flags or a voxindex.yaml and no
preprocessing. Every record is indexed or accounted for, repeated ids are reported, a wrong
mapping stops before writing, --dry-run writes nothing, and a summary that does not add up
fails the command."""
from __future__ import annotations

import argparse
import io
import shutil
from dataclasses import replace
from pathlib import Path

import pytest
import yaml

from indexer import cli
from indexer.progress import Progress, progress_line, reading
from voxindex.deployment import STARTER, ConfigError, load_deployment, parse_deployment

BYO = Path(__file__).resolve().parent / "fixtures" / "byo"
TWEET_FLAGS = ("--time-format", "%d-%m-%Y %H.%M", "--no-enrich", "--no-progress")


@pytest.fixture
def settings(es, base_settings, monkeypatch):
    """Only the indices ingest writes, under a fresh prefix the CLI sees through the environment."""
    import uuid

    from voxindex.setup import drop_indices, setup_indices

    made = replace(base_settings, index_prefix=f"vxt-byo-{uuid.uuid4().hex[:8]}")
    setup_indices(es, made.indices, kinds=("feedback", "accounts", "deadletter", "state"))
    monkeypatch.setenv("VOXINDEX_INDEX_PREFIX", made.index_prefix)
    monkeypatch.delenv("VOXINDEX_CONFIG", raising=False)
    yield made
    drop_indices(es, made.indices)


def run(*argv) -> int:
    parser = argparse.ArgumentParser()
    cli.register(parser.add_subparsers())
    args = parser.parse_args(list(argv))
    return args.func(args)


def count(es, index: str) -> int:
    es.indices.refresh(index=index)
    return es.count(index=index)["count"]


def test_mangled_ids_are_counted_reported_and_reconciled(es, settings, capsys):
    rc = run("ingest", str(BYO / "tweets.csv"), "--map", "id=tweet_id", *TWEET_FLAGS)
    out, err = capsys.readouterr()
    assert rc == 0
    assert "csv tweets.csv: read 12 = malformed 0 + duplicate id 6 + cursor-skip 0 + empty 0 + with units 6: ok" in out
    assert "duplicate id" in out.splitlines()[0]  # its own column in the table
    assert "6 records share an id with an earlier record" in err and "--id-from text,created_at" in err
    assert "'5.70301E+17' look like numbers a spreadsheet rounded" in err
    assert count(es, settings.indices.feedback) == 6
    # the latest version of a repeated id is the one indexed
    doc = es.search(index=settings.indices.feedback, query={"term": {"source_record_id": "5.70301E+17"}})["hits"]["hits"][0]
    assert doc["_source"]["text"].startswith("@SkylineAir the seat-back screens")  # 11.15, the last line of that minute


def test_what_a_file_is_and_how_it_maps_is_said_before_it_is_read(es, settings, capsys, monkeypatch):
    monkeypatch.setenv("VOXINDEX_PROGRESS_S", "0")  # a reading line per record: this file is "big"
    assert run("ingest", str(BYO / "tweets.csv"), "--id-from", "text,created_at", "--no-enrich", *TWEET_FLAGS[:2]) == 0
    err = capsys.readouterr().err.splitlines()
    said = next(i for i, line in enumerate(err) if line.startswith("tweets.csv: delimited text"))
    read = [i for i, line in enumerate(err) if line.startswith("csv tweets.csv: reading, ")]
    assert len(read) == 12 and said < read[0]


def test_id_from_columns_indexes_every_tweet_and_reruns_write_nothing(es, settings, capsys):
    argv = ("ingest", str(BYO / "tweets.csv"), "--id-from", "text,created_at", *TWEET_FLAGS)
    assert run(*argv) == 0
    out, err = capsys.readouterr()
    assert "with units 12: ok" in out and "id<-hash(text,created_at)" in err
    assert count(es, settings.indices.feedback) == 12
    assert run(*argv) == 0
    assert "csv tweets.csv: read 12 = malformed 0 + duplicate id 0 + cursor-skip 11 + empty 0 + with units 1: ok" in capsys.readouterr().out
    assert count(es, settings.indices.feedback) == 12


def test_a_wrong_mapping_stops_before_writing_and_names_the_fix(es, settings, capsys):
    rc = run("ingest", str(BYO / "tweets.csv"), "--no-enrich", "--no-progress")
    err = capsys.readouterr().err
    assert rc == 2
    assert "the first 12 records all failed the same way" in err and "nothing was written" in err
    assert "fix: an all-digit date is read only when a format states its day/month order: --time-format '%d-%m-%Y %H.%M'" in err
    assert count(es, settings.indices.deadletter) == 0 and count(es, settings.indices.feedback) == 0
    assert count(es, settings.indices.state) == 0  # not even a run record


def test_dry_run_prints_the_mapping_and_writes_nothing(es, settings, capsys):
    assert run("ingest", "--dry-run", str(BYO / "reviews.tsv")) == 0
    out = capsys.readouterr().out
    assert "reviews.tsv: delimited text, tab-separated, UTF-8 with BOM; 5 columns" in out
    assert "text<-verified_reviews, created_at<-date, rating<-rating" in out
    assert "time 2018-07-31T00:00:00Z  person -  account -  rating 5" in out
    assert "first 8 records: 8 map, 0 rejected; nothing was written" in out
    assert count(es, settings.indices.feedback) == 0 and count(es, settings.indices.state) == 0


def test_a_plain_tsv_ingests_with_no_flags_and_accounts_for_every_row(es, settings, capsys):
    assert run("ingest", str(BYO / "reviews.tsv"), "--no-enrich", "--no-progress") == 0
    out, err = capsys.readouterr()
    assert "csv reviews.tsv: read 8 = malformed 0 + duplicate id 0 + cursor-skip 0 + empty 1 + with units 7: ok" in out
    assert "guessed from the header" in err and "id<-hash(row)" in err
    assert count(es, settings.indices.feedback) == 7


def deployment_file(tmp_path: Path, prefix: str | None) -> Path:
    (tmp_path / "exports").mkdir()
    shutil.copy(BYO / "tweets.csv", tmp_path / "exports" / "tweets-2015-02.csv")
    shutil.copy(BYO / "reviews.tsv", tmp_path / "exports" / "reviews.tsv")
    config = {
        "sources": {
            "tweets": {"connector": "csv", "path": "exports/tweets-*.csv", "map": {"text": "text", "created_at": "tweet_created"},
                       "id_from": ["text", "created_at"], "time_format": ["%d-%m-%Y %H.%M"], "timezone": "America/New_York",
                       "channel": "social", "schedule": "*/30 * * * *"},
            "reviews": {"connector": "csv", "path": "exports/reviews.tsv", "channel": "review"},
        },
    }
    if prefix:
        config["elasticsearch"] = {"index_prefix": prefix}
    path = tmp_path / "voxindex.yaml"
    path.write_text(yaml.safe_dump(config))
    return path


def test_voxindex_yaml_ingests_every_configured_source_with_no_arguments(es, settings, tmp_path, monkeypatch, capsys):
    deployment_file(tmp_path, settings.index_prefix)
    monkeypatch.delenv("VOXINDEX_INDEX_PREFIX")  # the file names the prefix
    monkeypatch.chdir(tmp_path)
    assert run("ingest", "--no-enrich", "--no-progress") == 0
    out = capsys.readouterr().out
    assert "with units 12: ok" in out and "with units 7: ok" in out
    assert count(es, settings.indices.feedback) == 19
    hit = es.search(index=settings.indices.feedback, query={"term": {"channel": "social"}}, size=20)["hits"]
    assert hit["total"]["value"] == 12
    times = sorted(h["_source"]["created_at"] for h in hit["hits"])
    assert times[-1].startswith("2015-02-24T16:35:00")  # 11.35 in New York
    assert run("ingest", "--no-enrich", "--no-progress", "--sources", "reviews", "--dry-run") == 0
    assert "reviews.tsv" in capsys.readouterr().out


def test_a_workbook_sheet_is_named_on_the_command_line_or_in_voxindex_yaml(es, settings, tmp_path, monkeypatch, capsys):
    from openpyxl import Workbook

    wb = Workbook()
    wb.active.title = "Summary"
    wb.active.append(["question", "score"])
    wb.active.append(["NPS", 41])
    replies = wb.create_sheet("Replies")
    replies.append(["id", "comment", "submitted"])
    for i in range(3):
        replies.append([i, f"Reply {i} about exports", f"2026-09-0{i + 1} 10:00"])
    wb.save(tmp_path / "survey.xlsx")
    assert run("ingest", str(tmp_path / "survey.xlsx"), "--no-enrich", "--no-progress") == 2  # the summary sheet
    assert "(read sheet 'Summary' (not read: 'Replies'; choose another with --sheet))" in capsys.readouterr().err
    assert run("ingest", str(tmp_path / "survey.xlsx"), "--sheet", "Replys", "--no-enrich", "--no-progress") == 2  # a bad argument
    assert "survey.xlsx has no sheet 'Replys'; its sheets: 'Summary', 'Replies'" in capsys.readouterr().err
    assert run("ingest", str(tmp_path / "survey.xlsx"), "--sheet", "Replies", "--no-enrich", "--no-progress") == 0
    assert "with units 3: ok" in capsys.readouterr().out and count(es, settings.indices.feedback) == 3
    (tmp_path / "voxindex.yaml").write_text(yaml.safe_dump({"sources": {"survey": {
        "connector": "csv", "path": "survey.xlsx", "sheet": "Replies", "channel": "survey"}}}))
    monkeypatch.chdir(tmp_path)
    assert run("ingest", "--no-enrich", "--no-progress") == 0  # same sheet, same cursor: nothing new
    assert "cursor-skip 2 + empty 0 + with units 1: ok" in capsys.readouterr().out


def test_a_refused_file_in_a_data_directory_does_not_stop_the_others(es, settings, tmp_path, capsys):
    data = tmp_path / "exports"
    data.mkdir()
    rows = ["id,message,created_at"] + [f"c{i},Chat {i} about exports,0{i + 1}-03-2015" for i in range(6)]
    (data / "chats.csv").write_text("\n".join(rows) + "\n")  # day or month first? refused, nothing written
    shutil.copy(BYO / "posts.jsonl", data / "community.jsonl")
    assert run("ingest", str(data), "--no-enrich", "--no-progress") == 2
    out, err = capsys.readouterr()
    assert "the first 6 records all failed the same way" in err and "--time-format" in err
    assert "jsonl" in out and "with units 3: ok" in out
    assert count(es, settings.indices.feedback) == 3


def test_schedule_ingests_each_scheduled_source_now_and_then_on_its_cron(es, settings, tmp_path, monkeypatch, capsys):
    from apscheduler.schedulers.blocking import BlockingScheduler

    deployment_file(tmp_path, None)
    monkeypatch.chdir(tmp_path)
    planned = {}

    def start(self):  # instead of blocking forever: note what would run when
        planned.update({job.id: str(job.trigger) for job in self.get_jobs()})

    monkeypatch.setattr(BlockingScheduler, "start", start)
    assert run("ingest", "--schedule", "--no-enrich", "--no-progress") == 0
    assert list(planned) == ["tweets"] and "minute='*/30'" in planned["tweets"]  # reviews has no schedule
    assert "with units 12: ok" in capsys.readouterr().out
    assert count(es, settings.indices.feedback) == 12
    with pytest.raises(ConfigError, match="sources.x.schedule"):
        parse_deployment({"sources": {"x": {"connector": "csv", "path": "a.csv", "schedule": "61 * * * *"}}})


def test_environment_overrides_the_file_and_the_taxonomy_named_there_is_used(tmp_path, monkeypatch):
    path = tmp_path / "voxindex.yaml"
    (tmp_path / "tax.yaml").write_text("version: 1\nthemes: {}\n")
    path.write_text("elasticsearch: {index_prefix: from-file, url: 'http://10.0.0.1:9200'}\ntaxonomy: tax.yaml\ntimezone: Europe/Paris\n")
    monkeypatch.setenv("VOXINDEX_CONFIG", str(path))
    monkeypatch.delenv("VOXINDEX_INDEX_PREFIX", raising=False)
    monkeypatch.delenv("VOXINDEX_ES_URL", raising=False)
    monkeypatch.delenv("VOXINDEX_TAXONOMY", raising=False)
    monkeypatch.delenv("VOXINDEX_TIMEZONE", raising=False)
    from voxindex.config import get_settings

    s = get_settings()
    assert (s.index_prefix, s.es_url, s.timezone) == ("from-file", "http://10.0.0.1:9200", "Europe/Paris")
    assert s.taxonomy_path == str((tmp_path / "tax.yaml").resolve())
    monkeypatch.setenv("VOXINDEX_INDEX_PREFIX", "from-env")
    assert get_settings().index_prefix == "from-env"

    from indexer.enrich import build
    from indexer.enrich.build import build_pipeline

    seen = {}

    class Classifier:
        def _prototypes(self):
            return None

    def fake_classifier(path, embedder=None, settings=None):
        seen["path"] = path
        return Classifier()

    monkeypatch.setattr(build, "get_embedder", lambda settings=None: object())  # where the assembly looks them up
    monkeypatch.setattr(build, "get_classifier", fake_classifier)
    build_pipeline(settings=s, es=None, duplicates=False, pii=False, segment=False)
    assert seen["path"] == s.taxonomy_path


def test_init_writes_a_starter_that_loads_and_mistakes_are_named(tmp_path, monkeypatch, capsys):
    monkeypatch.chdir(tmp_path)
    assert run("init") == 0
    assert run("init") == 2 and "exists" in capsys.readouterr().err
    deployment = load_deployment(tmp_path / "voxindex.yaml")
    assert [s.name for s in deployment.sources] == ["tweets"]
    assert deployment.sources[0].time_format == ("%d-%m-%Y %H.%M", "%d-%m-%Y %H:%M")
    assert parse_deployment(yaml.safe_load(STARTER)).sources[0].id_from == ("text", "created_at")
    with pytest.raises(ConfigError, match=r"sources.x.connector: 'excel' is not one of"):
        parse_deployment({"sources": {"x": {"connector": "excel", "path": "a.csv"}}})
    with pytest.raises(ConfigError, match=r"sources.x: unknown key\(s\) mapping"):
        parse_deployment({"sources": {"x": {"connector": "csv", "path": "a.csv", "mapping": {}}}})
    with pytest.raises(ConfigError, match="not a 5-field cron"):
        parse_deployment({"sources": {"x": {"connector": "csv", "path": "a.csv", "schedule": "hourly"}}})


def test_no_arguments_and_no_deployment_file_says_what_to_do(tmp_path, monkeypatch, capsys):
    monkeypatch.delenv("VOXINDEX_CONFIG", raising=False)
    monkeypatch.chdir(tmp_path)
    assert run("ingest") == 2
    assert "voxindex init" in capsys.readouterr().err


def test_a_summary_that_does_not_add_up_fails_the_command(es, settings, monkeypatch, capsys):
    import indexer.ingest as ingest

    real = ingest.latest_per_id

    def lose_one(parsed):  # a bug that drops a record without counting it
        kept, repeated = real(parsed)
        return kept[1:], repeated

    monkeypatch.setattr(ingest, "latest_per_id", lose_one)
    assert run("ingest", str(BYO / "reviews.tsv"), "--no-enrich", "--no-progress") == cli.EXIT_MISMATCH
    err = capsys.readouterr().err
    assert ("csv reviews.tsv: read 8 != malformed 0 + duplicate id 0 + cursor-skip 0 + empty 1 + with units 6 = 7: "
            "MISMATCH, 1 records unaccounted for") in err
    es.indices.refresh(index=settings.indices.state)
    runs = es.search(index=settings.indices.state, query={"term": {"kind": "run"}})["hits"]["hits"]
    assert [r["_source"]["status"] for r in runs] == ["mismatch"]


def test_progress_lines_without_a_terminal():
    assert progress_line("csv", 4000, 14640, 3210, 5.0) == "csv: 4,000/14,640 records (27%), 3,210 units, 642.0 units/s, ETA 13s"

    class Summary:
        new, changed, unchanged, dead_lettered = 10, 0, 0, 0

    stream = io.StringIO()
    bar = Progress("csv", 20, enabled=True, interval_s=0.0, stream=stream)
    bar.update(10, Summary())
    bar.update(10, Summary())
    bar.close()
    lines = stream.getvalue().splitlines()
    assert len(lines) == 2 and lines[-1].startswith("csv: 20/20 records (100%), 10 units") and lines[-1].endswith("ETA 0s")
    silent = io.StringIO()
    Progress("csv", 5, enabled=False, stream=silent).update(5, Summary())
    assert silent.getvalue() == ""


def test_reading_a_big_file_shows_progress_and_a_small_one_prints_nothing():
    stream = io.StringIO()
    assert list(reading(range(3), "csv big.csv", True, interval_s=0.0, stream=stream)) == [0, 1, 2]
    lines = stream.getvalue().splitlines()
    assert len(lines) == 3 and lines[-1].startswith("csv big.csv: reading, 3 records so far (")
    quiet = io.StringIO()
    assert list(reading(range(3), "csv small.csv", True, interval_s=60.0, stream=quiet)) == [0, 1, 2]
    assert list(reading(range(3), "csv off.csv", False, interval_s=0.0, stream=quiet)) == [0, 1, 2]
    assert quiet.getvalue() == ""
