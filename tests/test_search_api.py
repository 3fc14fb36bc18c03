"""The search API, against the real Elasticsearch and a small handmade corpus embedded with MiniLM.

Reads like the promises: JSON everywhere, hybrid search that understands paraphrases, filters
validated (never raw DSL), stable pages, citations back to the raw record, analytics, roles and
scopes enforced server-side, every request audited, a rate limit."""
from __future__ import annotations

from datetime import timedelta

import pytest
from api_corpus import api_corpus

from search_api.app import ApiOptions, create_app


@pytest.fixture(scope="module")
def corpus(es, base_settings):
    keys = {"admin": ("admin", {}), "analyst": ("analyst", {}), "viewer": ("viewer", {}),
            "zendesk_only": ("analyst", {"sources": ["zendesk"]})}
    with api_corpus(es, base_settings, "sapi", keys) as world:
        yield world


@pytest.fixture(scope="module")
def client(corpus, es):
    settings, _, _ = corpus
    # The whole module shares these keys and runs faster than any client would; the production
    # limit has its own test below (test_rate_limit_answers_429_json), so it must not leak here.
    return create_app(settings, es, options=ApiOptions(rate_per_s=1000, burst=1000)).test_client()


def auth(tokens, role="analyst"):
    return {"Authorization": f"Bearer {tokens[role]}"}


def ids(resp):
    return [u["unit_id"] for u in resp.json["results"]]


def test_health_and_openapi_are_public_json(client):
    r = client.get("/healthz")
    assert r.status_code == 200 and r.json["status"] == "ok"
    doc = client.get("/openapi.json").json
    assert doc["openapi"].startswith("3.")
    assert {"/v1/search", "/v1/units/{unit_id}", "/v1/themes", "/v1/trends", "/v1/accounts/{account_id}",
            "/v1/alerts", "/v1/ingest"} <= set(doc["paths"])
    names = {p["name"] for p in doc["paths"]["/v1/search"]["get"]["parameters"]}
    assert {"q", "mode", "sub_theme", "min_arr", "cursor", "dedupe"} <= names


def test_requests_without_a_valid_key_get_401_json(client):
    r = client.get("/v1/search?q=sync")
    assert r.status_code == 401 and r.json["error"]["code"] == "unauthenticated"
    r = client.get("/v1/search?q=sync", headers={"X-API-Key": "vx_nothere_secret"})
    assert r.status_code == 401
    assert client.get("/no/such/page").json["error"]["status"] == 404


def test_hybrid_search_finds_paraphrases_and_returns_facets(client, corpus):
    _, units, tokens = corpus
    r = client.get("/v1/search", query_string={"q": "edits on one device do not appear on the other"}, headers=auth(tokens))
    assert r.status_code == 200, r.json
    body = r.json
    assert body["mode"] == "hybrid"
    top = body["results"][:3]
    assert any("sync-failure" in u["taxonomy"]["sub_theme"] for u in top)
    assert body["facets"]["theme"] and body["total"]["value"] >= 1
    assert all(u["is_customer_signal"] for u in body["results"])
    assert "embedding" not in body["results"][0]
    assert "_ranks" in body["results"][0]


def test_keyword_mode_highlights_and_vector_mode_ranks_by_meaning(client, corpus):
    _, _, tokens = corpus
    r = client.get("/v1/search?q=invoice+VAT&mode=keyword", headers=auth(tokens))
    assert r.status_code == 200
    first = r.json["results"][0]
    assert "invoice-error" in first["taxonomy"]["sub_theme"] and "<em>" in first["_highlight"][0]
    # no word of the query is in the one refund request; with the duplicate double charge folded
    # away (dedupe), meaning puts it in the top three, among the other money complaints
    r = client.get("/v1/search", query_string={"q": "I want to be reimbursed", "mode": "vector", "dedupe": "true"},
                   headers=auth(tokens))
    top = [u["taxonomy"]["sub_theme"][0] for u in r.json["results"][:3]]
    assert "refund-request" in top
    refund = next(u for u in r.json["results"] if u["taxonomy"]["sub_theme"][0] == "refund-request")
    assert "_highlight" not in refund  # found by meaning: not one of its words is in the query
    assert all(t in ("refund-request", "double-charge", "pricing", "invoice-error") for t in top[:2])


def test_filters_are_validated_and_never_raw_dsl(client, corpus):
    _, _, tokens = corpus
    h = auth(tokens)
    r = client.get("/v1/search?sentiment=positive&mode=keyword", headers=h)
    assert r.status_code == 200 and {u["sentiment"]["label"] for u in r.json["results"]} == {"positive"}
    r = client.get("/v1/search?segment=enterprise,smb&theme=billing", headers=h)
    assert {u["account"]["segment"] for u in r.json["results"]} <= {"enterprise", "smb"}
    assert {t for u in r.json["results"] for t in u["taxonomy"]["theme"]} == {"billing"}
    r = client.get("/v1/search?from=2026-09-20&to=2026-10-01", headers=h)
    assert r.json["results"] and all("2026-09-20" <= u["created_at"] < "2026-10-01" for u in r.json["results"])
    for bad, param in (("sentiment=furious", "sentiment"), ("size=0", "size"), ("mode=sql", "mode"),
                       ("from=yesterday", "from"), ("min_arr=-5", "min_arr"), ("query={}", "query"),
                       ("size=1.5", "size"), ("dedupe=maybe", "dedupe")):
        r = client.get(f"/v1/search?{bad}", headers=h)
        assert r.status_code == 400, bad
        assert r.json["error"]["details"]["param"] == param
    r = client.get("/v1/search", query_string={"q": '{"match_all": {}}', "mode": "keyword"}, headers=h)
    assert r.status_code == 200  # a query-DSL-looking string is just text


def test_post_search_takes_the_same_params_as_json(client, corpus):
    _, _, tokens = corpus
    r = client.post("/v1/search", json={"q": "charged twice", "mode": "keyword", "sentiment": ["negative"], "size": 3},
                    headers=auth(tokens))
    assert r.status_code == 200 and len(r.json["results"]) <= 3
    assert client.post("/v1/search", json={"mode": 7}, headers=auth(tokens)).status_code == 400
    assert client.post("/v1/search", data="not json", headers=auth(tokens)).status_code == 400


@pytest.mark.parametrize("params", [
    {"mode": "keyword"},  # browse, newest first, search_after
    {"q": "our team app is not working for my account", "mode": "keyword"},
    {"q": "our team app is not working for my account", "mode": "hybrid"},
    {"q": "our team app is not working for my account", "mode": "vector"},
])
def test_deep_pagination_is_stable_without_repeats(client, corpus, params):
    _, _, tokens = corpus
    seen, cursor, pages = [], None, 0
    while True:
        qs = {**params, "size": 4, **({"cursor": cursor} if cursor else {})}
        r = client.get("/v1/search", query_string=qs, headers=auth(tokens))
        assert r.status_code == 200, r.json
        seen += ids(r)
        cursor, pages = r.json["next"], pages + 1
        if not cursor or pages > 30:
            break
    assert len(seen) == len(set(seen)) and pages > 1
    full = client.get("/v1/search", query_string={**params, "size": 100}, headers=auth(tokens))
    assert ids(full)[: len(seen)] == seen


def test_cursors_are_bound_to_their_query_and_tamper_proof(client, corpus):
    _, _, tokens = corpus
    r = client.get("/v1/search?mode=keyword&size=2", headers=auth(tokens))
    cur = r.json["next"]
    assert client.get(f"/v1/search?mode=keyword&size=2&sentiment=positive&cursor={cur}", headers=auth(tokens)).status_code == 400
    assert client.get(f"/v1/search?mode=keyword&size=2&cursor={cur[:-3]}AAA", headers=auth(tokens)).status_code == 400


def test_dedupe_collapses_duplicate_groups(client, corpus):
    _, _, tokens = corpus
    q = {"q": "billed twice on my card", "mode": "keyword"}
    plain = client.get("/v1/search", query_string=q, headers=auth(tokens)).json["results"]
    dedup = client.get("/v1/search", query_string={**q, "dedupe": "true"}, headers=auth(tokens)).json["results"]
    assert sum(u.get("duplicate_group") == "d_0001" for u in plain) == 2
    assert sum(u.get("duplicate_group") == "d_0001" for u in dedup) == 1


def test_non_customer_units_only_on_request(client, corpus):
    _, _, tokens = corpus
    q = {"q": "fix for syncing ships tomorrow", "mode": "keyword"}
    default = client.get("/v1/search", query_string=q, headers=auth(tokens)).json["results"]
    assert default and all(u["speaker_role"] == "customer" for u in default)
    r = client.get("/v1/search", query_string={**q, "include_non_customer": "true"}, headers=auth(tokens))
    assert r.json["results"][0]["speaker_role"] == "agent"


def test_unit_endpoint_cites_the_raw_record_with_thread_context(client, corpus):
    _, units, tokens = corpus
    u = units[0]
    r = client.get(f"/v1/units/{u.unit_id}", headers=auth(tokens))
    assert r.status_code == 200
    body = r.json
    assert body["citation"]["raw_ref"] == u.provenance.raw_ref and body["citation"]["record_part"] == "c1"
    assert body["citation"]["source"] == u.source and body["citation"]["source_record_id"] == u.source_record_id
    roles = [t["speaker_role"] for t in body["thread"]]
    assert roles == ["customer", "agent"]
    assert body["context"][0]["speaker_role"] == "agent"
    assert client.get("/v1/units/nope", headers=auth(tokens)).status_code == 404


def test_viewers_never_see_revenue_or_person_fields(client, corpus):
    _, units, tokens = corpus
    v = auth(tokens, "viewer")
    hit = client.get("/v1/search?mode=keyword&size=50", headers=v).json["results"][0]
    assert "arr" not in hit["account"] and "rollup_arr" not in hit["account"] and "person_id" not in hit
    unit = client.get(f"/v1/units/{units[0].unit_id}", headers=v).json["unit"]
    assert "arr" not in unit["account"] and all("text" not in c for c in unit["context"])
    assert client.get("/v1/search?min_arr=1000", headers=v).status_code == 403
    assert client.get("/v1/search?include_non_customer=true", headers=v).status_code == 403  # agent turns
    themes = client.get("/v1/themes", headers=v).json["themes"]
    assert themes and all("arr_affected" not in t for t in themes)
    acc = client.get("/v1/accounts/acc_0001", headers=v).json
    assert "arr" not in acc["account"]
    analyst = client.get("/v1/search?mode=keyword&size=1", headers=auth(tokens)).json["results"][0]
    assert analyst["account"]["arr"] > 0


def test_scoped_keys_see_only_their_sources_everywhere(client, corpus):
    _, units, tokens = corpus
    z = auth(tokens, "zendesk_only")
    r = client.get("/v1/search?q=problem&size=100", headers=z).json
    assert {u["source"] for u in r["results"]} == {"zendesk"}
    assert {f["value"] for f in r["facets"]["source"]} == {"zendesk"}
    other = next(u for u in units if u.source != "zendesk")
    assert client.get(f"/v1/units/{other.unit_id}", headers=z).status_code == 404
    total = sum(t["count"] for t in client.get("/v1/themes?days=365", headers=z).json["themes"])
    assert total == sum(1 for u in units if u.source == "zendesk" and u.is_customer_signal)


def test_themes_count_accounts_and_distinct_arr(client, corpus):
    _, units, tokens = corpus
    body = client.get("/v1/themes?days=60", headers=auth(tokens)).json
    billing = next(t for t in body["themes"] if t["theme"] == "billing")
    members = [u for u in units if "billing" in u.taxonomy.theme and u.is_customer_signal]
    accounts = {u.account_id: u.account.arr for u in members}
    assert billing["count"] == len(members)
    assert billing["accounts"] == len(accounts)
    assert billing["arr_affected"] == pytest.approx(sum(accounts.values()))
    assert len(billing["trend"]["daily"]) == 60 and "slope_per_day" in billing["trend"]
    assert sum(billing["sentiment"].values()) == billing["count"]


def test_trends_compare_windows_with_a_poisson_test(client, corpus):
    _, units, tokens = corpus
    r = client.get("/v1/trends?window=14d&limit=100", headers=auth(tokens))
    assert r.status_code == 200
    body = r.json
    # the same two windows counted from the fixture itself: ends the day after the newest customer unit
    signal = [u for u in units if u.is_customer_signal]
    end = max(u.created_at for u in signal).replace(hour=0, minute=0, second=0, microsecond=0) + timedelta(days=1)
    counts: dict[str, list[int]] = {}
    for u in signal:
        window = 0 if end - timedelta(days=14) <= u.created_at < end else 1 if end - timedelta(days=28) <= u.created_at else None
        for sub in u.taxonomy.sub_theme if window is not None else ():
            counts.setdefault(sub, [0, 0])[window] += 1
    risers = {k: tuple(c) for k, c in counts.items() if c[0] > c[1]}
    fallers = {k: tuple(c) for k, c in counts.items() if c[0] < c[1]}
    assert risers and fallers, "the fixture must hold both, or this test checks nothing"
    assert {row["sub_theme"]: (row["current"], row["previous"]) for row in body["risers"]} == risers
    assert {row["sub_theme"]: (row["current"], row["previous"]) for row in body["fallers"]} == fallers
    assert all("z" in row and "p_value" in row and row["theme"] for row in body["risers"] + body["fallers"])
    zs = [row["z"] for row in body["risers"]]
    assert zs == sorted(zs, reverse=True)
    assert client.get("/v1/trends?window=30x", headers=auth(tokens)).status_code == 400


def test_account_summary_has_mix_themes_recent_units_and_risk(client, corpus):
    _, units, tokens = corpus
    body = client.get("/v1/accounts/acc_0001?recent=3", headers=auth(tokens)).json
    assert body["units"] == sum(1 for u in units if u.account_id == "acc_0001" and u.is_customer_signal)
    assert body["top_themes"] and sum(body["sentiment"].values()) == body["units"]
    assert len(body["recent_units"]) == 3 and 0 <= body["risk"]["score"] <= 100
    assert body["risk"]["parts"]["health"] == 10.0  # a red account
    assert client.get("/v1/accounts/acc_9999", headers=auth(tokens)).status_code == 404


def test_every_request_is_audited_with_units_returned(client, corpus, es):
    settings, _, tokens = corpus
    r = client.get("/v1/search?q=crash&mode=keyword&size=2", headers=auth(tokens, "viewer"))
    returned = ids(r)
    client.get("/v1/search?q=crash")  # anonymous, 401
    es.indices.refresh(index=settings.indices.audit)
    docs = [h["_source"] for h in es.search(index=settings.indices.audit, size=100, sort=[{"at": "desc"}])["hits"]["hits"]]
    mine = next(d for d in docs if d.get("key_name") == "t-viewer" and d["path"] == "/v1/search" and d["params"].get("q") == "crash")
    assert mine["role"] == "viewer" and mine["status"] == 200 and mine["unit_ids"] == returned
    assert mine["actor"] != "t-viewer" and mine["client"] == "127.0.0.1"  # the key id: names are not unique
    assert any(d["actor"] == "anonymous" and d["status"] == 401 for d in docs)


def test_admin_operations_need_the_admin_role(client, corpus):
    _, _, tokens = corpus
    for role in ("viewer", "analyst"):
        assert client.post("/v1/alerts/a1/ack", json={}, headers=auth(tokens, role)).status_code == 403
        assert client.post("/v1/ingest", json={"connector": "api", "records": [{}]}, headers=auth(tokens, role)).status_code == 403
    r = client.post("/v1/ingest", json={"connector": "nope", "records": [{}]}, headers=auth(tokens, "admin"))
    assert r.status_code == 400 and r.json["error"]["details"]["param"] == "connector"
    r = client.post("/v1/alerts/a1/assign", json={}, headers=auth(tokens, "admin"))
    assert r.status_code == 400 and r.json["error"]["details"]["param"] == "assignee"


def test_rate_limit_answers_429_json(corpus, es):
    settings, _, tokens = corpus
    app = create_app(settings, es, options=ApiOptions(rate_per_s=0.01, burst=2))
    c = app.test_client()
    codes = [c.get("/v1/themes", headers=auth(tokens)).status_code for _ in range(3)]
    assert codes == [200, 200, 429]
    r = c.get("/v1/themes", headers=auth(tokens))
    assert r.json["error"]["code"] == "rate_limited" and int(r.headers["Retry-After"]) >= 1


def test_revoked_keys_stop_working(corpus, es):
    settings, _, _ = corpus
    app = create_app(settings, es)
    store = app.extensions["voxindex"].keys
    token, record = store.create("short-lived", "viewer")
    c = app.test_client()
    assert c.get("/v1/themes", headers={"X-API-Key": token}).status_code == 200
    assert store.revoke(record.key_id) == [record.key_id]
    assert c.get("/v1/themes", headers={"X-API-Key": token}).status_code == 401
