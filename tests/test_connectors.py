"""Connectors read every export format into attributed parts; only customer parts become units.
Pure parsing: no Elasticsearch needed."""
from __future__ import annotations

import json
from datetime import datetime, timezone
from pathlib import Path

import pytest

from indexer.sources import get_connector
from indexer.sources.base import Bad, Parsed
from indexer.sources.mapped import parse_field_map
from indexer.sources.zendesk import comment_role
from voxindex.model import stable_id

SOURCES = Path(__file__).resolve().parent / "fixtures" / "sources"




def read(name: str, **options) -> tuple[list[Parsed], list[Bad]]:
    connector = get_connector(name, **options)
    results = list(connector.read(SOURCES / connector.default_filename))
    return [r for r in results if not isinstance(r, Bad)], [r for r in results if isinstance(r, Bad)]


def by_id(parsed):
    return {p.record_id: p for p in parsed}


def test_zendesk_attributes_every_comment_and_only_customer_comments_become_units():
    parsed, bad = read("zendesk")
    assert sorted(by_id(parsed)) == ["1001", "1002", "1006", "1007"]
    assert [(b.raw_ref, b.reason.split(":")[0]) for b in bad] == [
        ("tickets.jsonl#L3", "bad JSON"),
        ("tickets.jsonl#L4", "updated_at"),
        ("tickets.jsonl#L5", "created_at"),
    ]
    assert "required field missing" in bad[1].reason and "yesterday" in bad[2].reason
    assert bad[0].payload.startswith('{"id": 1003')

    t = by_id(parsed)["1001"]
    assert [(p.part, p.speaker_role) for p in t.parts] == [
        ("c1", "customer"), ("c2", "bot"), ("c3", "agent"), ("c4", "internal"), ("c5", "customer"), ("c6", "system"),
    ]
    assert [u.provenance.record_part for u in t.units] == ["c1", "c5"]
    u1, u5 = t.units
    assert u1.unit_id == stable_id("zendesk", "1001", "c1", 0)
    assert (u1.speaker_role, u1.is_customer_signal, u1.segment_index) == ("customer", True, 0)
    assert (u1.thread_id, u1.position, u5.position) == ("1001", 0, 4)
    assert (u1.account_id, u1.app_version, u1.product_area) == ("acc_0001", "4.8.2", "sync")
    assert (u1.title, u1.tags) == ("Sync stuck since update", ["sync", "ios"])
    assert (u1.author_name, u1.author_email) == ("Dana Smith", "dana@northwind.com")
    assert u1.created_at == datetime(2026, 9, 1, 10, 0, tzinfo=timezone.utc)
    assert u1.updated_at == datetime(2026, 9, 1, 12, 0, tzinfo=timezone.utc)
    assert (u1.provenance.raw_ref, u1.provenance.cursor) == ("tickets.jsonl#L1", "2026-09-01T12:00:00Z")
    assert u1.provenance.raw_hash and t.cursor_value == "2026-09-01T12:00:00Z"
    # context: up to 3 turns before and 1 after, every speaker, never units themselves
    assert [c.part for c in u1.context] == ["c2"]
    assert [(c.part, c.speaker_role) for c in u5.context] == [
        ("c2", "bot"), ("c3", "agent"), ("c4", "internal"), ("c6", "system"),
    ]
    # identity inputs are carried for resolution but never reach the index
    assert "author_email" not in u1.to_doc() and "author_name" not in u1.to_doc()

    assert [(p.part, p.speaker_role) for p in by_id(parsed)["1002"].parts] == [("c11", "customer"), ("c12", "agent")]
    assert by_id(parsed)["1006"].units == []  # agent-only outreach: no customer words


@pytest.mark.parametrize(
    "comment,user,role",
    [
        ({"author_id": -1, "public": False}, None, "system"),
        ({"author_id": 17, "via": "system", "public": True}, {"name": "Alex", "role": "agent"}, "system"),
        ({"author_id": 17, "public": False}, {"name": "Alex", "role": "agent"}, "internal"),
        ({"author_id": 18, "public": True}, {"name": "HelpBot", "role": "agent"}, "bot"),
        ({"author_id": 20, "public": True}, {"name": "Kim", "role": "admin"}, "agent"),
        ({"author_id": 9001, "public": True}, {"name": "Dana", "role": "end-user"}, "customer"),
        ({"author_id": 9001, "public": True}, None, "customer"),  # unknown user, but the requester
        ({"author_id": 5, "public": True}, None, "unknown"),
    ],
)
def test_zendesk_speaker_roles(comment, user, role):
    assert comment_role(comment, user, "9001") == role


def test_appstore_reviews_keep_rating_and_never_identity():
    parsed, bad = read("appstore")
    assert sorted(by_id(parsed)) == ["r1", "r2", "r7"]
    assert [(b.raw_ref, b.reason) for b in bad] == [
        ("reviews.csv#L5", "rating: 'five' is not a number"),
        ("reviews.csv#L6", "wrong column count: expected 10, got 7"),
        ("reviews.csv#L7", "body: required field missing"),
        ("reviews.csv#L8", "rating: '7' is outside 1..5"),
    ]
    assert bad[1].payload == "r4,ios,4.8.2,en-US,5,Too few columns,2026-09-02T08:00:00Z"
    r2 = by_id(parsed)["r2"]
    (unit,) = r2.units
    assert unit.text == "Works well,\nbut dark mode please!"  # a quoted newline stays in one row
    assert r2.raw_ref == "reviews.csv#L3" and by_id(parsed)["r7"].raw_ref == "reviews.csv#L9"
    assert (unit.rating, unit.locale, unit.app_version, unit.title, unit.tags) == (4.0, "de-DE", "4.8.2", "Gut", ["android"])
    assert (unit.author_name, unit.author_email, unit.account_id) == (None, None, None)
    assert r2.cursor_value == "2026-09-02T09:00:00Z"
    assert by_id(parsed)["r7"].cursor_value == "2026-09-04T08:00:00Z"  # blank updated_at: created_at
    assert by_id(parsed)["r7"].units[0].text == 'Best app I have, "really".'


def test_survey_blank_verbatim_is_read_but_yields_no_unit():
    parsed, bad = read("survey")
    assert sorted(by_id(parsed)) == ["s1", "s2", "s6"]
    assert [b.reason for b in bad] == [
        "score: 'abc' is not a number",
        "survey: 'ces' is not one of ['csat', 'nps']",
        "submitted_at: 'not-a-date' is not an ISO-8601 timestamp; say how to read it with --time-format",
    ]
    assert by_id(parsed)["s2"].units == [] and by_id(parsed)["s2"].parts == []
    (s1,) = by_id(parsed)["s1"].units
    assert (s1.rating, s1.tags, s1.author_email, s1.channel, s1.provenance.record_part) == (
        3.0, ["nps"], "dana@northwind.com", "survey", "body",
    )


def survey_units(tmp_path, name, text, **options):
    """A survey export written as given, read by the survey connector: (connector, its units)."""
    from indexer.sources import make_connector

    path = tmp_path / name
    path.write_text(text, encoding="utf-8")
    connector = make_connector("survey", **options)
    return connector, [u for p in connector.read(path) if isinstance(p, Parsed) for u in p.units]


def test_a_real_nps_or_csat_export_reads_through_the_survey_connector_without_preprocessing(tmp_path):
    """A survey tool's own export (here Delighted's columns) maps like any CSV; with no column naming
    each response's kind, the scores say it: 0-10 is NPS, 1-5 CSAT, and the kind is the unit's tag,
    which theme impact on NPS reads."""
    from indexer.sources import make_connector
    from indexer.sources.mapped import MappingError

    connector, units = survey_units(tmp_path, "delighted.csv",
        "Response ID,Score,Comment,Email,Created At,Tags\n"
        "d1,3,Sync keeps failing on my laptop,ana@example.com,2026-05-01 10:00:00,\n"
        "d2,10,Love the new editor,,2026-05-02 11:00:00,\n"
        "d3,8,,,2026-05-02 12:00:00,\n")  # d3: a score without words, read and counted as empty
    assert [(u.rating, u.tags, u.source) for u in units] == [(3.0, ["nps"], "survey"), (10.0, ["nps"], "survey")]
    assert "survey kind nps throughout (the first scores run 0-10" in connector.map_note
    csat = "id,rating,comment,date\nc1,2,The invoice page is confusing,2026-05-01\nc2,5,Quick answer thanks,2026-05-02\n"
    assert [u.tags for u in survey_units(tmp_path, "csat.csv", csat)[1]] == [["csat"], ["csat"]]
    stated = survey_units(tmp_path, "csat.csv", csat, field_map={"survey": "@nps"})[1]  # 2 and 5 fit both scales: say which
    assert [u.tags for u in stated] == [["nps"], ["nps"]]
    odd = tmp_path / "odd.csv"
    odd.write_text("id,rating,comment,date\no1,42,Huh,2026-05-01\n")
    with pytest.raises(MappingError, match="cannot tell whether 'rating' holds NPS .* --map survey=@nps"):
        list(make_connector("survey").read(odd))


def test_a_form_tool_nps_export_needs_no_map_its_question_is_the_score(tmp_path):
    """Typeform names the score column by the NPS question and the comment column by its own
    question: the score is found by the question and its 0-10 values, the comment by its words."""

    connector, units = survey_units(tmp_path, "typeform.csv",
        "#,How likely are you to recommend Acme to a friend?,What is the main reason for your score?,"
        "Submit Date (UTC),Network ID\n"
        "x1,2,Every export to Excel times out on large reports,2026-02-01 09:02:10,4f2a9c\n"
        "x2,10,The new dashboards save my team hours every week,2026-02-01 10:01:00,77b1e0\n")
    assert connector.field_map["rating"] == "How likely are you to recommend Acme to a friend?"
    assert [(u.rating, u.tags) for u in units] == [(2.0, ["nps"]), (10.0, ["nps"])]


def test_calls_attribute_customer_and_vendor_turns():
    parsed, bad = read("calls")
    assert sorted(by_id(parsed)) == ["call_001", "call_002"]
    assert [b.reason for b in bad] == ["turns: required list missing", "turns[0].t: 'abc' is not a number"]
    c1, c2 = by_id(parsed)["call_001"], by_id(parsed)["call_002"]
    assert [p.speaker_role for p in c1.parts] == ["sales", "customer", "sales", "customer", "sales"]
    assert [p.speaker_role for p in c2.parts] == ["sales", "customer", "agent"]  # csm, customer, support
    assert [u.provenance.record_part for u in c1.units] == ["t1", "t3"]
    t3 = c1.units[1]
    assert t3.created_at == datetime(2026, 9, 5, 15, 0, 45, 500000, tzinfo=timezone.utc)  # started_at + t
    assert (t3.thread_id, t3.account_id, t3.title, t3.position) == ("call_001", "acc_0001", "QBR Northwind", 3)
    assert [(c.part, c.speaker_role) for c in t3.context] == [("t0", "sales"), ("t1", "customer"), ("t2", "sales"), ("t4", "sales")]
    assert t3.unit_id == stable_id("calls", "call_001", "t3", 0)


def test_context_is_three_before_one_after_and_truncated():
    turns = [{"speaker": "S2", "t": i, "text": f"vendor {i} " + "x" * 600} for i in range(5)]
    turns.insert(4, {"speaker": "S1", "t": 4.5, "text": "the customer speaks"})
    record = {
        "call_id": "c", "started_at": "2026-09-01T00:00:00Z", "turns": turns,
        "participants": [{"speaker": "S1", "role": "customer"}, {"speaker": "S2", "role": "support"}],
    }
    (parsed,) = get_connector("calls").read_dicts([record], "api")
    (unit,) = parsed.units
    assert [c.part for c in unit.context] == ["t1", "t2", "t3", "t5"]
    assert all(len(c.text) == 500 for c in unit.context)


def test_generic_jsonl_and_csv_with_default_field_maps():
    posts, bad = read("jsonl")
    assert sorted(by_id(posts)) == ["post_1", "post_2"] and len(bad) == 2
    assert bad[1].reason == "created_at: required field missing"
    p1 = by_id(posts)["post_1"].units[0]
    assert (p1.channel, p1.title, p1.author_name, p1.author_email, p1.provenance.source_url) == (
        "community", "Offline mode?", "Dana Smith", "dana@northwind.com", "https://community.example/t/1",
    )
    assert by_id(posts)["post_1"].cursor_value == "2026-09-02T07:00:00Z"  # updated_at
    assert by_id(posts)["post_2"].units[0].author_email is None

    chats, bad = read("csv")
    assert sorted(by_id(chats)) == ["ch1", "ch2"]
    assert [b.reason for b in bad] == [
        "created_at: '2026-13-45T99:00:00Z' is not an ISO-8601 timestamp; say how to read it with --time-format",
        "wrong column count: expected 8, got 9",
    ]
    ch1 = by_id(chats)["ch1"].units[0]
    assert (ch1.channel, ch1.product_area, ch1.app_version, ch1.author_email) == ("chat", "billing", "4.8.2", "lee@contoso.com")


def test_generic_connector_takes_a_custom_field_map():
    fmap = parse_field_map("id=post_id,text=content,created_at=ts,role=who")
    connector = get_connector("jsonl", field_map=fmap, channel="email")
    results = list(
        connector.read_dicts(
            [
                {"post_id": "a", "content": "please add SSO", "ts": "2026-09-01T00:00:00Z", "who": "customer"},
                {"post_id": "b", "content": "we shipped it", "ts": "2026-09-01T00:00:00Z", "who": "agent"},
                {"post_id": "c", "ts": "2026-09-01T00:00:00Z"},
                {"content": "no id", "ts": "2026-09-01T00:00:00Z"},
            ],
            "api",
        )
    )
    a, b, c, d = results
    assert a.units[0].channel == "email" and a.units[0].text == "please add SSO"
    assert b.parts[0].speaker_role == "agent" and b.units == []
    assert c.units == []
    assert isinstance(d, Bad) and d.reason == "id: required field missing" and d.raw_ref == "api#3"
    with pytest.raises(ValueError):
        parse_field_map("nonsense=col")
    # a survey question holds commas: quoted, it stays one column
    assert parse_field_map('text="What, if anything, should we improve?"+Q3_TEXT,created_at="Recorded, UTC"') == {
        "text": "What, if anything, should we improve?+Q3_TEXT", "created_at": "Recorded, UTC"}


def test_accounts_parse_with_history():
    connector = get_connector("accounts")
    results = list(connector.read(SOURCES / "accounts.jsonl"))
    good = [r for r in results if not isinstance(r, Bad)]
    bad = [r for r in results if isinstance(r, Bad)]
    assert [g.account.account_id for g in good] == ["acc_0001", "acc_0002"]
    assert [b.reason.split(":")[0] for b in bad] == ["name", "bad JSON"]
    acc = good[0].account
    assert acc.domains == ["northwind.com", "northwind.co.uk"] and acc.region == "EU"
    assert [h.health for h in acc.history] == ["green", "yellow"]
    assert acc.state_at(datetime(2026, 9, 1, tzinfo=timezone.utc)).arr == 150000.0


def test_unit_ids_and_hashes_do_not_depend_on_line_position(tmp_path):
    lines = (SOURCES / "tickets.jsonl").read_text().splitlines()
    (tmp_path / "tickets.jsonl").write_text("\n".join(["", *reversed(lines)]) + "\n")
    connector = get_connector("zendesk")
    before = {u.unit_id: u.provenance.raw_hash for p in read("zendesk")[0] for u in p.units}
    after_results = [r for r in connector.read(tmp_path / "tickets.jsonl") if not isinstance(r, Bad)]
    after = {u.unit_id: u.provenance.raw_hash for p in after_results for u in p.units}
    assert before == after and len(before) == 4


def test_edited_text_changes_the_unit_hash_but_not_its_id():
    record = json.loads((SOURCES / "tickets.jsonl").read_text().splitlines()[7])  # ticket 1007
    (first,) = get_connector("zendesk").read_dicts([record], "api")
    record["comments"][0]["body"] = "I keep getting logged out every minute now."
    (second,) = get_connector("zendesk").read_dicts([record], "api")
    assert first.units[0].unit_id == second.units[0].unit_id
    assert first.units[0].provenance.raw_hash != second.units[0].provenance.raw_hash
