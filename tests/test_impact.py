"""Theme impact on NPS/CSAT/stars and net sentiment: the pure maths (exact on hand-counted data,
95% intervals that cover a known impact about 95% of the time) and `/v1/impact` on the real
Elasticsearch (same filters and scopes as /v1/themes, links to the units, audited)."""
from __future__ import annotations

import random
import uuid
from dataclasses import replace
from datetime import datetime, timedelta, timezone
from urllib.parse import parse_qs, urlsplit

import pytest
from elasticsearch.helpers import bulk

from search_api import impact as im
from search_api.app import ApiOptions, create_app
from search_api.auth import KeyStore
from voxindex.model import AccountContext, FeedbackUnit, Scored, TaxonomyLabels, stable_id
from voxindex.setup import drop_indices, setup_indices


def resp(key, rating, *labels, metric="nps"):
    m = im.METRICS[metric]
    return im.Response(key, rating, m.contribution(rating), frozenset(labels))


# ------------------------------------------------------------------------- pure
def test_nps_impact_is_the_score_with_minus_the_score_without_the_theme():
    rs = [resp("a", 10), resp("b", 9), resp("c", 8), resp("d", 2, "billing"), resp("e", 3, "billing"), resp("f", 10, "praise")]
    row = im.theme_impact("billing", rs)
    # all: 3 promoters, 2 detractors of 6 -> +16.67; without billing: 3 promoters of 4 -> +75
    assert row.count == 2 and row.total == 6
    assert row.score_all == pytest.approx(100 / 6)
    assert row.score_without == pytest.approx(75.0)
    assert row.impact == pytest.approx(100 / 6 - 75)
    assert row.score_theme == -100.0 and row.mean_rating_theme == 2.5
    assert row.ci95.low < row.impact < row.ci95.high


def test_csat_and_stars_use_their_own_scales():
    csat = [resp("a", 5, metric="csat"), resp("b", 4, metric="csat"), resp("c", 1, "x", metric="csat"), resp("d", 2, metric="csat")]
    assert im.theme_impact("x", csat).score_all == 50.0
    stars = [resp("a", 5, metric="stars"), resp("b", 1, "crash", metric="stars")]
    assert im.theme_impact("crash", stars).impact == pytest.approx(3.0 - 5.0)


def test_a_theme_nobody_mentions_or_everybody_mentions_has_no_impact_number():
    rs = [resp("a", 10, "t"), resp("b", 0, "t")]
    assert im.theme_impact("t", rs).impact is None and im.theme_impact("t", rs).ci95 is None
    assert im.impacts(rs, ["u"], min_count=1) == []


def test_units_of_one_record_form_one_response_with_every_label():
    m = im.METRICS["nps"]
    units = [{"source": "survey", "source_record_id": "r1", "rating": 3, "theme": ["billing"]},
             {"source": "survey", "source_record_id": "r1", "rating": 3, "theme": ["reliability"]},
             {"source": "survey", "source_record_id": "r2", "rating": 10, "theme": ["praise"]},
             {"source": "survey", "source_record_id": "r3", "rating": None, "theme": ["praise"]}]
    out = im.group_responses(units, m, "theme")
    assert [(r.key, r.labels) for r in out] == [("survey:r1", frozenset({"billing", "reliability"})),
                                                ("survey:r2", frozenset({"praise"}))]


def test_the_95_percent_interval_covers_a_known_impact_about_95_percent_of_the_time():
    rng = random.Random(5)
    p, n, sims = 0.12, 400, 400
    theme_scores = [0] * 5 + [3] * 3 + [6] * 2 + [8] * 2 + [9] + [10]  # mostly detractors
    rest_scores = [3, 6, 7, 8, 8, 9, 9, 10, 10, 10]
    t_mean = sum(im.nps_contribution(s) for s in theme_scores) / len(theme_scores)
    r_mean = sum(im.nps_contribution(s) for s in rest_scores) / len(rest_scores)
    true_impact = p * (t_mean - r_mean)
    covered = 0
    for k in range(sims):
        rs = [resp(f"{k}-{i}", rng.choice(theme_scores), "t") if rng.random() < p else resp(f"{k}-{i}", rng.choice(rest_scores))
              for i in range(n)]
        ci = im.theme_impact("t", rs).ci95
        covered += ci.low <= true_impact <= ci.high
    assert true_impact < -5
    assert 0.92 <= covered / sims <= 0.98, covered / sims


def test_net_sentiment_is_percent_positive_minus_percent_negative_with_an_interval():
    ns = im.net_sentiment({"positive": 30, "neutral": 20, "negative": 50})
    assert ns.net == -20.0 and ns.total == 100
    assert ns.ci95.low < -20 < ns.ci95.high and ns.ci95.high - ns.ci95.low < 40
    assert im.net_sentiment({}).net is None


# ------------------------------------------------------------------------- API
END = datetime(2026, 11, 20, tzinfo=timezone.utc)


def survey_unit(i: int, when: datetime, score: int, themes: list[str], subs: list[str], segment: str,
                sentiment: str = "neutral", kind: str = "nps") -> FeedbackUnit:
    rid = f"resp_{i:05d}"
    return FeedbackUnit(
        unit_id=stable_id("survey", rid, "body", 0), source_record_id=rid, source="survey", channel="survey",
        connector="survey", text=f"survey answer {i}", created_at=when, rating=float(score), tags=[kind],
        account_id=f"acc_{segment}", account=AccountContext(account_id=f"acc_{segment}", segment=segment, arr=1000.0,
                                                            plan="pro", region="EU"),
        taxonomy=TaxonomyLabels(theme=themes, sub_theme=subs, primary_theme=themes[0] if themes else None),
        sentiment=Scored(sentiment, 0.9),
    )


def build_corpus() -> list[FeedbackUnit]:
    """Two 30-day windows. Enterprise respondents mentioning login-sso score 2 this window (0 last
    window: they were 9s then); everyone else scores 9 or 10, except a steady pricing complaint."""
    units, i = [], 0
    for window, sso_score in ((0, 2), (1, 9)):
        for k in range(60):
            when = END - timedelta(days=30 * window + 1 + k % 28, hours=k % 7)
            segment = "enterprise" if k % 2 else "smb"
            if k % 6 == 1:  # enterprise, sso
                units.append(survey_unit(i, when, sso_score, ["access"], ["login-sso"], segment, "negative"))
            elif k % 10 == 0:
                units.append(survey_unit(i, when, 4, ["billing"], ["pricing"], segment, "negative"))
            else:
                units.append(survey_unit(i, when, 9 + k % 2, ["praise"], ["praise"], segment, "positive"))
            i += 1
    # a CSAT answer and an unrated chat line must not enter the NPS population
    units.append(survey_unit(i, END - timedelta(days=2), 1, ["access"], ["login-sso"], "enterprise", "negative", kind="csat"))
    return units


@pytest.fixture(scope="module")
def api(es, base_settings):
    settings = replace(base_settings, index_prefix=f"vxt-impact-{uuid.uuid4().hex[:6]}")
    setup_indices(es, settings.indices)
    units = build_corpus()
    bulk(es, ({"_index": settings.indices.feedback_write, "_id": u.unit_id, "_source": u.to_doc()} for u in units))
    es.indices.refresh(index=settings.indices.feedback)
    keys = KeyStore(es, settings.indices)
    tokens = {"analyst": keys.create("t-analyst", "analyst")[0], "viewer": keys.create("t-viewer", "viewer")[0],
              "smb_only": keys.create("t-smb", "analyst", segments=["smb"])[0]}
    client = create_app(settings, es, embed=lambda q: [0.0] * 384, options=ApiOptions(rate_per_s=1000, burst=1000)).test_client()
    yield settings, client, tokens
    drop_indices(es, settings.indices)


def get(client, tokens, role="analyst", **params):
    r = client.get("/v1/impact", query_string=params, headers={"Authorization": f"Bearer {tokens[role]}"})
    return r


def test_impact_per_sub_theme_recovers_the_drag_and_its_change(api):
    _, client, tokens = api
    r = get(client, tokens, by="sub_theme", to="2026-11-20T00:00:00Z", days=30)
    assert r.status_code == 200, r.json
    body = r.json
    assert body["metric"]["name"] == "nps" and body["population"]["current"]["responses"] == 60
    sso = next(row for row in body["rows"] if row["sub_theme"] == "login-sso")
    # 10 of 60 answers are detractors (score 2); the other 50: 6 detractors (pricing), 44 promoters
    assert sso["count"] == 10
    assert sso["score_all"] == pytest.approx(100 * (44 - 16) / 60, abs=0.01)
    assert sso["score_without"] == pytest.approx(100 * (44 - 6) / 50, abs=0.01)
    assert sso["impact"] == pytest.approx(sso["score_all"] - sso["score_without"], abs=0.02)
    lo, hi = sso["impact_ci95"]
    assert lo <= sso["impact"] <= hi < 0
    assert body["rows"][0]["sub_theme"] == "login-sso"  # most negative first
    # last window the same respondents were promoters: impact worsened, significantly
    assert sso["previous"]["impact"] > 0
    assert sso["change"]["impact_delta"] < -20 and sso["change"]["significant"] is True
    assert sso["net_sentiment"]["net"] == -100.0 and sso["net_sentiment"]["units"] == 11  # + the csat unit
    assert sso["change"]["net_sentiment_delta"] == 0.0


def test_every_number_links_to_the_units_behind_it(api):
    _, client, tokens = api
    sso = next(row for row in get(client, tokens, by="sub_theme", segment="enterprise", to="2026-11-20T00:00:00Z").json["rows"]
               if row["sub_theme"] == "login-sso")
    body = get(client, tokens, by="sub_theme", segment="enterprise", to="2026-11-20T00:00:00Z").json
    everyone = client.get(body["population"]["current"]["link"] + "&size=100",
                          headers={"Authorization": f"Bearer {tokens['analyst']}"}).json
    assert everyone["total"]["value"] == body["population"]["current"]["responses"] + 1  # + the csat answer
    link = sso["links"]["responses"]
    q = parse_qs(urlsplit(link).query)
    assert link.startswith("/v1/search?") and q["sub_theme"] == ["login-sso"] and q["segment"] == ["enterprise"]
    found = client.get(link, headers={"Authorization": f"Bearer {tokens['analyst']}"}).json
    assert len(found["results"]) >= sso["count"]
    assert all(u["taxonomy"]["sub_theme"] == ["login-sso"] for u in found["results"])


def test_filters_and_key_scopes_shape_the_population(api):
    _, client, tokens = api
    ent = get(client, tokens, by="sub_theme", segment="enterprise", to="2026-11-20T00:00:00Z").json
    assert ent["population"]["current"]["responses"] == 30
    smb = get(client, tokens, "smb_only", by="sub_theme", to="2026-11-20T00:00:00Z").json
    assert smb["population"]["current"]["responses"] == 30
    assert smb["rows"] and all(row["sub_theme"] != "login-sso" for row in smb["rows"])
    # a theme filter chooses rows; it does not shrink the population the "without" score needs
    only = get(client, tokens, theme="access", to="2026-11-20T00:00:00Z").json
    assert [row["theme"] for row in only["rows"]] == ["access"] and only["population"]["current"]["responses"] == 60


def test_csat_and_bad_parameters(api):
    _, client, tokens = api
    csat = get(client, tokens, metric="csat", to="2026-11-20T00:00:00Z").json
    assert csat["population"]["current"]["responses"] == 1
    assert get(client, tokens, metric="revenue").status_code == 400
    assert get(client, tokens, sentiment="negative").status_code == 400
    assert get(client, tokens, "viewer", min_arr=100000).status_code == 403  # no revenue probing
    assert get(client, tokens, min_arr=100).status_code == 200
    assert client.get("/v1/impact").status_code == 401


def test_impact_requests_are_audited(api, es):
    settings, client, tokens = api
    assert get(client, tokens, "viewer", to="2026-11-20T00:00:00Z").status_code == 200
    es.indices.refresh(index=settings.indices.alias("audit"))
    docs = es.search(index=settings.indices.alias("audit"), query={"term": {"path": "/v1/impact"}}, size=50)["hits"]["hits"]
    assert any(d["_source"].get("key_name") == "t-viewer" for d in docs)
