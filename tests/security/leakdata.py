"""One small world for the security suite: the web/report demo data (tests/dashdata.py), API keys of
every role plus scoped keys, a unit carrying hostile content, and alerts stored the way the
detectors store them (`dimension: {"by": ..., "filters": ...}`)."""
from __future__ import annotations

import os
import uuid
from dataclasses import replace
from datetime import timedelta

import pytest
from dashdata import END, index_alerts, index_units, load_demo, make_unit

from voxindex.model import Provenance

HOSTILE_ID = "u-hostile"
ACCOUNT_RISK_ARR = 255800.0


def flat_embed(text: str) -> list[float]:
    """Security tests use keyword search; the vector leg gets a constant (never a model download)."""
    return [1.0] + [0.0] * 383


def hostile_unit():
    import random

    u = make_unit(random.Random(1), END - timedelta(days=2), "crash", n=9999)
    u.unit_id = HOSTILE_ID
    u.source, u.channel, u.connector = "zendesk", "ticket", "zendesk"
    u.text = 'Crash when I open <img src=x onerror="alert(1)"> reports <script>steal()</script>'
    u.provenance = Provenance(raw_ref="t.jsonl#L9", source_url="javascript:alert(document.cookie)", record_part="body")
    u.thread_id = "thr-hostile"
    u.source_record_id = "rec-hostile"
    return u


def security_alerts() -> list[dict]:
    from dashdata import alert_doc

    d = END - timedelta(days=2)
    risk = alert_doc("al-risk-umbrella", "open", "pricing", d, owner="csm")
    risk.update(kind="account_risk", rule="account_at_risk", title="Account at risk: acc_0004",
                why=f"7 negative or churn-risk units in the last 14d from an account with ARR {ACCOUNT_RISK_ARR:,.0f}",
                dimension={"by": {"account": "acc_0004"}, "filters": {}},
                impact={"score": 61.27, "accounts": 1, "arr": ACCOUNT_RISK_ARR, "severity": 0.7, "trajectory": 7.0},
                deliveries=[{"id": "d1", "type": "slack", "status": "failed", "attempts": 3,
                             "target": "https://hooks.slack.example/services/T000/B000/SECRETTOKEN",
                             "last_error": "POST https://hooks.slack.example/services/T000/B000/SECRETTOKEN: 500",
                             "config": {"type": "slack", "url": "https://hooks.slack.example/services/T000/B000/SECRETTOKEN"}}],
                history=[{"at": d.isoformat(), "action": "detected", "actor": "detector",
                          "note": f"7 negative or churn-risk units in the last 14d from an account with ARR {ACCOUNT_RISK_ARR:,.0f}"}])
    appstore = alert_doc("al-appstore-crash", "open", "crash", d, owner="eng-mobile")
    appstore.update(dimension={"by": {"sub_theme": "crash"}, "filters": {"source": ["appstore"]}},
                    unit_ids=["u-appstore-1"], unit_count=1)
    zendesk = alert_doc("al-zendesk-crash", "open", "crash", d, owner="eng-mobile")
    zendesk.update(dimension={"by": {"source": "zendesk", "sub_theme": "crash"}, "filters": {}},
                   unit_ids=[HOSTILE_ID], unit_count=1)
    return [risk, appstore, zendesk]


@pytest.fixture(scope="module")
def world(es, base_settings):
    from search_api.auth import KeyStore
    from voxindex.setup import drop_indices, setup_indices

    settings = replace(base_settings, index_prefix=f"vxt-sec-{uuid.uuid4().hex[:6]}")
    setup_indices(es, settings.indices)
    units, alerts = load_demo(es, settings)
    index_units(es, settings, [hostile_unit()])
    index_alerts(es, settings, security_alerts())
    keys = KeyStore(es, settings.indices)
    tokens, key_ids = {}, {}
    for name, role, sources in (("admin", "admin", None), ("analyst", "analyst", None), ("viewer", "viewer", None),
                                ("zendesk", "analyst", ["zendesk"]), ("zendesk_viewer", "viewer", ["zendesk"])):
        token, record = keys.create(f"sec-{name}", role, sources=sources)
        tokens[name], key_ids[name] = token, record.key_id
    yield settings, units, tokens, key_ids
    if not os.environ.get("VOXINDEX_KEEP_TEST_INDICES"):
        drop_indices(es, settings.indices)


def make_app(world, es, **options):
    from search_api.app import ApiOptions, create_app

    settings = world[0]
    opts = {"rate_per_s": 1000, "burst": 1000, **options}
    return create_app(settings, es, embed=flat_embed, options=ApiOptions(**opts))


def bearer(world, who: str) -> dict:
    return {"Authorization": f"Bearer {world[2][who]}"}


def audit_docs(es, world) -> list[dict]:
    settings = world[0]
    es.indices.refresh(index=settings.indices.audit)
    res = es.search(index=settings.indices.audit, size=1000, sort=[{"at": "desc"}])
    return [h["_source"] for h in res["hits"]["hits"]]
