"""Aggregation detectors on synthetic units in the real Elasticsearch: each reports observed vs
expected, respects min_count, and only uses data created before its evaluation time."""
from datetime import datetime, timedelta, timezone

import pytest

from detectors.rules import parse_rule
from detectors.runner import evaluate_rule
from detectors.synthetic import index_units, scratch_settings, series, unit

EPOCH = datetime(2026, 1, 10, tzinfo=timezone.utc)


@pytest.fixture(scope="module")
def settings(es, base_settings):
    # one prefix for the module; each test lives in its own stretch of time (see at())
    yield from scratch_settings(es, base_settings)


_slot = iter(range(100))


@pytest.fixture
def AT():
    return EPOCH + timedelta(days=100 * next(_slot))


def rule(**kw):
    return parse_rule(kw, "test.yaml", "t")


def test_spike_fires_on_a_region_jump_and_reports_observed_vs_expected(es, settings, AT):
    names = settings.indices
    index_units(es, names, series("charged twice", AT, [2, 3, 2, 2, 3, 2, 2, 15], theme="billing",
                                  sub_theme="double-charge", region="EU")
                + series("charged twice", AT, [2, 3, 2, 2, 3, 2, 2, 3], theme="billing", sub_theme="double-charge", region="NA"))
    found = evaluate_rule(es, names, rule(type="spike", dimension=["sub_theme", "region"], min_count=5), AT)
    assert [f.dimension for f in found] == [{"sub_theme": "double-charge", "region": "EU"}]
    assert found[0].observed == 15 and 2 < found[0].expected < 3
    assert "15 units in the last 1d vs 2.3 expected" in found[0].why
    # the same spike is invisible a day earlier: nothing after `at` is read
    assert evaluate_rule(es, names, rule(type="spike", dimension=["sub_theme", "region"], min_count=5), AT - timedelta(days=1)) == []
    # and min_count keeps small groups quiet
    assert evaluate_rule(es, names, rule(type="spike", dimension=["sub_theme", "region"], min_count=16), AT) == []


def test_zscore_spike_on_a_new_combination_of_known_values(es, settings, AT):
    # sync-failure is known (in 4.8.1) and so is 4.8.2 (crashes): only their combination is new,
    # so it is scored as a spike (a value with no history at all is reported once instead: new_value)
    names = settings.indices
    kw = dict(theme="reliability", segment="enterprise")
    index_units(es, names, series("sync broken", AT, [0] * 7 + [9], sub_theme="sync-failure", app_version="4.8.2", **kw)
                + series("sync broken", AT, [1] * 8, sub_theme="sync-failure", app_version="4.8.1", **kw)
                + series("it crashes", AT, [1] * 8, sub_theme="crash", app_version="4.8.2", **kw))
    found = evaluate_rule(es, names, rule(type="spike", dimension=["sub_theme", "app_version"], method="zscore",
                                           threshold=3, filters={"segment": "enterprise"}), AT)
    assert [(f.kind, f.dimension) for f in found] == [("spike", {"sub_theme": "sync-failure", "app_version": "4.8.2"})]


def test_trend_finds_a_slow_burn_but_not_a_flat_or_noisy_series(es, settings, AT):
    names = settings.indices
    growing = [round(5 * 1.07 ** i) for i in range(14)]
    index_units(es, names, series("slow", AT, growing, theme="performance", sub_theme="slow-load")
                + series("export", AT, [6] * 14, theme="feature-request", sub_theme="reporting-export"))
    found = evaluate_rule(es, names, rule(type="trend", days=14, min_count=20, threshold=0.03), AT)
    assert [f.dimension for f in found] == [{"sub_theme": "slow-load"}]
    assert 0.05 < found[0].trajectory < 0.09 and "%/day" in found[0].why


def test_new_term_flags_a_sub_theme_never_seen_in_the_baseline(es, settings, AT):
    names = settings.indices
    index_units(es, names, series("login", AT, [3] * 10, theme="access", sub_theme="login-sso")
                + series("offline", AT, [0] * 9 + [4], theme="feature-request", sub_theme="offline-mode"))
    found = evaluate_rule(es, names, rule(type="new_term", min_count=3, baseline="9d"), AT)
    assert [f.dimension for f in found] == [{"sub_theme": "offline-mode"}]
    sig = evaluate_rule(es, names, rule(type="new_term", method="significant", min_count=3, baseline="9d"), AT)
    assert "offline-mode" in [f.dimension["sub_theme"] for f in sig]


def test_flatline_notices_a_source_that_stopped_delivering(es, settings, AT):
    names = settings.indices
    index_units(es, names, series("hi", AT, [10] * 7 + [0], source="appstore")
                + series("hi", AT, [10] * 8, source="zendesk"))
    found = evaluate_rule(es, names, rule(type="flatline", min_count=5), AT)
    assert [f.dimension for f in found] == [{"source": "appstore"}]
    assert found[0].observed == 0 and found[0].expected == 10


def test_schema_change_compares_the_last_two_runs_of_a_connector(es, settings, AT):
    names = settings.indices
    for i, fields in enumerate((["id", "body", "rating"], ["id", "body", "rating"], ["id", "text", "rating", "locale"])):
        es.index(index=names.write_alias("state"), document={
            "kind": "run", "connector": f"appstore-{AT:%j}", "run_id": f"r{i}", "status": "ok", "fields_seen": fields,
            "started_at": (AT - timedelta(days=3 - i)).isoformat()}, refresh=True)
    found = evaluate_rule(es, names, rule(type="schema_change"), AT)
    assert len(found) == 1 and found[0].extra == {"added": ["locale", "text"], "removed": ["body"]}
    assert evaluate_rule(es, names, rule(type="schema_change"), AT - timedelta(days=1, hours=12)) == []


def test_account_risk_needs_negative_or_churn_units_from_big_or_renewing_accounts(es, settings, AT):
    names = settings.indices
    docs = [unit("we will cancel", AT - timedelta(days=1), account_id="acc_big", arr=250000, intent="churn_risk", sentiment="neutral"),
            unit("terrible", AT - timedelta(days=2), account_id="acc_big", arr=250000),
            unit("terrible", AT - timedelta(days=1), account_id="acc_small", arr=1000),
            unit("terrible", AT - timedelta(days=1), account_id="acc_small", arr=1000),
            unit("meh", AT - timedelta(days=1), account_id="acc_renew", arr=5000, renewal_date=(AT + timedelta(days=20)).date().isoformat()),
            unit("meh", AT - timedelta(days=2), account_id="acc_renew", arr=5000, renewal_date=(AT + timedelta(days=20)).date().isoformat()),
            unit("great", AT - timedelta(days=1), account_id="acc_happy", arr=900000, sentiment="positive")]
    index_units(es, names, docs)
    found = evaluate_rule(es, names, rule(type="account_risk", min_count=2), AT)
    assert sorted(f.dimension["account"] for f in found) == ["acc_big", "acc_renew"]


def test_share_spike_fires_for_the_sub_theme_a_release_made_worse_not_for_every_new_key(es, settings, AT):
    names = settings.indices
    docs = []
    for sub, daily_old, today_new in (("sync-failure", 4, 14), ("crash", 4, 2), ("slow-load", 8, 4)):
        docs += series("x", AT, [daily_old] * 7 + [0], theme="reliability", sub_theme=sub, app_version="4.8.1")
        docs += series("x", AT, [0] * 7 + [today_new], theme="reliability", sub_theme=sub, app_version="4.8.2")
    index_units(es, names, docs)
    found = evaluate_rule(es, names, rule(type="spike", dimension=["sub_theme", "app_version"], expected="share",
                                           min_count=2, min_ratio=2), AT)
    assert [f.dimension for f in found] == [{"sub_theme": "sync-failure", "app_version": "4.8.2"}]
    assert "usual share" in found[0].why
