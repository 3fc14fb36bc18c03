"""The `impact` rule type: fires when a theme's drag on NPS worsened by more than `threshold`
points against the previous window (and the change is significant); the sample rule in rules/
loads; the decision is a pure function; end to end it raises an alert with the units behind it."""
from __future__ import annotations

import uuid
from dataclasses import replace
from datetime import datetime, timezone
from pathlib import Path

import pytest
from elasticsearch.helpers import bulk
from test_impact import build_corpus

from detectors.impact_rule import regressions
from detectors.rules import RuleError, load_rule, parse_rule
from detectors.runner import evaluate_rule
from voxindex.setup import drop_indices, setup_indices

AT = datetime(2026, 11, 20, tzinfo=timezone.utc)
RULES = Path(__file__).resolve().parent.parent / "rules"


def row(label, delta, ci, significant, count=20):
    return {"sub_theme": label, "count": count, "impact": -1.0,
            "change": {"impact_delta": delta, "impact_delta_ci95": ci, "significant": significant}}


def test_only_significant_worsening_beyond_the_threshold_fires():
    rows = [row("worse", -8.0, [-12.0, -4.0], True), row("noisy", -8.0, [-17.0, 1.0], False),
            row("small", -3.0, [-5.0, -1.0], True), row("better", 9.0, [4.0, 14.0], True),
            row("rare", -9.0, [-13.0, -5.0], True, count=3)]
    assert [r["sub_theme"] for r in regressions(rows, "sub_theme", 5.0, 10)] == ["worse"]
    assert regressions([], "sub_theme", 5.0, 10) == []


def test_the_sample_rule_loads_and_bad_impact_rules_are_refused():
    rule = load_rule(RULES / "nps_impact_regression.yaml")
    assert rule.type == "impact" and rule.method == "nps" and rule.filters == {"segment": "enterprise"}
    with pytest.raises(RuleError, match="method"):
        parse_rule({"type": "impact", "method": "revenue"}, "r.yaml", "r")
    with pytest.raises(RuleError, match="dimension"):
        parse_rule({"type": "impact", "dimension": ["sub_theme", "segment"]}, "r.yaml", "r")


@pytest.fixture(scope="module")
def corpus(es, base_settings):
    settings = replace(base_settings, index_prefix=f"vxt-imprule-{uuid.uuid4().hex[:6]}")
    setup_indices(es, settings.indices)
    bulk(es, ({"_index": settings.indices.feedback_write, "_id": u.unit_id, "_source": u.to_doc()} for u in build_corpus()))
    es.indices.refresh(index=settings.indices.feedback)
    yield settings
    drop_indices(es, settings.indices)


def test_an_enterprise_sub_theme_whose_nps_drag_grew_raises_an_alert(es, corpus):
    from detectors.runner import run_once

    rule = replace(load_rule(RULES / "nps_impact_regression.yaml"), alerts=[])
    findings = evaluate_rule(es, corpus.indices, rule, AT)
    assert [f.dimension for f in findings] == [{"sub_theme": "login-sso"}]
    f = findings[0]
    assert f.trajectory < -20 and f.observed < f.expected and "login-sso" in f.title and "95% CI" in f.why
    # a stricter threshold than the change stays quiet
    assert evaluate_rule(es, corpus.indices, replace(rule, threshold=80.0), AT) == []
    # smb respondents never had the problem
    assert evaluate_rule(es, corpus.indices, replace(rule, filters={"segment": "smb"}), AT) == []
    result = run_once(es, corpus, [rule], AT, notify=False)
    assert not result.errors and len(result.created) == 1
    alert = result.created[0]
    assert alert["unit_count"] == 10 and alert["rule"] == rule.name
