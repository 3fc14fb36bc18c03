"""Finding 6 of the leak review (issue 10), PII kept in clear: a URL's query string and path in
`provenance.source_url`, lowercase greetings and sign-offs, dead letters with card numbers and
emails. (The audit record's `q` is covered by test_api_leaks.py::test_finding_6_audit_stores_q_redacted.)"""
from __future__ import annotations

import csv
import json

EMAIL, CARD = "jo.mbeki@northwind.example.com", "4111 1111 1111 1111"


def _reviews(path, rows):
    cols = ["review_id", "store", "app_version", "locale", "rating", "title", "body", "reviewer_nickname",
            "created_at", "updated_at", "url"]
    with open(path, "w", newline="", encoding="utf-8") as fh:
        w = csv.DictWriter(fh, fieldnames=cols)
        w.writeheader()
        for i, (body, url) in enumerate(rows, start=1):
            w.writerow({"review_id": f"f6-{i}", "store": "ios", "app_version": "4.8.2", "locale": "en-US", "rating": "2",
                        "title": "Export", "body": body, "reviewer_nickname": "jm", "created_at": "2026-09-01T08:00:00Z",
                        "updated_at": "2026-09-01T08:00:00Z", "url": url})
    return path


def _ingest_with_pii_stage(es, settings, path):
    from indexer.enrich.pii import PiiRedactor
    from indexer.ingest import ingest_path
    from indexer.pipeline import Pipeline

    summary = ingest_path(es, settings, "appstore", path, pipeline=Pipeline([PiiRedactor()]), progress=False)
    es.indices.refresh(index=settings.indices.feedback)
    return summary, [h["_source"] for h in es.search(index=settings.indices.feedback, size=50)["hits"]["hits"]]


def test_finding_6_source_url_query_and_path_carry_no_email(es, settings, tmp_path):
    path = _reviews(tmp_path / "reviews.csv", [
        ("Export fails on large boards.", f"https://apps.example.com/reviews/1?email={EMAIL}&lang=en"),
        ("Export is slow.", f"https://apps.example.com/users/{EMAIL}/reviews/2"),
        ("Export crashed.", "https://apps.example.com/login?email=jo.mbeki%40northwind.example.com&uid=99812"),
    ])
    summary, docs = _ingest_with_pii_stage(es, settings, path)
    assert summary.new == 3 and len(docs) == 3
    urls = [d["provenance"]["source_url"] for d in docs]
    blob = json.dumps(docs)
    assert EMAIL not in blob and "jo.mbeki%40" not in blob and "99812" not in blob, urls
    assert all(u.startswith("https://apps.example.com/") for u in urls)
    assert all("EMAIL_ADDRESS" in d["pii_types"] for d in docs)


def test_finding_6_lowercase_greetings_and_sign_offs_are_redacted(es, settings, tmp_path):
    path = _reviews(tmp_path / "reviews.csv", [
        ("hey, i'm jonathan mbeki and the export never finishes", ""),
        ("export never finishes on big boards\n-- Jonathan", ""),
        ("the export is back, thanks jonathan", ""),
    ])
    _, docs = _ingest_with_pii_stage(es, settings, path)
    texts = [d["text"] for d in docs]
    assert len(texts) == 3
    assert not any("jonathan" in t.lower() or "mbeki" in t.lower() for t in texts), texts
    assert all("<PERSON>" in t for t in texts)


def test_finding_6_dead_letters_hold_no_card_number_or_email_in_clear(es, settings, tmp_path):
    from indexer.deadletter import list_dead_letters
    from indexer.ingest import ingest_path
    from indexer.pipeline import Pipeline

    path = tmp_path / "tickets.jsonl"
    path.write_text('{"id": 9, "subject": "charged twice on ' + CARD + '", "requester": "' + EMAIL + '"\n'
                    + json.dumps({"id": 10, "created_at": "yesterday", "subject": f"card {CARD}, mail {EMAIL}"}) + "\n")
    assert ingest_path(es, settings, "zendesk", path, pipeline=Pipeline(), progress=False).dead_lettered == 2
    total, letters = list_dead_letters(es, settings, source="zendesk")
    blob = json.dumps(letters)
    assert total == 2 and CARD not in blob and EMAIL not in blob and "4111" not in blob
    assert all(dl["line"] in (1, 2) and dl["source_path"] == str(path.resolve()) for dl in letters)
