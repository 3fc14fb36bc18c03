"""`voxindex demo-data` writes a deterministic, realistic, fully labeled multi-source dataset.

No Elasticsearch needed. The files are read back here with a small independent reader (not the
generator's own code), so these tests check the promises of docs/source-formats.md.
"""
from __future__ import annotations

import csv
import json
from collections import Counter, defaultdict
from datetime import datetime, timedelta
from pathlib import Path

import pytest

from indexer.demo import vocab
from indexer.demo.generate import generate, is_up_to_date, taxonomy_map
from indexer.demo.pii import iban_valid, luhn_valid
from voxindex.model import INTENTS, SENTIMENTS, SEVERITIES, parse_time

FEEDBACK = {"zendesk": "tickets.jsonl", "appstore": "reviews.csv", "survey": "surveys.csv", "calls": "calls.jsonl",
            "jsonl": "community.jsonl", "csv": "chats.csv"}
COLUMNS = {
    "reviews.csv": "review_id,store,app_version,locale,rating,title,body,reviewer_nickname,created_at,updated_at",
    "surveys.csv": "response_id,survey,email,score,verbatim,submitted_at,locale",
    "chats.csv": "id,email,name,message,created_at,page,app_version,locale",
    "people.csv": "contact_id,name,email,account_id,title,updated_at",
}
GT_FILES = ["units.jsonl", "pii.jsonl", "identities.jsonl", "duplicates.jsonl", "incidents.json", "score_effects.json", "malformed.jsonl",
            "summary.json"]


# ---------------------------------------------------------------- an independent reader


class Invalid(Exception):
    pass


def _ts(value) -> datetime:
    try:
        return parse_time(value)
    except Exception as exc:
        raise Invalid(str(exc)) from exc


def _need(obj: dict, *names: str) -> None:
    for n in names:
        if obj.get(n) in (None, "", []):
            raise Invalid(f"missing {n}")


def parse_line(file: str, raw, header: list[str] | None = None) -> dict:
    """One record as the docs describe it -> {source, id, created, app_version, account_id, email, parts}."""
    if header is not None:
        row = raw
        if len(row) != len(header):
            raise Invalid("column count")
        r = dict(zip(header, row))
        if file == "reviews.csv":
            _need(r, "review_id", "rating", "body", "created_at")
            try:
                rating = int(r["rating"])
            except ValueError as exc:
                raise Invalid("rating") from exc
            assert 1 <= rating <= 5
            return dict(source="appstore", id=r["review_id"], created=_ts(r["created_at"]), rating=rating,
                        app_version=r["app_version"], parts={"body": r["body"]}, updated=_ts(r["updated_at"]))
        if file == "surveys.csv":
            _need(r, "response_id", "survey", "score", "submitted_at")
            try:
                score = int(r["score"])
            except ValueError as exc:
                raise Invalid("score") from exc
            assert r["survey"] in ("nps", "csat")
            assert (0 <= score <= 10) if r["survey"] == "nps" else (1 <= score <= 5)
            return dict(source="survey", id=r["response_id"], created=_ts(r["submitted_at"]), email=r["email"],
                        parts={"body": r["verbatim"]} if r["verbatim"] else {}, score=score, survey=r["survey"])
        _need(r, "id", "created_at")
        return dict(source="csv", id=r["id"], created=_ts(r["created_at"]), email=r["email"],
                    app_version=r["app_version"], parts={"body": r["message"]})
    try:
        obj = json.loads(raw)
    except ValueError as exc:
        raise Invalid("json") from exc
    if file == "tickets.jsonl":
        _need(obj, "id", "created_at", "updated_at", "comments", "users")
        _ts(obj["updated_at"])
        roles = {u["id"]: u["role"] for u in obj["users"]}
        assert set(roles.values()) <= {"end-user", "agent", "admin"}
        for c in obj["comments"]:
            assert set(c) >= {"id", "author_id", "body", "public", "created_at"}
            assert c["author_id"] == -1 or c["author_id"] in roles
        return dict(source="zendesk", id=str(obj["id"]), created=_ts(obj["created_at"]),
                    app_version=obj["custom_fields"]["app_version"], account_id=obj["organization_id"],
                    parts={f"c{c['id']}": c["body"] for c in obj["comments"]}, raw=obj)
    if file == "calls.jsonl":
        _need(obj, "call_id", "started_at", "participants", "turns")
        assert {p["role"] for p in obj["participants"]} <= {"customer", "sales", "csm", "support", "se"}
        speakers = {p["speaker"] for p in obj["participants"]}
        assert all(t["speaker"] in speakers for t in obj["turns"])
        return dict(source="calls", id=obj["call_id"], created=_ts(obj["started_at"]), account_id=obj["account_id"],
                    parts={f"t{i}": t["text"] for i, t in enumerate(obj["turns"])}, raw=obj)
    _need(obj, "id", "created_at")
    assert set(obj) == {"id", "author", "email", "title", "body", "created_at", "updated_at", "url", "locale"}
    return dict(source="jsonl", id=obj["id"], created=_ts(obj["created_at"]), email=obj["email"],
                parts={"body": obj["body"]})


def read_dataset(d: Path) -> dict:
    """Every record keyed by (source, id), and every line that failed to parse as (file, line)."""
    records, bad = {}, {}
    for source, file in FEEDBACK.items():
        path = d / file
        if file.endswith(".csv"):
            with path.open(encoding="utf-8", newline="") as fh:
                lines = fh.read().split("\n")
            assert lines[-1] == ""
            assert lines[0] == COLUMNS[file]
            header = lines[0].split(",")
            for n, line in enumerate(lines[1:-1], start=2):
                row = next(csv.reader([line]))
                try:
                    rec = parse_line(file, row, header)
                except (Invalid, AssertionError, KeyError) as exc:
                    bad[(file, n)] = str(exc)
                    continue
                records[(source, rec["id"])] = rec
        else:
            for n, line in enumerate(path.read_text(encoding="utf-8").split("\n")[:-1], start=1):
                try:
                    rec = parse_line(file, line)
                except (Invalid, AssertionError, KeyError) as exc:
                    bad[(file, n)] = str(exc)
                    continue
                records[(source, rec["id"])] = rec
    return {"records": records, "bad": bad}


def read_jsonl(path: Path) -> list[dict]:
    return [json.loads(line) for line in path.read_text(encoding="utf-8").splitlines()]


# ---------------------------------------------------------------- fixtures


@pytest.fixture(scope="module")
def full(tmp_path_factory):
    """The full default dataset (seed 7, 90 days, scale 1.0), generated once for this module."""
    out = tmp_path_factory.mktemp("demo-full")
    summary = generate(out, seed=7, days=90, scale=1.0, progress=False)
    gt = out / "ground_truth"
    return {"dir": out, "summary": summary, "data": read_dataset(out), "units": read_jsonl(gt / "units.jsonl"),
            "pii": read_jsonl(gt / "pii.jsonl"), "identities": read_jsonl(gt / "identities.jsonl"),
            "duplicates": read_jsonl(gt / "duplicates.jsonl"), "malformed": read_jsonl(gt / "malformed.jsonl"),
            "incidents": json.loads((gt / "incidents.json").read_text()),
            "accounts": {a["account_id"]: a for a in read_jsonl(out / "accounts.jsonl")}}


def _all_files(d: Path) -> dict[str, bytes]:
    return {str(p.relative_to(d)): p.read_bytes() for p in sorted(d.rglob("*")) if p.is_file()}


# ---------------------------------------------------------------- determinism and re-runs


def test_same_seed_writes_byte_identical_files_and_another_seed_differs(tmp_path):
    a, b, c = tmp_path / "a", tmp_path / "b", tmp_path / "c"
    generate(a, seed=11, days=30, scale=0.05, progress=False)
    generate(b, seed=11, days=30, scale=0.05, progress=False)
    generate(c, seed=12, days=30, scale=0.05, progress=False)
    files_a, files_b, files_c = _all_files(a), _all_files(b), _all_files(c)
    expected = {"accounts.jsonl", "people.csv", *FEEDBACK.values()} | {f"ground_truth/{f}" for f in GT_FILES}
    assert set(files_a) == expected
    assert files_a == files_b
    assert files_a["tickets.jsonl"] != files_c["tickets.jsonl"]
    assert files_a["ground_truth/units.jsonl"] != files_c["ground_truth/units.jsonl"]


def test_rerun_with_same_arguments_is_skipped_unless_forced(tmp_path, capsys):
    from voxindex.cli import main

    out = tmp_path / "d"
    args = ["demo-data", "--seed", "3", "--days", "14", "--scale", "0.05", "--out", str(out)]
    assert main(args) == 0
    assert "tickets.jsonl" in capsys.readouterr().out
    stamp = (out / "tickets.jsonl").stat().st_mtime_ns
    assert is_up_to_date(out, 3, 14, scale=0.05)
    assert not is_up_to_date(out, 4, 14, scale=0.05)
    assert main(args) == 0
    assert "already there" in capsys.readouterr().out
    assert (out / "tickets.jsonl").stat().st_mtime_ns == stamp
    assert main(args + ["--force"]) == 0
    assert "tickets.jsonl" in capsys.readouterr().out


def test_output_does_not_depend_on_today_default_end_date(tmp_path):
    summary = generate(tmp_path, seed=1, days=7, scale=0.05, progress=False)
    assert summary["end_date"] == "2026-11-20" and summary["start_date"] == "2026-11-14"
    data = read_dataset(tmp_path)
    stamps = [r["created"] for r in data["records"].values()]
    assert min(stamps) >= datetime.fromisoformat("2026-11-14T00:00:00+00:00")
    assert max(stamps) <= datetime.fromisoformat("2026-11-20T23:59:59+00:00")


# ---------------------------------------------------------------- shape, volume, malformed


def test_full_dataset_has_over_20000_feedback_records_and_summary_counts_match(full):
    summary, data = full["summary"], full["data"]
    assert summary["feedback_records_valid"] >= 20_000
    per_file = Counter(FEEDBACK[src] for src, _ in data["records"])
    for file in FEEDBACK.values():
        info = summary["files"][file]
        assert per_file[file] == info["records"] - info["malformed"], file
    assert summary["files"]["accounts.jsonl"]["records"] == len(full["accounts"]) >= 190
    assert summary["identities"]["clusters"] >= 1800
    customer = Counter(u["source"] for u in full["units"] if u["speaker_role"] == "customer")
    assert dict(customer) == {k: v for k, v in summary["expected_customer_units"].items() if v}


def test_every_record_parses_with_the_documented_shape_except_the_listed_malformed_ones(full):
    listed = {(m["file"], m["line"]) for m in full["malformed"]}
    assert set(full["data"]["bad"]) == listed
    reasons = Counter(m["reason"].split(":")[0].split(" in ")[0] for m in full["malformed"])
    assert {"invalid JSON", "missing required field", "unparsable timestamp", "wrong column count"} <= set(reasons)
    assert any(r.startswith("non-numeric") for r in reasons)


def test_about_one_percent_of_each_feedback_file_is_malformed(full):
    for file in FEEDBACK.values():
        info = full["summary"]["files"][file]
        assert 0.005 <= info["malformed"] / info["records"] <= 0.02, file


def test_accounts_have_history_parents_and_people_csv_has_contacts(full):
    accounts = full["accounts"]
    assert any(a["parent_account_id"] for a in accounts.values())
    for a in accounts.values():
        stamps = [h["valid_from"] for h in a["history"]]
        assert stamps == sorted(stamps) and len(set(stamps)) == len(stamps)
        assert a["region"] in ("NA", "EU", "APAC", "LATAM")
        assert all(h["plan"] in ("free", "starter", "pro", "enterprise") for h in a["history"])
        assert all(h["segment"] in ("smb", "mid-market", "enterprise") for h in a["history"])
        if a["parent_account_id"]:
            assert a["parent_account_id"] in accounts
    window = [a for a in accounts.values() if any(h["valid_from"] >= "2026-08-23" for h in a["history"])]
    assert len(window) >= 40  # ARR / health changes inside the 90 days
    with (full["dir"] / "people.csv").open(encoding="utf-8", newline="") as fh:
        rows = list(csv.DictReader(fh))
    assert len(rows) >= 2000
    assert all(r["account_id"] in accounts for r in rows)


# ---------------------------------------------------------------- ground truth


def test_ground_truth_record_ids_and_parts_all_exist_in_the_files(full):
    records = full["data"]["records"]
    for row in full["units"] + full["pii"] + [m for g in full["duplicates"] for m in g["members"]]:
        rec = records.get((row["source"], row["record_id"]))
        assert rec is not None, row
        assert row["part"] in rec["parts"], row
    unit_parts = {(u["source"], u["record_id"], u["part"]) for u in full["units"]}
    all_parts = {(src, rid, p) for (src, rid), rec in records.items() for p in rec["parts"]}
    assert unit_parts == all_parts  # every part of every valid record is labeled, malformed ones never


def test_segments_concatenate_to_the_part_text_and_carry_taxonomy_labels(full):
    records = full["data"]["records"]
    theme_of = taxonomy_map()
    by_part = defaultdict(list)
    for u in full["units"]:
        by_part[(u["source"], u["record_id"], u["part"])].append(u)
    multi = customer_parts = 0
    for (src, rid, part), segs in by_part.items():
        text = records[(src, rid)]["parts"][part]
        assert [s["segment"] for s in segs] == list(range(len(segs)))
        assert " ".join(s["text"] for s in segs) == text
        for s in segs:
            if s["speaker_role"] == "customer":
                assert theme_of[s["sub_theme"]] == s["theme"]
                assert s["sentiment"] in SENTIMENTS and s["intent"] in INTENTS and s["severity"] in SEVERITIES
                assert s["person_cluster"] or src == "appstore"
            else:
                assert s["speaker_role"] in ("agent", "bot", "internal", "system", "sales")
                assert s["theme"] is None and s["person_cluster"] is None and len(segs) == 1
        if segs[0]["speaker_role"] == "customer":
            customer_parts += 1
            multi += len(segs) > 1
    assert 0.05 <= multi / customer_parts <= 0.2
    roles = Counter(u["speaker_role"] for u in full["units"])
    assert {"customer", "agent", "bot", "internal", "system", "sales"} <= set(roles)


def test_every_taxonomy_sub_theme_has_a_varied_phrasing_bank():
    for sub_theme in taxonomy_map():
        assert len(vocab.BANKS[sub_theme]) >= 8, sub_theme


def test_labels_are_consistent_with_the_text(full):
    units = [u for u in full["units"] if u["speaker_role"] == "customer"]
    assert all(u["sentiment"] == "positive" for u in units if u["intent"] == "praise")
    assert all(u["sentiment"] == "negative" for u in units if u["intent"] in ("bug", "complaint"))
    assert all(u["severity"] == "low" for u in units if u["sub_theme"] == "praise")
    assert all(u["intent"] == "churn_risk" for u in units if u["sub_theme"] == "churn-intent")
    texts = {u["text"] for u in units}
    assert len(texts) / len(units) > 0.9  # varied text, not one template per sub-theme


def test_app_store_ratings_follow_sentiment(full):
    records = full["data"]["records"]
    by_sent = defaultdict(list)
    for u in full["units"]:
        if u["source"] == "appstore" and u["segment"] == 0:
            by_sent[u["sentiment"]].append(records[("appstore", u["record_id"])]["rating"])
    mean = {k: sum(v) / len(v) for k, v in by_sent.items()}
    assert mean["positive"] - mean["negative"] > 1.8
    assert set(by_sent["positive"]) != {5}  # noisy, not a lookup


def test_planted_pii_occurs_verbatim_in_the_named_part(full):
    records = full["data"]["records"]
    for p in full["pii"]:
        assert p["value"] in records[(p["source"], p["record_id"])]["parts"][p["part"]], p
    types = Counter(p["type"] for p in full["pii"])
    assert set(types) == {"EMAIL_ADDRESS", "PHONE_NUMBER", "CREDIT_CARD", "API_KEY", "PERSON", "ADDRESS", "IBAN_CODE"}
    assert all(luhn_valid(p["value"]) for p in full["pii"] if p["type"] == "CREDIT_CARD")
    assert all(iban_valid(p["value"]) for p in full["pii"] if p["type"] == "IBAN_CODE")
    customer_parts = {(u["source"], u["record_id"], u["part"]) for u in full["units"] if u["speaker_role"] == "customer"}
    with_pii = {(p["source"], p["record_id"], p["part"]) for p in full["pii"]}
    assert with_pii <= customer_parts
    assert 0.05 <= len(with_pii) / len(customer_parts) <= 0.12


def test_duplicates_are_grouped_exact_and_near(full):
    records = full["data"]["records"]
    kinds = Counter(g["kind"] for g in full["duplicates"])
    assert kinds["exact"] > 50 and kinds["near"] > 50
    by_key = {(u["source"], u["record_id"], u["part"]): u for u in full["units"]}
    for g in full["duplicates"]:
        texts = [records[(m["source"], m["record_id"])]["parts"][m["part"]] for m in g["members"]]
        assert len(texts) >= 2
        if g["kind"] == "exact":
            assert len(set(texts)) == 1
        assert all(by_key[(m["source"], m["record_id"], m["part"])]["dup_group"] == g["dup_group"]
                   for m in g["members"])


def test_identities_cluster_emails_and_names_and_list_shared_inboxes(full):
    clusters = [i for i in full["identities"] if "person_cluster" in i]
    shared = [i for i in full["identities"] if "shared_inbox" in i]
    assert shared and all(len(s["used_by"]) >= 2 for s in shared)
    assert sum(len(c["emails"]) > 1 for c in clusters) > 100
    assert sum(len(c["contact_ids"]) > 1 for c in clusters) > 50
    assert sum(len(c["names"]) > 1 for c in clusters) > 100
    emails = [e for c in clusters for e in c["emails"]]
    assert len(emails) == len(set(emails))
    assert not {s["shared_inbox"] for s in shared} & set(emails)
    contacts = [cid for c in clusters for cid in c["contact_ids"]] + [s["contact_id"] for s in shared]
    assert len(contacts) == len(set(contacts))
    nicknames = {r["reviewer_nickname"] for r in csv.DictReader((full["dir"] / "reviews.csv").open(encoding="utf-8"))
                 if r.get("reviewer_nickname")}
    assert not nicknames & {n for c in clusters for n in c["names"]}
    assert all(u["person_cluster"] is None for u in full["units"] if u["source"] == "appstore")


# ---------------------------------------------------------------- incidents


def _daily(full, sub_theme: str, keep) -> Counter:
    records = full["data"]["records"]
    per_day = Counter()
    for u in full["units"]:
        if u["sub_theme"] == sub_theme and u["segment"] == 0 and u["part"] in ("c1", "body"):
            rec = records[(u["source"], u["record_id"])]
            if keep(u, rec):
                per_day[rec["created"].date()] += 1
    return per_day


def _mean(counter: Counter, start, end) -> float:
    days = (end - start).days
    return sum(counter[start + timedelta(days=i)] for i in range(days)) / max(days, 1)


def test_incident_windows_hold_elevated_volume_for_their_filters(full):
    incidents = {i["id"]: i for i in full["incidents"]}
    assert len(incidents) >= 3
    email_account = {e: c["account_id"] for c in full["identities"] if "emails" in c for e in c["emails"]}
    accounts = full["accounts"]

    def account(rec):
        return rec.get("account_id") or email_account.get(rec.get("email") or "")

    def segment(rec):
        acc = accounts.get(account(rec) or "")
        return acc["history"][-1]["segment"] if acc else None

    def region(rec):
        acc = accounts.get(account(rec) or "")
        return acc["region"] if acc else None

    for inc in incidents.values():
        start, end = parse_time(inc["start"]).date(), parse_time(inc["end"]).date()
        f = inc["filters"]

        def keep(u, rec, f=f):
            return (f.get("app_version") in (None, rec.get("app_version"))
                    and f.get("segment") in (None, segment(rec)) and f.get("region") in (None, region(rec)))

        daily = _daily(full, inc["sub_theme"], keep)
        if inc["kind"] == "spike":
            inside = _mean(daily, start, end)
            before = _mean(daily, start - timedelta(days=21), start)
            assert inside >= 3 * (before + 0.5), (inc["id"], inside, before)
            unfiltered = _daily(full, inc["sub_theme"], lambda u, r: True)
            assert _mean(unfiltered, start, end) > 1.5 * _mean(unfiltered, start - timedelta(days=21), start)
        else:
            last = _mean(daily, end - timedelta(days=7), end)
            first = _mean(daily, start - timedelta(days=7), start)
            assert last >= 1.8 * first, (inc["id"], last, first)
    sync = incidents["inc-sync-482"]
    assert sync["filters"] == {"app_version": "4.8.2", "segment": "enterprise"}
    assert incidents["inc-eu-double-charge"]["filters"] == {"region": "EU"}
    assert incidents["inc-slow-load-burn"]["kind"] == "slow-burn"


def test_background_volume_has_weekly_seasonality(full):
    per_weekday = Counter(rec["created"].weekday() for (src, _), rec in full["data"]["records"].items()
                          if src == "zendesk")
    weekday = sum(per_weekday[d] for d in range(5)) / 5
    weekend = (per_weekday[5] + per_weekday[6]) / 2
    assert weekend < 0.6 * weekday


def test_the_demo_points_at_this_runs_indices_api_and_keys_not_the_defaults(tmp_path):
    from dataclasses import replace

    from voxindex.config import get_settings
    from voxindex.demo import where_next

    s = replace(get_settings(), index_prefix="acme", api_port=8123, home=tmp_path / "home")
    text = where_next(s)
    assert "_cat/indices/acme-*" in text and "voxindex-*" not in text
    assert "http://127.0.0.1:8123/v1/search" in text and "http://127.0.0.1:8123/ui/" in text
    assert str(tmp_path / "home" / "api-keys.txt") in text or "home/api-keys.txt" in text


def test_the_demo_does_not_hand_out_keys_for_an_api_it_did_not_start(tmp_path):
    """`serve --background` reuses an API some other checkout or home started on the port; that
    server does not know this run's keys, so the hints say how to serve this run instead."""
    from dataclasses import replace

    from voxindex.config import get_settings
    from voxindex.demo import _api_is_ours, where_next

    s = replace(get_settings(), index_prefix="acme", api_port=8123, home=tmp_path / "home")
    assert not _api_is_ours(s)  # no pidfile in this home
    text = where_next(s, api_ours=False)
    assert "/v1/search" not in text and "/ui/" not in text
    assert "VOXINDEX_API_PORT=8124 .venv/bin/voxindex serve --background" in text and "refuses the keys" in text


def test_the_saved_keys_are_read_back_in_the_format_bootstrap_writes(tmp_path):
    from dataclasses import replace

    from search_api.server import keys_file, saved_key
    from voxindex.config import get_settings

    s = replace(get_settings(), home=tmp_path)
    assert saved_key(s, "admin") is None  # no file yet
    keys_file(s).write_text("admin  vx_a1\nviewer vx_v1\n")  # as bootstrap_keys writes it
    assert (saved_key(s, "admin"), saved_key(s, "viewer"), saved_key(s, "auditor")) == ("vx_a1", "vx_v1", None)
