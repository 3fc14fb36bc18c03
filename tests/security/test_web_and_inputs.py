"""Findings 4, 5 and 7 of the leak review (issue 10): the web view signs in with an API key and goes
through the same roles, scopes, audit and Host allow-list as the API; hostile stored content is
rendered inert; malformed or absurd input gets a clear 4xx, never a 500."""
from __future__ import annotations

import re

import pytest

from .leakdata import ACCOUNT_RISK_ARR, HOSTILE_ID, audit_docs, bearer, make_app, world  # noqa: F401


@pytest.fixture(scope="module")
def app(world, es):
    return make_app(world, es)


def csrf(page: bytes) -> str:
    return re.search(rb'name="csrf" value="([^"]+)"', page).group(1).decode()


def sign_in(app, world, who: str):
    c = app.test_client()
    page = c.get("/ui/login")
    assert page.status_code == 200
    r = c.post("/ui/login", data={"api_key": world[2][who], "csrf": csrf(page.data)})
    assert r.status_code == 302, r.data[:300]
    return c


def test_finding_4_web_view_is_open_to_loopback(app, world, es):
    anon = app.test_client()
    r = anon.get("/ui/")
    assert r.status_code in (302, 401) and "/ui/login" in r.headers.get("Location", "/ui/login")
    assert anon.get("/ui/alerts").status_code in (302, 401)
    assert anon.get("/ui/", headers={"Host": "rebind.attacker.example"}).status_code == 400
    assert anon.get("/v1/themes", headers={"Host": "rebind.attacker.example", **bearer(world, "admin")}).status_code == 400
    # a wrong key does not sign in
    page = anon.get("/ui/login")
    bad = anon.post("/ui/login", data={"api_key": "vx_nope_nope", "csrf": csrf(page.data)})
    assert bad.status_code == 401
    # a viewer signs in and sees no revenue, and may not act on alerts
    viewer = sign_in(app, world, "viewer")
    overview = viewer.get("/ui/")
    assert overview.status_code == 200
    assert "frame-ancestors 'none'" in overview.headers["Content-Security-Policy"]
    assert b"$" not in overview.data and f"{ACCOUNT_RISK_ARR:,.0f}".encode() not in overview.data
    alerts_page = viewer.get("/ui/alerts")
    assert alerts_page.status_code == 200 and b"ARR" not in alerts_page.data
    token = csrf(alerts_page.data) if b'name="csrf"' in alerts_page.data else csrf(viewer.get("/ui/login").data)
    r = viewer.post("/ui/alerts/al-open-sync/transition", data={"action": "ack", "csrf": token})
    assert r.status_code == 403
    # an admin may, but never without the CSRF token; the session cookie is HttpOnly + SameSite
    admin = app.test_client()
    page = admin.get("/ui/login")
    r = admin.post("/ui/login", data={"api_key": world[2]["admin"], "csrf": csrf(page.data)})
    cookie = r.headers.get("Set-Cookie", "")
    assert "HttpOnly" in cookie and "SameSite=" in cookie
    assert admin.post("/ui/alerts/al-open-sync/transition", data={"action": "ack"}).status_code == 400
    token = csrf(admin.get("/ui/alerts").data)
    assert admin.post("/ui/alerts/al-open-sync/transition", data={"action": "ack", "csrf": token}).status_code == 302
    # a scoped key sees only its sources in the web view too
    scoped = sign_in(app, world, "zendesk_viewer")
    assert b'data-total="0"' in scoped.get("/ui/search?source=appstore").data
    page = scoped.get("/ui/search").data
    assert b"zendesk/" in page and b"appstore/" not in page
    assert scoped.get("/ui/alerts/al-appstore-crash").status_code == 404
    # every page view is audited under the key id
    docs = audit_docs(es, world)
    mine = [d for d in docs if d["path"].startswith("/ui/") and d["actor"] == world[3]["viewer"]]
    assert {d["path"] for d in mine} >= {"/ui/", "/ui/alerts"}
    assert any(d["actor"] == world[3]["admin"] and d.get("action") == "alert.ack" for d in docs)


def test_finding_5_stored_xss(app, world):
    analyst = sign_in(app, world, "analyst")
    page = analyst.get(f"/ui/unit/{HOSTILE_ID}")
    assert page.status_code == 200
    assert b"javascript:" not in page.data and b"<script>steal" not in page.data and b"<img src=x" not in page.data
    c = app.test_client()
    a = bearer(world, "analyst")
    unit = c.get(f"/v1/units/{HOSTILE_ID}", headers=a).json
    assert unit["citation"]["source_url"] is None
    hit = next(h for h in c.get("/v1/search?mode=keyword&q=crash+reports+open", headers=a).json["results"]
               if h["unit_id"] == HOSTILE_ID)
    frags = " ".join(hit["_highlight"])
    assert "<em>" in frags and "<img" not in frags and "<script>" not in frags and "&lt;img" in frags
    search_page = analyst.get("/ui/search?q=crash+reports").data
    assert b"<img src=x" not in search_page and b"<script>steal" not in search_page


def test_finding_7_inputs_that_crash_answer_4xx(app, world):
    c = app.test_client()
    a, admin = bearer(world, "analyst"), bearer(world, "admin")
    r = c.post("/v1/search", data=b'{"q": "\\ud800 sync", "mode": "keyword"}', content_type="application/json", headers=a)
    assert r.status_code == 400, r.data[:200]
    deep = b"[" * 50000 + b"]" * 50000
    for path, headers in (("/v1/search", a), ("/v1/ingest", admin)):
        r = c.post(path, data=deep, content_type="application/json", headers=headers)
        assert r.status_code == 400, (path, r.status_code)
    for path in ("/v1/themes?to=0001-01-05", "/v1/trends?to=0001-01-05", "/v1/accounts/acc_0001?to=0001-01-05",
                 "/v1/themes?from=0001-01-01", "/v1/search?to=9999-12-31"):
        r = c.get(path, headers=a)
        assert r.status_code == 400, (path, r.status_code)
    ui = sign_in(app, world, "analyst")
    assert ui.get("/ui/search?page=600").status_code == 400
    first = ui.get("/ui/search").data.decode()
    pages = [int(p) for p in re.findall(r"page=(\d+)", first)]
    assert pages and max(pages) * 20 <= 10_000
