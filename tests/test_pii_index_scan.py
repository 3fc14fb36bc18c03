"""No index holds a planted PII value in clear: demo data through the full pipeline, then every
document's whole _source in the feedback, dead-letter and audit indices is scanned for every
planted value; a card number and an email planted in malformed records and in a search query
never reach the dead letters or the audit trail in clear."""
from __future__ import annotations

import json
from pathlib import Path

from voxindex.cli import main

CARD, EMAIL, NAME = "4111 1111 1111 1111", "jo.mbeki@northwind.example.com", "Jonathan Mbeki"
PLANTED = {CARD: "CREDIT_CARD", EMAIL: "EMAIL_ADDRESS", "5500-0000-0000-0004": "CREDIT_CARD", NAME: "PERSON"}


def test_no_planted_pii_value_reaches_any_index_in_clear(es, settings, tmp_path, monkeypatch, capsys):
    from indexer.evals.pii_leaks import planted_values, scan_all
    from indexer.ingest import ingest_dir

    data = tmp_path / "demo"
    assert main(["demo-data", "--seed", "11", "--days", "10", "--scale", "0.15", "--out", str(data)]) == 0
    ingest_dir(es, settings, data, progress=False)
    values = planted_values(data)
    assert len(values) >= 20, "the sample must plant PII of several kinds"
    results = scan_all(es, settings, values)
    docs, leaks = results[settings.indices.feedback]
    assert docs > 100
    assert leaks == [], f"{len(leaks)} planted values in clear, e.g. {leaks[:3]}"
    dl_docs, dl_leaks = results[settings.indices.deadletter]
    assert dl_docs > 0, "the demo data holds malformed records"
    assert dl_leaks == [], f"{len(dl_leaks)} planted values in clear in dead letters, e.g. {dl_leaks[:3]}"


def _malformed_source(tmp_path):
    path = tmp_path / "tickets.jsonl"
    lines = [
        # not JSON at all (cut off): only the raw text exists to keep
        '{"id": 77, "subject": "double charge on card ' + CARD + '", "users": [{"name": "' + NAME + '", "email": "' + EMAIL,
        # JSON, but not a ticket the connector accepts
        json.dumps({"id": 78, "created_at": "the day before yesterday", "subject": "refund to " + EMAIL,
                    "users": [{"id": 1, "name": NAME, "email": EMAIL}],
                    "comments": [{"id": 1, "author_id": 1, "body": "card 5500-0000-0000-0004, thanks -- jonathan"}]}),
    ]
    path.write_text("\n".join(lines) + "\n")
    return path


def test_dead_letters_keep_a_redacted_payload_and_a_pointer_to_replay(es, settings, tmp_path, capsys, monkeypatch):
    from indexer.deadletter import list_dead_letters, pointer_status
    from indexer.evals.pii_leaks import scan
    from indexer.ingest import ingest_path
    from indexer.pipeline import Pipeline

    path = _malformed_source(tmp_path)
    summary = ingest_path(es, settings, "zendesk", path, pipeline=Pipeline(), progress=False)
    assert summary.dead_lettered == 2
    total, letters = list_dead_letters(es, settings, source="zendesk")
    assert total == 2
    docs, leaks = scan(es, settings.indices.deadletter, PLANTED)
    assert docs == 2 and leaks == [], leaks
    blob = json.dumps(letters)
    assert "4111" not in blob and "@northwind" not in blob and "jonathan" not in blob.lower()
    by_line = {dl["line"]: dl for dl in letters}
    assert set(by_line) == {1, 2}
    for dl in letters:
        assert dl["source_path"] == str(path.resolve()) and dl["connector"] == "zendesk"
        assert "<CREDIT_CARD>" in dl["payload"] and "<EMAIL_ADDRESS>" in dl["payload"]
        assert {"CREDIT_CARD", "EMAIL_ADDRESS"} <= set(dl["pii_types"])
        assert pointer_status(dl) == "same"  # the pointer leads back to the clear record in the source
    assert "<PERSON>" in by_line[2]["payload"]

    monkeypatch.setenv("VOXINDEX_INDEX_PREFIX", settings.index_prefix)
    assert main(["deadletters", "--source", "zendesk"]) == 0
    shown = capsys.readouterr().out
    assert "replay" in shown and str(path.resolve()) in shown and CARD not in shown and EMAIL not in shown


def test_a_csv_row_dead_lettered_for_a_missing_id_keeps_no_name_from_its_columns(tmp_path):
    """A row's name column is a name whatever it looks like: no pattern finds "Harper Fischer" in
    ",anne@x.example,Harper Fischer,..." once the row is text, so the row is redacted by its columns."""
    from indexer.deadletter import DeadLetter
    from indexer.sources import make_connector

    path = tmp_path / "chats.csv"
    path.write_text("id,email,Reviewer Name,message,created_at,Company Name\n"
                    ",harper@acme.example,Harper Fischer,\"Export is broken again. Thanks, Harper\",2026-09-09T22:26:20Z,Acme Corp\n"
                    "c2,marco@acme.example,Marco Santos,Crashes four times a day,2026-09-11T12:50:45Z\n",  # a cell short
                    encoding="utf-8")
    bad = [b for b in make_connector("csv").read(path) if not hasattr(b, "units")]
    assert len(bad) == 2 and bad[0].record is not None and "id" in bad[0].reason
    assert "wrong column count" in bad[1].reason
    short = DeadLetter.build(connector="csv", source="chat", raw_ref=bad[1].raw_ref, payload=bad[1].payload,
                             reason=bad[1].reason, stage="parse", run_id="r", record=bad[1].record)
    assert "Marco" not in short.payload and short.payload.startswith("c2,<EMAIL_ADDRESS>,<PERSON>,Crashes")
    letter = DeadLetter.build(connector="csv", source="chat", raw_ref=bad[0].raw_ref, payload=bad[0].payload,
                              reason=bad[0].reason, stage="parse", run_id="r", record=bad[0].record)
    assert "Harper" not in letter.payload and "harper@" not in letter.payload
    assert letter.payload.startswith(",<EMAIL_ADDRESS>,<PERSON>,") and "Acme Corp" in letter.payload  # a company is no person
    assert {"PERSON", "EMAIL_ADDRESS"} <= set(letter.pii_types)
    # a record that parsed but failed later: its people's names are known, and redacted in the raw text
    later = DeadLetter.build(connector="csv", source="chat", raw_ref="chats.csv#L2/body", payload=bad[0].payload,
                             reason="enrich failed", stage="enrich", run_id="r", names=("Harper Fischer",))
    assert "Harper" not in later.payload


def test_an_oversized_record_becomes_a_capped_dead_letter():
    from indexer.deadletter import PAYLOAD_MAX_CHARS, DeadLetter

    payload = ('{"id": 1, "body": "' + ("lorem ipsum " * 500_000) + f'{CARD}"')
    dl = DeadLetter.build(connector="zendesk", source="zendesk", raw_ref="t.jsonl#L9", payload=payload,
                          reason="bad JSON", stage="parse", run_id="r1", source_path="/data/t.jsonl")
    assert dl.payload_truncated and len(dl.payload) <= PAYLOAD_MAX_CHARS + 20
    assert dl.payload_chars == len(payload) and dl.line == 9 and len(dl.payload_sha256) == 64


def test_a_card_number_and_email_searched_for_are_not_kept_in_the_audit_index(es, settings):
    from indexer.evals.pii_leaks import scan
    from search_api.app import ApiOptions, create_app
    from search_api.auth import KeyStore

    token = KeyStore(es, settings.indices).create("leak-check", "analyst")[0]
    app = create_app(settings, es, embed=lambda text: [0.0] * 384, options=ApiOptions(rate_per_s=1000, burst=1000))
    r = app.test_client().get(f"/v1/search?q=refund {CARD} {EMAIL}&mode=keyword", headers={"Authorization": f"Bearer {token}"})
    assert r.status_code == 200, r.json
    es.indices.refresh(index=settings.indices.audit)
    docs, leaks = scan(es, settings.indices.audit, PLANTED)
    assert docs >= 1 and leaks == [], leaks


def test_a_dead_letter_fixed_at_its_source_is_replayed_from_its_pointer(es, settings, tmp_path, capsys, monkeypatch):
    from indexer.deadletter import list_dead_letters, pointer_status
    from indexer.ingest import ingest_path
    from indexer.pipeline import Pipeline
    from indexer.replay import replay

    source = Path(__file__).parent / "fixtures" / "sources" / "tickets.jsonl"
    good = json.loads(source.read_text().splitlines()[0])
    broken = dict(good, id=4242, created_at="the day before yesterday")
    path = tmp_path / "tickets.jsonl"
    path.write_text(json.dumps(broken) + "\n")
    assert ingest_path(es, settings, "zendesk", path, pipeline=Pipeline(), progress=False).dead_lettered == 1

    # nothing changed at the source: replaying fails again, and the one dead letter is kept
    _, letters = list_dead_letters(es, settings, source="zendesk")
    result = replay(es, settings, letters, pipeline=Pipeline())
    assert (result.replayed, result.resolved, result.still_failing) == (1, 0, 1)
    assert list_dead_letters(es, settings, source="zendesk")[0] == 1

    # the operator fixes the line: the replay indexes it and the dead letter goes
    path.write_text(json.dumps(dict(broken, created_at=good["created_at"])) + "\n")
    _, letters = list_dead_letters(es, settings, source="zendesk")
    assert pointer_status(letters[0]) == "changed"
    monkeypatch.setenv("VOXINDEX_INDEX_PREFIX", settings.index_prefix)
    assert main(["deadletters", "--source", "zendesk", "--replay", "--no-enrich"]) == 0
    assert "1 dead letter(s) resolved" in capsys.readouterr().out
    assert list_dead_letters(es, settings, source="zendesk")[0] == 0
    es.indices.refresh(index=settings.indices.feedback)
    assert es.count(index=settings.indices.feedback, query={"term": {"source_record_id": "4242"}})["count"] >= 1


def test_a_replay_reads_the_file_as_the_run_that_dead_lettered_it(es, settings, tmp_path, capsys, monkeypatch):
    """A tweet export needs --id-from and --time-format: replayed with the connector's defaults, its
    fixed row failed on the date again and, parsed, would have got another id (a second copy)."""
    from indexer.deadletter import list_dead_letters
    from indexer.ingest import ingest_path
    from indexer.pipeline import Pipeline
    from indexer.sources import make_connector
    from voxindex.model import stable_id

    rows = ["tweet_id,text,tweet_created", "5.70301E+17,Lost my bag again,24-02-2015 11.35",
            "5.70301E+17,Seat was broken,24-02-2015 26.99"]  # an hour that does not exist
    path = tmp_path / "Tweets.csv"
    path.write_text("\n".join(rows) + "\n")

    def flags():
        return make_connector("csv", id_from=["text", "created_at"], time_format=["%d-%m-%Y %H.%M"], timezone="-05:00")

    assert ingest_path(es, settings, flags(), path, pipeline=Pipeline(), progress=False).dead_lettered == 1
    _, letters = list_dead_letters(es, settings, source="csv")
    assert letters[0]["reader"] == {"id_from": ["text", "created_at"], "time_format": ["%d-%m-%Y %H.%M"], "timezone": "-05:00"}
    path.write_text("\n".join([*rows[:2], rows[2].replace("26.99", "12.10")]) + "\n")
    monkeypatch.setenv("VOXINDEX_INDEX_PREFIX", settings.index_prefix)
    assert main(["deadletters", "--source", "csv", "--replay", "--no-enrich"]) == 0
    assert "1 dead letter(s) resolved" in capsys.readouterr().out
    again = ingest_path(es, settings, flags(), path, pipeline=Pipeline(), progress=False)  # the next scheduled run
    es.indices.refresh(index=settings.indices.feedback)
    hits = es.search(index=settings.indices.feedback, size=10)["hits"]["hits"]
    assert sorted(h["_source"]["text"] for h in hits) == ["Lost my bag again", "Seat was broken"]  # no second copy
    fixed = next(h for h in hits if h["_source"]["text"] == "Seat was broken")
    assert fixed["_source"]["created_at"].startswith("2015-02-24T17:10:00")  # 12.10 at -05:00
    assert (again.new, again.unchanged) == (0, 2) and fixed["_id"] != stable_id("csv", "5.70301E+17", "body", 0)
