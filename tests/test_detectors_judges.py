"""Every rule type decides in a pure `judge` over counts its fetch step returned, so each decision
is tested here on hand-built counts, with no Elasticsearch: spikes, trends, new values, new terms,
flatlines, account risk, schema changes, impact regressions and watches. Rule types and alerters
each come from one registry that validation, the runner, the backtest and the README agree with."""
from datetime import datetime, timedelta, timezone
from pathlib import Path

import pytest

from detectors import account_risk, flatline, impact_rule, new_term, schema_change, spike, trend, watches
from detectors.alerters import ALERTERS
from detectors.backtest import SCORED_KINDS
from detectors.grouping import GroupCounts, rule_clauses, window_ranges
from detectors.labels import NEEDS_REVIEW_FIELD
from detectors.new_term import NewTermCounts, SignificantTerm
from detectors.rule_types import RULE_TYPES
from detectors.rules import RuleError, parse_rule
from detectors.schema_change import ConnectorRun

AT = datetime(2026, 7, 20, tzinfo=timezone.utc)
README = Path(__file__).resolve().parent.parent / "README.md"


def rule(**kw):
    return parse_rule(kw, "test.yaml", "t")


def groups(r, counts: dict, at=AT, n=None, **kw) -> GroupCounts:
    """Counts per group over the rule's windows ending at `at`, oldest first (as fetch returns them)."""
    n = n or len(next(iter(counts.values())))
    flt, must_not = rule_clauses(r)
    return GroupCounts(dims=r.dimension, ranges=window_ranges(at, r.window, n), counts=counts,
                       clauses=flt, must_not=must_not, **kw)


# ----------------------------------------------------------------------------- spike

SPIKE = dict(type="spike", dimension=["sub_theme", "account"], min_count=8, min_ratio=2.5, threshold=0.0001)


def test_a_spike_fires_with_observed_against_its_own_baseline():
    r = rule(**SPIKE)
    found = spike.judge(groups(r, {("cancel", "acme"): [7, 6, 8, 7, 7, 6, 8, 57],
                                   ("refund", "acme"): [5, 4, 6, 5, 5, 4, 6, 6]}), r, AT)
    assert [(f.kind, f.dimension, f.observed) for f in found] == [
        ("spike", {"sub_theme": "cancel", "account": "acme"}, 57)]
    assert 6 < found[0].expected < 8 and found[0].statistic < 1e-10
    assert found[0].window_end == AT and found[0].window_start == AT - timedelta(days=1)


def test_min_count_and_min_ratio_keep_small_or_slight_bumps_quiet():
    r = rule(**SPIKE)
    assert spike.judge(groups(r, {("cancel", "acme"): [1, 0, 1, 0, 1, 0, 1, 7]}), r, AT) == []  # under min_count
    assert spike.judge(groups(r, {("cancel", "acme"): [200] * 7 + [280]}), r, AT) == []  # significant, only 1.4x


def test_a_new_company_is_one_new_value_finding_not_one_spike_per_sub_theme():
    r = rule(**SPIKE)
    counts = {(sub, "acme"): [5] * 7 + [5] for sub in ("cancel", "refund", "delay")}
    counts.update({(sub, "newco"): [0] * 7 + [40 + i] for i, sub in enumerate(("cancel", "refund", "delay"))})
    found = spike.judge(groups(r, counts, new_value_units={("account", "newco"): 110}), r, AT)
    assert [(f.kind, f.title, f.observed) for f in found] == [("new_value", "New account: newco", 110)]
    assert found[0].dedup_key == found[0].key and "across 3 sub_theme groups" in found[0].why


def test_a_new_value_under_min_count_raises_nothing():
    r = rule(**SPIKE)
    counts = {("cancel", "acme"): [5] * 8, ("cancel", "tinyco"): [0] * 7 + [3]}
    assert spike.judge(groups(r, counts), r, AT) == []


def test_spikes_count_confident_labels_only():
    # the fetch step's query, and so every finding's evidence, leaves out units the taxonomy was unsure of
    r = rule(**SPIKE)
    found = spike.judge(groups(r, {("cancel", "acme"): [7] * 7 + [57]}), r, AT)
    assert {"term": {NEEDS_REVIEW_FIELD: True}} in found[0].must_not
    assert {"exists": {"field": "taxonomy.sub_theme"}} in found[0].clauses
    assert {"term": {NEEDS_REVIEW_FIELD: True}} not in rule_clauses(rule(**SPIKE, count_needs_review=True))[1]


def test_a_share_spike_blames_the_sub_theme_a_release_made_worse():
    r = rule(type="spike", dimension=["sub_theme", "app_version"], expected="share", min_count=2, min_ratio=2)
    counts = {}
    for sub, old, new in (("sync-failure", 4, 14), ("crash", 4, 2), ("slow-load", 8, 4)):
        counts[(sub, "4.8.1")] = [old] * 7 + [0]
        counts[(sub, "4.8.2")] = [0] * 7 + [new]
    found = spike.judge(groups(r, counts), r, AT)
    assert [f.dimension for f in found] == [{"sub_theme": "sync-failure", "app_version": "4.8.2"}]


def test_a_zscore_spike_thresholds_on_z():
    r = rule(type="spike", dimension=["sub_theme"], method="zscore", threshold=3, min_count=5)
    found = spike.judge(groups(r, {("sync",): [2, 3, 2, 3, 2, 3, 2, 12], ("crash",): [2, 3, 2, 3, 2, 3, 2, 4]}), r, AT)
    assert [f.dimension for f in found] == [{"sub_theme": "sync"}] and found[0].statistic >= 3


# ----------------------------------------------------------------------------- trend


def test_a_trend_fires_on_steady_growth_and_a_value_first_seen_last_week_is_new():
    r = rule(type="trend", days=14, min_count=20, threshold=0.03)
    n = r.days + trend.SMOOTH - 1
    counts = {("slow-load",): [round(5 * 1.07 ** i) for i in range(n)], ("export",): [6] * n,
              ("teleport",): [0] * (n - 3) + [9, 10, 11]}
    found = trend.judge(GroupCounts(dims=r.dimension, ranges=window_ranges(AT, timedelta(days=1), n), counts=counts), r, AT)
    assert sorted((f.kind, f.title) for f in found) == [("new_value", "New sub_theme: teleport"),
                                                         ("trend", "Growing: sub_theme=slow-load")]
    growing = next(f for f in found if f.kind == "trend")
    assert 0.05 < growing.trajectory < 0.09


# ----------------------------------------------------------------------------- new_term, flatline, account risk


def test_new_term_unseen_and_significant():
    r = rule(type="new_term", min_count=3, baseline="9d")
    start = AT - r.window
    g = GroupCounts(dims=r.dimension, ranges=[(start - r.baseline, start), (start, AT)],
                    counts={("login",): [27, 3], ("offline",): [0, 4], ("rare",): [0, 2]})
    assert [f.dimension for f in new_term.judge(NewTermCounts(g), r, AT)] == [{"sub_theme": "offline"}]
    sig = rule(type="new_term", method="significant", min_count=3, threshold=0.5)
    terms = [SignificantTerm("offline", 4, 0, 2.0), SignificantTerm("login", 3, 27, 0.1)]
    found = new_term.judge(NewTermCounts(g, terms), sig, AT)
    assert [f.dimension for f in found] == [{"sub_theme": "offline"}]


def test_flatline_names_the_source_that_stopped():
    r = rule(type="flatline", min_count=5)
    g = groups(r, {("appstore",): [10] * 7 + [0], ("zendesk",): [10] * 8, ("csv",): [1] * 7 + [0]},
               values={("appstore",): {"last": "2026-07-18T23:00:00Z"}})
    found = flatline.judge(g, r, AT)
    assert [f.dimension for f in found] == [{"source": "appstore"}]
    assert found[0].extra == {"last_unit_at": "2026-07-18T23:00:00Z"} and found[0].window_end == AT


def test_account_risk_needs_min_count_units():
    r = rule(type="account_risk", min_count=2)
    g = GroupCounts(dims=r.dimension, ranges=[(AT - r.window, AT)], counts={("acc_big",): [2], ("acc_small",): [1]},
                    values={("acc_big",): {"arr": 250000.0}})
    found = account_risk.judge(g, r, AT)
    assert [f.dimension for f in found] == [{"account": "acc_big"}] and "ARR 250,000" in found[0].why


# ----------------------------------------------------------------------------- schema change, impact, watches


def test_schema_change_compares_the_last_two_good_runs_within_the_window():
    def run(i, fields, days_ago, status="ok", connector="appstore"):
        return ConnectorRun(connector, f"r{i}", AT - timedelta(days=days_ago), status, fields)

    r = rule(type="schema_change")
    runs = [run(3, ["id"], 1, status="failed"), run(2, ["id", "text", "locale"], 2), run(1, ["id", "body"], 3),
            run(0, ["x"], 20, connector="csv"), run(9, ["y"], 21, connector="csv")]
    found = schema_change.judge(runs, r, AT)
    assert [(f.title, f.extra) for f in found] == [
        ("Schema change in appstore", {"added": ["locale", "text"], "removed": ["body"]})]


def test_impact_regressions_become_findings_with_their_evidence_query():
    r = rule(type="impact", filters={"segment": "enterprise"})
    row = {"sub_theme": "login-sso", "count": 20, "impact": -30.0, "impact_ci95": [-40.0, -20.0],
           "previous": {"impact": -2.0},
           "change": {"impact_delta": -28.0, "impact_delta_ci95": [-38.0, -18.0], "significant": True}}
    table = impact_rule.ImpactTable(level="sub_theme", metric_label="NPS", rows=[row], window={})
    found = impact_rule.judge(table, r, AT)
    assert [f.dimension for f in found] == [{"sub_theme": "login-sso"}]
    assert "worsened by 28.0 points" in found[0].title and {"term": {"source": "survey"}} in found[0].clauses
    assert impact_rule.judge(table, rule(type="impact", threshold=30.0), AT) == []


def test_a_watch_match_is_one_finding_per_watch_and_unit_and_a_deleted_watch_fires_nothing():
    spec = {"name": "w", "query": "sync", "owner": "team"}
    hits = watches.judge({"w": ["u1", "u2"], "gone": ["u1"]}, {"w": {"name": "w", "spec": spec}},
                         {"u1": {"unit_id": "u1", "text": "sync broke", "created_at": "2026-07-19T10:00:00Z"}}, AT)
    assert [(h.finding.rule, h.finding.unit_ids) for h in hits] == [("watch:w", ["u1"]), ("watch:w", ["u2"])]
    assert hits[0].spec is spec and hits[0].finding.dedup_key != hits[1].finding.dedup_key


# ----------------------------------------------------------------------------- one registry each


def test_validation_the_backtest_and_the_readme_read_the_rule_type_registry():
    with pytest.raises(RuleError, match="expected one of " + ", ".join(RULE_TYPES)):
        rule(type="sparkle")
    assert set(SCORED_KINDS) == {n for n, t in RULE_TYPES.items() if t.claims_theme} == {"spike", "trend", "new_term"}
    for kind in RULE_TYPES.values():
        assert rule(type=kind.name).type == kind.name  # every type's defaults make a valid rule
        if kind.methods:
            assert rule(type=kind.name).method == kind.methods[0]
    section = README.read_text().split("## Detectors and alerts")[1].split("\n## ")[0]
    assert all(f"`{name}`" in section for name in RULE_TYPES)


def test_alerters_come_from_one_registry_whose_required_keys_validation_checks():
    for name, alerter in ALERTERS.items():
        missing = alerter.required[-1]
        with pytest.raises(RuleError, match=rf"field 'alerts\[0\]\.{missing}': required for a {name} alerter"):
            rule(type="spike", alerts=[{"type": name, **{k: "x" for k in alerter.required[:-1]}}])
    with pytest.raises(RuleError, match="expected one of " + ", ".join(ALERTERS)):
        rule(type="spike", alerts=[{"type": "pager"}])
