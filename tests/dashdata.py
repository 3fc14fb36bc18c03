"""Demo-like data for the dashboards/reports/web/closed-loop tests: a few hundred enriched feedback
units over five weeks (ending Monday 2026-11-23, i.e. covering 2026-W46 and 2026-W47) with a
sync-failure spike on app 4.8.2, plus alerts in every lifecycle state. Deterministic (seeded)."""
from __future__ import annotations

import random
from datetime import datetime, timedelta, timezone

from elasticsearch import helpers

from voxindex.model import AccountContext, FeedbackUnit, Scored, TaxonomyLabels, stable_id

END = datetime(2026, 11, 23, tzinfo=timezone.utc)  # Monday of 2026-W48
DAYS = 35
THEMES = {
    "reliability": ["sync-failure", "crash"],
    "performance": ["slow-load"],
    "billing": ["double-charge", "pricing"],
    "access": ["login-sso"],
    "features": ["export", "integrations"],
}
SOURCES = [("zendesk", "ticket"), ("appstore", "review"), ("survey", "survey"), ("calls", "call")]
VERSIONS = ["4.7.0", "4.8.0", "4.8.2"]
ACCOUNTS = [
    (f"acc_{i:04d}", name, arr, seg, health)
    for i, (name, arr, seg, health) in enumerate(
        [
            ("Northwind Traders", 150000.0, "enterprise", "yellow"),
            ("Globex", 90000.0, "mid-market", "red"),
            ("Initech", 12000.0, "smb", "green"),
            ("Umbrella", 240000.0, "enterprise", "red"),
            ("Hooli", 60000.0, "mid-market", "green"),
            ("Stark Industries", 310000.0, "enterprise", "green"),
            ("Wayne Enterprises", 180000.0, "enterprise", "yellow"),
            ("Acme", 8000.0, "smb", "red"),
        ],
        start=1,
    )
]
INTENT_BY_SUB = {
    "sync-failure": "bug", "crash": "bug", "slow-load": "complaint", "double-charge": "complaint",
    "pricing": "churn_risk", "login-sso": "question", "export": "feature_request", "integrations": "feature_request",
}
TEXTS = {
    "sync-failure": "Since the update my changes never sync to the desktop app",
    "crash": "The iOS app crashes every time I open a report",
    "slow-load": "Dashboards take 30 seconds to load now",
    "double-charge": "I was charged twice this month",
    "pricing": "The new per-seat price is too expensive, we may cancel at renewal",
    "login-sso": "How do I sign in with Okta SSO after the domain change?",
    "export": "Please add an export to Excel for the weekly report",
    "integrations": "We would love a Salesforce integration",
}


def make_unit(rng: random.Random, when: datetime, sub: str, version: str | None = None, n: int = 0) -> FeedbackUnit:
    theme = next(t for t, subs in THEMES.items() if sub in subs)
    source, channel = SOURCES[rng.randrange(len(SOURCES))]
    acc = ACCOUNTS[rng.randrange(len(ACCOUNTS))]
    intent = INTENT_BY_SUB[sub] if rng.random() < 0.8 else rng.choice(["question", "complaint", "bug"])
    sentiment = "negative" if intent in ("bug", "complaint", "churn_risk") else rng.choice(["neutral", "positive", "negative"])
    uid = stable_id("dash", when.isoformat(), sub, n)
    return FeedbackUnit(
        unit_id=uid, source_record_id=f"rec-{uid[:8]}", source=source, channel=channel, connector=source,
        text=f"{TEXTS[sub]} ({acc[1]}, #{n})", title=TEXTS[sub][:40], created_at=when,
        app_version=version or rng.choice(VERSIONS), person_id=f"p_{rng.randrange(40):03d}", account_id=acc[0],
        account=AccountContext(account_id=acc[0], name=acc[1], arr=acc[2], segment=acc[3], health=acc[4],
                               plan="enterprise" if acc[3] == "enterprise" else "pro", region="EU"),
        taxonomy=TaxonomyLabels(version="2026.11-1", theme=[theme], sub_theme=[sub], primary_theme=theme,
                                primary_sub_theme=sub, confidence=0.9),
        sentiment=Scored(sentiment, 0.8), severity=Scored(rng.choice(["low", "medium", "high"]), 0.7),
        intent=Scored(intent, 0.85),
    )


def demo_units(seed: int = 7) -> list[FeedbackUnit]:
    rng = random.Random(seed)
    units: list[FeedbackUnit] = []
    start = END - timedelta(days=DAYS)
    subs = [s for ss in THEMES.values() for s in ss]
    for day in range(DAYS):
        base = start + timedelta(days=day)
        for i in range(8):
            when = base + timedelta(hours=rng.randrange(24), minutes=rng.randrange(60))
            units.append(make_unit(rng, when, rng.choice(subs), n=day * 100 + i))
        if day >= DAYS - 5:  # the 4.8.2 sync spike in the last days of 2026-W47
            for i in range(10):
                when = base + timedelta(hours=rng.randrange(24))
                units.append(make_unit(rng, when, "sync-failure", "4.8.2", n=day * 100 + 50 + i))
    return units


def alert_doc(alert_id: str, state: str, sub: str, detected: datetime, **extra) -> dict:
    theme = next(t for t, subs in THEMES.items() if sub in subs)
    doc = {
        "alert_id": alert_id, "dedup_key": f"spike:{sub}", "rule": "volume_spike", "kind": "spike",
        "title": f"Spike in {theme}/{sub}", "why": f"{sub} volume 3x its 28-day baseline",
        "state": state, "owner": extra.pop("owner", "support-team"), "theme": theme, "sub_theme": sub,
        "impact": {"score": 0.8, "accounts": 5, "arr": 500000.0, "severity": 0.6, "trajectory": 1.5},
        "observed": 42.0, "expected": 12.0, "unit_ids": [], "unit_count": 42,
        "first_seen": detected.isoformat(), "last_seen": detected.isoformat(),
        "window_start": (detected - timedelta(days=1)).isoformat(), "window_end": detected.isoformat(),
        "stages": {"detected": detected.isoformat()}, "history": [],
        "created_at": detected.isoformat(), "updated_at": detected.isoformat(),
    }
    for key, value in extra.items():
        if key == "stages":
            doc["stages"].update({k: v.isoformat() for k, v in value.items()})
        else:
            doc[key] = value
    return doc


def demo_alerts() -> list[dict]:
    d = END - timedelta(days=4)
    return [
        alert_doc("al-open-sync", "open", "sync-failure", d, owner="eng-sync"),
        alert_doc("al-ack-crash", "acknowledged", "crash", d - timedelta(days=6), owner="eng-mobile",
                  stages={"acknowledged": d - timedelta(days=5)}),
        alert_doc("al-assigned-billing", "assigned", "double-charge", d - timedelta(days=10), owner="billing-ops",
                  assignee="maria", stages={"acknowledged": d - timedelta(days=10, hours=-2), "assigned": d - timedelta(days=9)}),
        alert_doc("al-fixed-slow", "resolved", "slow-load", d - timedelta(days=20), owner="eng-perf", assignee="li",
                  external_ticket="PERF-101",
                  stages={"acknowledged": d - timedelta(days=20, hours=-1), "assigned": d - timedelta(days=19),
                          "fixed": d - timedelta(days=12), "resolved": d - timedelta(days=12)}),
        alert_doc("al-validated-sso", "validated", "login-sso", d - timedelta(days=25), owner="identity",
                  assignee="sam", external_ticket="https://jira.example.com/browse/ID-7",
                  stages={"acknowledged": d - timedelta(days=25, hours=-3), "assigned": d - timedelta(days=24),
                          "fixed": d - timedelta(days=18), "resolved": d - timedelta(days=18), "validated": d - timedelta(days=8)}),
    ]


def index_units(es, settings, units: list[FeedbackUnit]) -> None:
    names = settings.indices
    helpers.bulk(es, ({"_index": names.feedback_write, "_id": u.unit_id, "_source": u.to_doc()} for u in units), refresh=True)


def index_alerts(es, settings, alerts: list[dict]) -> None:
    names = settings.indices
    helpers.bulk(es, ({"_index": names.write_alias("alerts"), "_id": a["alert_id"], "_source": a} for a in alerts), refresh="wait_for")


def load_demo(es, settings, seed: int = 7) -> tuple[list[FeedbackUnit], list[dict]]:
    units, alerts = demo_units(seed), demo_alerts()
    index_units(es, settings, units)
    index_alerts(es, settings, alerts)
    return units, alerts


def run_cli(argv: list[str]) -> int:
    """Run one of the dashboards area's commands (kibana, report) through its own `register`, with
    errors raised rather than turned into exit codes; the full `voxindex` parser is tests/test_cli.py's."""
    import argparse

    from dashboards.cli import register

    parser = argparse.ArgumentParser(prog="voxindex")
    register(parser.add_subparsers(dest="command"))
    args = parser.parse_args(argv)
    return int(args.func(args) or 0)


def demo_settings(es, base_settings, tag: str):
    """Set up (and return a finalizer for) a test prefix loaded once with the demo data; for
    module-scoped fixtures, so the read-only report/web tests do not reload it per test."""
    import os
    import uuid
    from dataclasses import replace

    from voxindex.setup import drop_indices, setup_indices

    settings = replace(base_settings, index_prefix=f"vxt-{tag}-{uuid.uuid4().hex[:6]}")
    setup_indices(es, settings.indices, kinds=("feedback", "alerts", "audit", "state", "people", "accounts"))
    load_demo(es, settings)

    def finalize():
        if not os.environ.get("VOXINDEX_KEEP_TEST_INDICES"):
            drop_indices(es, settings.indices)

    return settings, finalize
