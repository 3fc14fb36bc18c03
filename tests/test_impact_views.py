"""Impact on NPS and net sentiment per theme where people read it: the web view's overview and
theme pages and the product and leadership reports show the same numbers as /v1/impact, each
linked to the responses behind it."""
from __future__ import annotations

import re
import uuid
from dataclasses import replace

import pytest
from elasticsearch.helpers import bulk
from test_impact import build_corpus

from dashboards.report_data import gather
from dashboards.reports import parse_week, render
from search_api.app import create_app
from search_api.auth import Principal
from search_api.impact_api import compute, impact_params
from voxindex.setup import drop_indices, setup_indices


@pytest.fixture(scope="module")
def corpus(es, base_settings):
    settings = replace(base_settings, index_prefix=f"vxt-impview-{uuid.uuid4().hex[:6]}")
    setup_indices(es, settings.indices)
    bulk(es, ({"_index": settings.indices.feedback_write, "_id": u.unit_id, "_source": u.to_doc()} for u in build_corpus()))
    es.indices.refresh(index=settings.indices.feedback)
    yield settings
    drop_indices(es, settings.indices)


def api_row(es, settings, by, label, days=30):
    p = {x.name: x.default for x in impact_params()}
    from datetime import datetime, timezone

    p.update(by=by, days=days, to=datetime(2026, 11, 20, tzinfo=timezone.utc))
    out = compute(es, settings.indices, p, Principal("t", "t", "analyst"))
    return next(r for r in out["rows"] if r[by] == label)


def signed_in(app, es, settings, role="analyst"):
    """A web-view session signed in with a fresh API key of that role (login form + CSRF)."""
    from search_api.auth import KeyStore

    key = KeyStore(es, settings.indices).create(f"t-{role}", role)[0]
    client = app.test_client()
    token = re.search(r'name="csrf" value="([^"]+)"', client.get("/ui/login").get_data(as_text=True)).group(1)
    assert client.post("/ui/login", data={"api_key": key, "csrf": token}).status_code == 302
    return client


def test_overview_and_theme_pages_show_impact_and_net_sentiment(es, corpus):
    client = signed_in(create_app(corpus, es), es, corpus)
    page = client.get("/ui/").get_data(as_text=True)
    assert "What moves NPS" in page and "Net sentiment" in page
    access = api_row(es, corpus, "theme", "access")
    row = re.search(r"<tr><td>access</td>(.*?)</tr>", page, re.S).group(1)
    assert f"{access['impact']:+.1f}" in row and "/ui/search?" in row and "theme=access" in row
    theme = client.get("/ui/theme/access").get_data(as_text=True)
    sso = api_row(es, corpus, "sub_theme", "login-sso", days=60)
    row = re.search(r"<tr><td>login-sso</td>(.*?)</tr>", theme, re.S).group(1)
    assert f"{sso['impact']:+.1f}" in row and "sub_theme=login-sso" in row and "-100" in row  # net sentiment


@pytest.mark.parametrize("audience,by", [("product", "sub_theme"), ("leadership", "theme")])
def test_product_and_leadership_reports_rank_what_moves_nps(es, corpus, audience, by):
    data = gather(es, corpus.indices, audience, parse_week("2026-W47"))
    sec = next(s for s in data.sections if s.title.startswith("What moves NPS"))
    assert sec.rows and sec.columns[1] == "NPS impact"
    first = sec.rows[0]
    assert first[0].value == ("login-sso" if by == "sub_theme" else "access")
    assert first[1].display().startswith("-") and first[1].filters is not None
    md = render(data, "md", "http://vox.example").body
    assert "What moves NPS" in md and "http://vox.example/ui/search?" in md
