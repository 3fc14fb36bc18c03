"""A dimension value with no history (a new company, product, app version...) raises one "new"
alert, not one spike per sub-theme; a real spike of a known company is still caught on its day."""
from datetime import datetime, timedelta, timezone

import pytest

from detectors.backtest import score
from detectors.lifecycle import list_alerts
from detectors.new_value import NewValue, dedup_key, split_new_values
from detectors.rules import parse_rule
from detectors.runner import run_once
from detectors.synthetic import index_units, scratch_settings, series

DIMS = ["sub_theme", "account"]


# ----------------------------------------------------------------------------- the decision, no Elasticsearch


def test_a_value_with_no_baseline_is_one_new_value_and_its_groups_are_not_scored():
    totals = {("cancel", "acme"): (49, 57), ("refund", "acme"): (20, 3),
              ("cancel", "newco"): (0, 120), ("refund", "newco"): (0, 80), ("login", "newco"): (0, 0)}
    scored, new = split_new_values(totals, DIMS)
    assert scored == {("cancel", "acme"), ("refund", "acme")}
    assert new == [NewValue("account", "newco", observed=200, groups=2)]


def test_a_new_combination_of_known_values_is_scored_as_usual():
    totals = {("cancel", "acme"): (10, 2), ("refund", "globex"): (10, 2), ("cancel", "globex"): (0, 30)}
    scored, new = split_new_values(totals, DIMS)
    assert scored == set(totals) and new == []


def test_every_new_value_of_a_group_is_reported_once_even_when_two_are_new():
    totals = {("cancel", "acme"): (10, 2), ("teleport", "newco"): (0, 9), ("cancel", "newco"): (0, 4)}
    scored, new = split_new_values(totals, DIMS)
    assert scored == {("cancel", "acme")}
    assert sorted((n.dimension, n.value, n.observed) for n in new) == [("account", "newco", 13), ("sub_theme", "teleport", 9)]


def test_share_fields_are_never_new_and_no_history_at_all_reports_nothing():
    totals = {("sync", "4.8.1"): (28, 0), ("sync", "4.8.2"): (0, 14)}
    scored, new = split_new_values(totals, ["sub_theme", "app_version"], exempt=["app_version"])
    assert scored == set(totals) and new == []
    # the data begins in the current window: nothing is "new" against nothing
    assert split_new_values({("a", "x"): (0, 50), ("b", "y"): (0, 9)}, DIMS) == (set(), [])


def test_the_dedup_key_is_the_dimension_value_alone():
    assert dedup_key("account", "newco") == dedup_key("account", "newco")
    assert dedup_key("account", "newco") != dedup_key("account", "acme") != dedup_key("source", "acme")


def test_the_backtest_still_scores_a_new_sub_theme_but_not_a_new_company_as_a_false_alarm():
    def alert(aid, by, sub=None):
        return {"alert_id": aid, "kind": "new_value", "rule": "r", "title": aid, "sub_theme": sub, "theme": None,
                "dimension": {"by": by, "filters": {}}, "window_start": "2026-07-19T00:00:00Z",
                "first_seen": "2026-07-20T00:00:00Z", "last_seen": "2026-07-20T00:00:00Z"}

    t0 = datetime(2026, 7, 1, tzinfo=timezone.utc)
    report = score([alert("sub", {"sub_theme": "teleport"}, "teleport"), alert("co", {"account": "newco"})], [],
                   t0, t0 + timedelta(days=28), timedelta(days=1))
    assert report["false_alarms"] == 1 and report["false_alarm_examples"][0].startswith("r: sub")


# ----------------------------------------------------------------------------- on the real node

AT = datetime(2026, 7, 20, tzinfo=timezone.utc)
SUBS = ["cancellation", "refund", "delay", "baggage", "booking", "customer-service", "wifi", "seating"]


@pytest.fixture(scope="module")
def settings(es, base_settings):
    yield from scratch_settings(es, base_settings)


@pytest.fixture(scope="module")
def history(es, settings):
    """Two known companies, eight sub-themes, eight days; on the last day a new company arrives
    with 30-65 units in every sub-theme, and acme's cancellations jump from ~7 to 57."""
    docs = []
    for i, sub in enumerate(SUBS):
        theme = "travel"
        if sub == "cancellation":
            docs += series("cancel my flight", AT, [7, 6, 8, 7, 7, 6, 8, 57], theme=theme, sub_theme=sub, account_id="acme")
        else:
            docs += series("meh", AT, [3, 4, 3, 2, 3, 4, 3, 3], theme=theme, sub_theme=sub, account_id="acme")
        docs += series("meh", AT, [5, 4, 6, 5, 4, 5, 6, 5], theme=theme, sub_theme=sub, account_id="globex")
        docs += series("first time flying with you", AT, [0] * 7 + [30 + 5 * i], theme=theme, sub_theme=sub,
                       account_id="newco")
    index_units(es, settings.indices, docs)


RULE = {"type": "spike", "dimension": DIMS, "window": "1d", "baseline_windows": 7, "min_count": 8,
        "min_ratio": 2.5, "threshold": 0.0001, "realert": "2d"}


def test_a_new_company_raises_one_alert_and_a_real_spike_is_caught_on_its_day(es, settings, history):
    rule = parse_rule(RULE, "spike_by_company.yaml", "spike_by_company")
    res = run_once(es, settings, [rule], AT, notify=False)
    assert not res.errors
    kinds = sorted((a["kind"], a["title"]) for a in res.created)
    assert kinds == [("new_value", "New account: newco"), ("spike", "Spike: sub_theme=cancellation × account=acme")]
    new = next(a for a in res.created if a["kind"] == "new_value")
    assert new["why"].startswith("new account: newco, 380 units in the window across 8 sub_theme groups")
    assert new["unit_count"] == 380 and new["dimension"]["by"] == {"account": "newco"}
    spike = next(a for a in res.created if a["kind"] == "spike")
    assert spike["observed"] == 57 and 6 < spike["expected"] < 8
    # a day earlier nothing had happened yet
    assert run_once(es, settings, [rule], AT - timedelta(days=1), notify=False).created == []


def test_a_second_rule_meeting_the_same_new_company_does_not_open_another_alert(es, settings, history):
    first = parse_rule({**RULE, "dimension": ["account", "sub_theme"]}, "a.yaml", "by_company_a")
    second = parse_rule({**RULE, "min_count": 5}, "b.yaml", "by_company_b")
    res = run_once(es, settings, [first, second], AT + timedelta(hours=1), notify=False)
    assert not res.errors
    stored = list_alerts(es, settings.indices, size=100)
    assert [a["title"] for a in stored if a["kind"] == "new_value"] == ["New account: newco"]


def test_a_new_sub_theme_seen_by_a_new_term_rule_and_a_spike_rule_is_one_alert(es, settings):
    at = AT + timedelta(days=40)
    index_units(es, settings.indices, series("meh", at, [4] * 8, theme="travel", sub_theme="refund", account_id="acme")
                + series("my pet flew", at, [0] * 7 + [12], theme="travel", sub_theme="pets", account_id="acme"))
    rules = [parse_rule({"type": "new_term", "dimension": "sub_theme", "baseline": "7d", "min_count": 5}, "n.yaml", "new_sub"),
             parse_rule({**RULE, "dimension": "sub_theme"}, "s.yaml", "spike_sub")]
    res = run_once(es, settings, rules, at, notify=False)
    assert [a["title"] for a in res.created] == ["New: sub_theme=pets"]
    assert [a["alert_id"] for a in res.unchanged] == [res.created[0]["alert_id"]]
