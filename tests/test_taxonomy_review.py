"""Relabelling a unit from the review queue: analysts and admins only, inside their scope, audited;
the unit is corrected at once and the correction becomes a training example for `taxonomy learn`."""
from __future__ import annotations

import uuid
from dataclasses import replace

import pytest

from indexer.corrections import read_corrections
from search_api.app import ApiOptions, create_app
from search_api.auth import KeyStore
from search_api.synthetic import build_units, index_units
from voxindex.setup import drop_indices, setup_indices


@pytest.fixture(scope="module")
def api(es, base_settings, tmp_path_factory):
    settings = replace(base_settings, index_prefix=f"vxt-review-{uuid.uuid4().hex[:6]}",
                       home=tmp_path_factory.mktemp("home"), taxonomy_path=None)
    setup_indices(es, settings.indices)
    units = build_units(lambda texts: [[0.0] * 383 + [1.0] for _ in texts])
    index_units(es, settings.indices, units)
    keys = KeyStore(es, settings.indices)
    tokens = {role: keys.create(f"t-{role}", role)[0] for role in ("admin", "analyst", "viewer")}
    tokens["zendesk_only"] = keys.create("t-zendesk", "analyst", sources=["zendesk"])[0]
    client = create_app(settings, es, options=ApiOptions(rate_per_s=1000, burst=1000),
                        embed=lambda text: [0.0] * 383 + [1.0]).test_client()
    yield settings, units, tokens, client
    drop_indices(es, settings.indices)


def post(client, token, unit_id, body):
    return client.post(f"/v1/units/{unit_id}/label", json=body, headers={"Authorization": f"Bearer {token}"})


def test_an_analyst_relabel_corrects_the_unit_and_records_a_training_example(api, es):
    settings, units, tokens, client = api
    unit = next(u for u in units if u.is_customer_signal and u.taxonomy.primary_sub_theme != "refund-request")
    r = post(client, tokens["analyst"], unit.unit_id, {"sub_theme": "refund-request"})
    assert r.status_code == 200, r.json
    assert r.json["previous"] == unit.taxonomy.primary_sub_theme
    doc = client.get(f"/v1/units/{unit.unit_id}", headers={"Authorization": f"Bearer {tokens['analyst']}"}).json["unit"]
    assert doc["taxonomy"]["primary_sub_theme"] == "refund-request" and doc["taxonomy"]["primary_theme"] == "billing"
    assert doc["taxonomy"]["confident"] is True and doc["taxonomy"]["needs_review"] is False
    [c] = [c for c in read_corrections(settings) if c["unit_id"] == unit.unit_id]
    assert c["sub_theme"] == "refund-request" and c["text"] == unit.text and c["user"] == "t-analyst"


def test_the_review_queue_lists_and_counts_unclassified_units_in_scope(api, es):
    settings, units, tokens, client = api
    target = next(u for u in units if u.is_customer_signal and u.source == "appstore")
    es.update(index=settings.indices.feedback_write, id=target.unit_id, refresh=True,
              doc={"taxonomy": {"theme": [], "sub_theme": [], "primary_theme": None, "primary_sub_theme": None,
                                "needs_review": True, "confident": False, "unclassified": True}})
    h = {"Authorization": f"Bearer {tokens['analyst']}"}
    r = client.get("/v1/review?kind=unclassified", headers=h)
    assert r.status_code == 200, r.json
    assert r.json["counts"]["unclassified"] >= 1 and target.unit_id in [u["unit_id"] for u in r.json["units"]]
    assert all(u["taxonomy"]["unclassified"] for u in r.json["units"])
    scoped = client.get("/v1/review?kind=unclassified", headers={"Authorization": f"Bearer {tokens['zendesk_only']}"})
    assert target.unit_id not in [u["unit_id"] for u in scoped.json["units"]]
    assert client.get("/v1/review", headers={"Authorization": f"Bearer {tokens['viewer']}"}).status_code == 403
    assert client.get("/v1/review?kind=bogus", headers=h).status_code == 400


def test_relabelling_needs_the_analyst_role_a_known_sub_theme_and_a_unit_in_scope(api):
    settings, units, tokens, client = api
    unit = next(u for u in units if u.is_customer_signal and u.source != "zendesk")
    assert post(client, tokens["viewer"], unit.unit_id, {"sub_theme": "crash"}).status_code == 403
    bad = post(client, tokens["admin"], unit.unit_id, {"sub_theme": "no-such-thing"})
    assert bad.status_code == 400 and bad.json["error"]["code"] == "invalid_parameter"
    assert post(client, tokens["admin"], unit.unit_id, {}).status_code == 400
    assert post(client, tokens["zendesk_only"], unit.unit_id, {"sub_theme": "crash"}).status_code == 404
    assert post(client, tokens["admin"], "no-such-unit", {"sub_theme": "crash"}).status_code == 404
    assert not [c for c in read_corrections(settings) if c["unit_id"] == unit.unit_id]


def test_the_web_review_queue_lists_unclassified_units_and_relabels_them(api, es):
    settings, units, tokens, _ = api
    target = next(u for u in units if u.is_customer_signal and u.source == "zendesk")
    es.update(index=settings.indices.feedback_write, id=target.unit_id, refresh=True,
              doc={"taxonomy": {"theme": [], "sub_theme": [], "primary_theme": None, "primary_sub_theme": None,
                                "needs_review": True, "confident": False, "unclassified": True}})
    app = create_app(settings, es, options=ApiOptions(rate_per_s=1000, burst=1000),
                     embed=lambda text: [0.0] * 383 + [1.0])
    viewer = sign_in(app, tokens["viewer"])
    listed = viewer.get("/ui/review?kind=unclassified").get_data(as_text=True)
    assert target.unit_id in listed and f"/ui/review/{target.unit_id}/label" not in listed  # no form for a viewer
    with viewer.session_transaction() as sess:
        viewer_csrf = sess["csrf"]
    assert viewer.post(f"/ui/review/{target.unit_id}/label", data={"sub_theme": "crash", "csrf": viewer_csrf}).status_code == 403
    web = sign_in(app, tokens["analyst"])
    page = web.get("/ui/review?kind=unclassified")
    assert page.status_code == 200 and f"/ui/review/{target.unit_id}/label" in page.get_data(as_text=True)
    with web.session_transaction() as sess:
        csrf = sess["csrf"]
    assert web.post(f"/ui/review/{target.unit_id}/label", data={"sub_theme": "crash"}).status_code == 400  # no CSRF
    r = web.post(f"/ui/review/{target.unit_id}/label", data={"sub_theme": "crash", "csrf": csrf})
    assert r.status_code == 302
    doc = es.get(index=settings.indices.feedback, id=target.unit_id)["_source"]["taxonomy"]
    assert doc["primary_sub_theme"] == "crash" and doc["confident"] is True and not doc["unclassified"]
    assert any(c["unit_id"] == target.unit_id and c["sub_theme"] == "crash" for c in read_corrections(settings))
    assert f"/ui/review/{target.unit_id}/label" not in web.get("/ui/review?kind=unclassified").get_data(as_text=True)


def sign_in(app, key: str):
    """A web-view session signed in with an API key, as a person would (login form + CSRF)."""
    import re

    c = app.test_client()
    page = c.get("/ui/login")
    token = re.search(rb'name="csrf" value="([^"]+)"', page.data).group(1).decode()
    assert c.post("/ui/login", data={"api_key": key, "csrf": token}).status_code == 302
    return c
