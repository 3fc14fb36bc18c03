"""The API's remaining promises, each against the real node: a key scoped to account segments sees
only those segments on every endpoint (search, facets, units, themes, accounts, alerts);
`POST /v1/ingest` indexes good records through the pipeline and dead-letters bad ones with a 422
naming them; `POST /v1/alerts/<id>/resolve` moves an alert along the lifecycle, records who did it,
refuses a second resolve and other roles, and is audited."""
from __future__ import annotations

from datetime import timedelta

import pytest
from api_corpus import api_corpus
from dashdata import alert_doc, index_alerts

from search_api.app import ApiOptions, create_app
from search_api.synthetic import END

TICKET = {"id": 7001, "subject": "Export to CSV fails", "status": "open", "created_at": "2026-09-20T10:00:00Z", "updated_at": "2026-09-20T11:00:00Z",
          "requester_id": 1, "organization_id": "acc_0001",
          "users": [{"id": 1, "name": "Pat Doe", "email": "pat@example.com", "role": "end-user"}],
          "comments": [{"id": 1, "author_id": 1, "body": "Exporting the monthly report to CSV fails with an error.",
                        "public": True, "created_at": "2026-09-20T10:00:00Z"}]}


@pytest.fixture(scope="module")
def world(es, base_settings):
    keys = {"admin": ("admin", {}), "analyst": ("analyst", {}), "smb": ("analyst", {"segments": ["smb"]})}
    with api_corpus(es, base_settings, "sir", keys) as (settings, units, tokens):
        client = create_app(settings, es, options=ApiOptions(rate_per_s=1000, burst=1000)).test_client()
        yield settings, units, tokens, client


def auth(tokens, name):
    return {"Authorization": f"Bearer {tokens[name]}"}


# ------------------------------------------------------------------ segment-scoped keys
def test_a_segment_scoped_key_sees_only_its_segment_everywhere(world):
    _, units, tokens, client = world
    h = auth(tokens, "smb")
    smb = [u for u in units if u.account.segment == "smb" and u.is_customer_signal]
    other = next(u for u in units if u.account.segment != "smb" and u.is_customer_signal)
    assert smb and other
    body = client.get("/v1/search?mode=keyword&size=100", headers=h).json
    assert {u["unit_id"] for u in body["results"]} == {u.unit_id for u in smb}
    assert {f["value"] for f in body["facets"]["segment"]} == {"smb"}
    # asking for another segment does not widen the scope
    asked = client.get("/v1/search?mode=keyword&size=100&segment=enterprise", headers=h)
    assert asked.status_code in (200, 403) and not (asked.status_code == 200 and asked.json["results"])
    assert client.get(f"/v1/units/{other.unit_id}", headers=h).status_code == 404
    assert client.get(f"/v1/units/{smb[0].unit_id}", headers=h).status_code == 200
    total = sum(t["count"] for t in client.get("/v1/themes?days=365", headers=h).json["themes"])
    assert total == len(smb)
    assert client.get(f"/v1/accounts/{other.account_id}", headers=h).status_code == 404
    assert client.get(f"/v1/accounts/{smb[0].account_id}", headers=h).status_code == 200
    # the unscoped key sees more: the scope is the key's, not the data's
    everyone = client.get("/v1/search?mode=keyword&size=100", headers=auth(tokens, "analyst")).json["results"]
    assert len(everyone) > len(smb)


def test_a_segment_scoped_key_lists_and_touches_only_alerts_built_from_its_segment(es, world):
    settings, _, tokens, client = world
    at = END - timedelta(days=2)
    index_alerts(es, settings, [
        alert_doc("al-seg-smb", "open", "double-charge", at, dimension={"by": {"segment": "smb"}}),
        alert_doc("al-seg-ent", "open", "crash", at, dimension={"by": {"segment": "enterprise"}}),
        alert_doc("al-seg-all", "open", "slow-load", at),
    ])
    seen = {a["alert_id"] for a in client.get("/v1/alerts?size=50", headers=auth(tokens, "smb")).json["alerts"]}
    assert "al-seg-smb" in seen and not seen & {"al-seg-ent", "al-seg-all"}
    everyone = {a["alert_id"] for a in client.get("/v1/alerts?size=50", headers=auth(tokens, "analyst")).json["alerts"]}
    assert {"al-seg-smb", "al-seg-ent", "al-seg-all"} <= everyone


# ------------------------------------------------------------------ POST /v1/ingest
def _count(es, settings, index, **term):
    es.indices.refresh(index=index)
    return es.count(index=index, query={"term": term})["count"]


def test_ingest_indexes_good_records_through_the_pipeline(es, world):
    settings, _, tokens, client = world
    r = client.post("/v1/ingest", json={"connector": "zendesk", "records": [TICKET]}, headers=auth(tokens, "admin"))
    assert r.status_code == 200, r.json
    summary = r.json["ingested"]
    assert summary["run_id"] and summary.get("dead_lettered", 0) == 0
    es.indices.refresh(index=settings.indices.feedback)
    hits = es.search(index=settings.indices.feedback, query={"term": {"source_record_id": "7001"}})["hits"]["hits"]
    assert hits, "the ticket was not indexed"
    unit = hits[0]["_source"]
    assert unit["source"] == "zendesk" and "CSV" in unit["text"]
    # enriched on the way in, as a file ingest would be
    assert unit["taxonomy"]["theme"] and unit["sentiment"]["label"]


def test_ingest_dead_letters_bad_records_and_answers_422_naming_them(es, world):
    settings, _, tokens, client = world
    good = {**TICKET, "id": 7002}
    r = client.post("/v1/ingest", json={"connector": "zendesk", "records": [good, {"nonsense": True}]},
                    headers=auth(tokens, "admin"))
    assert r.status_code == 422
    err = r.json["error"]
    assert err["code"] == "invalid_records" and "1 of 2 records were rejected" in err["message"]
    assert [x["index"] for x in err["details"]["rejected"]] == [1] and err["details"]["rejected"][0]["reason"]
    assert _count(es, settings, settings.indices.feedback, source_record_id="7002") >= 1  # the rest was indexed
    run_id = err["details"]["run_id"]
    assert _count(es, settings, settings.indices.deadletter, run_id=run_id) == 1


# ------------------------------------------------------------------ POST /v1/alerts/<id>/resolve
def test_resolve_moves_an_alert_to_resolved_once_and_is_audited(es, world):
    settings, _, tokens, client = world
    index_alerts(es, settings, [alert_doc("al-resolve", "open", "double-charge", END - timedelta(days=1))])
    assert client.post("/v1/alerts/al-resolve/resolve", json={}, headers=auth(tokens, "analyst")).status_code == 403
    r = client.post("/v1/alerts/al-resolve/resolve", json={"note": "VAT fix shipped in 4.9.1", "external_ticket": "BILL-9"},
                    headers=auth(tokens, "admin"))
    assert r.status_code == 200, r.json
    alert = r.json["alert"]
    assert alert["state"] == "resolved" and alert["stages"].get("resolved")
    last = alert["history"][-1]
    assert (last["action"], last["from"], last["actor"]) == ("resolve", "open", "t-admin")
    again = client.post("/v1/alerts/al-resolve/resolve", json={}, headers=auth(tokens, "admin"))
    assert again.status_code == 409 and again.json["error"]["code"] == "invalid_transition"
    assert client.post("/v1/alerts/al-nope/resolve", json={}, headers=auth(tokens, "admin")).status_code == 404
    es.indices.refresh(index=settings.indices.audit)
    audit = [h["_source"] for h in es.search(index=settings.indices.audit, size=200)["hits"]["hits"]]
    assert any(d.get("action") == "alert.resolve" and d.get("target") == "al-resolve" and d["status"] == 200 for d in audit)
