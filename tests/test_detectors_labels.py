"""Spikes and trends count confident labels only: off-topic units the taxonomy was unsure of
neither raise a spike nor inflate a baseline enough to hide one (57 vs ~7 a day)."""
from datetime import datetime, timedelta, timezone

import pytest

from detectors.grouping import rule_clauses
from detectors.labels import CONFIDENCE_FIELD, NEEDS_REVIEW_FIELD, LabelPolicy, confident_clauses, is_confident, uses_labels
from detectors.rules import RuleError, parse_rule
from detectors.runner import evaluate_rule
from detectors.synthetic import index_units, scratch_settings, series


def rule(**kw):
    return parse_rule(kw, "test.yaml", "t")


def doc(sub="cancellation", conf=0.9, review=False):
    return {"taxonomy": {"sub_theme": [sub] if sub else [], "confidence": conf, "needs_review": review}}


# ----------------------------------------------------------------------------- the decision, no Elasticsearch


def test_only_rules_that_count_taxonomy_labels_are_restricted():
    assert uses_labels(["sub_theme", "account"]) and uses_labels(["source"], filters={"theme": "billing"})
    assert not uses_labels(["source"]) and not uses_labels(["app_version", "region"], exclude={"segment": "free"})
    flt, must_not = rule_clauses(rule(type="flatline", dimension="source"))
    assert {"term": {NEEDS_REVIEW_FIELD: True}} not in must_not
    flt, must_not = rule_clauses(rule(type="spike", dimension="sub_theme"))
    assert {"term": {NEEDS_REVIEW_FIELD: True}} in must_not and {"exists": {"field": "taxonomy.sub_theme"}} in flt


def test_unsure_abstained_and_low_confidence_units_are_not_confident():
    default = LabelPolicy()
    assert is_confident(doc(), default)
    assert not is_confident(doc(review=True), default)  # flagged for review by the taxonomy
    assert not is_confident(doc(sub=None), default)  # the taxonomy abstained: no sub-theme
    assert is_confident(doc(conf=0.5), default) and not is_confident(doc(conf=0.5), LabelPolicy(min_confidence=0.6))
    assert is_confident(doc(review=True), LabelPolicy(count_needs_review=True))
    assert is_confident({"taxonomy": {"sub_theme": ["x"]}}, LabelPolicy(min_confidence=0.6))  # written before confidence existed
    _, must_not = confident_clauses(LabelPolicy(min_confidence=0.6))
    assert {"range": {CONFIDENCE_FIELD: {"lt": 0.6}}} in must_not


def test_rule_files_set_the_confidence_floor_and_name_a_bad_value():
    r = rule(type="spike", dimension="sub_theme", min_confidence=0.6, count_needs_review=True)
    assert r.min_confidence == 0.6 and r.count_needs_review
    assert rule(type="spike", dimension="sub_theme").min_confidence is None
    with pytest.raises(RuleError, match="test.yaml: field 'min_confidence'"):
        rule(type="spike", dimension="sub_theme", min_confidence="high")
    with pytest.raises(RuleError, match="test.yaml: field 'count_needs_review': expected true or false"):
        rule(type="spike", dimension="sub_theme", count_needs_review="no")


# ----------------------------------------------------------------------------- on the real node

AT = datetime(2026, 8, 20, tzinfo=timezone.utc)


def unsure(docs, conf=0.3, review=True):
    for d in docs:
        d["taxonomy"].update(confidence=conf, needs_review=review)
    return docs


def sure(docs, conf=0.9):
    for d in docs:
        d["taxonomy"].update(confidence=conf, needs_review=False)
    return docs


@pytest.fixture(scope="module")
def settings(es, base_settings):
    yield from scratch_settings(es, base_settings)


@pytest.fixture(scope="module")
def history(es, settings):
    """acme's cancellations: ~7 a day that are really about cancelling, ~100 a day of off-topic
    chatter the taxonomy put there unsure, then 57 real ones. Refunds: a burst of 80 unsure units."""
    kw = dict(theme="travel", account_id="acme")
    docs = sure(series("cancel my booking", AT, [7, 6, 8, 7, 7, 6, 8, 57], sub_theme="cancellation", **kw))
    docs += unsure(series("lol nice weather", AT, [100, 95, 104, 98, 101, 99, 103, 100], sub_theme="cancellation", **kw))
    docs += sure(series("where is my refund", AT, [5, 4, 6, 5, 5, 4, 6, 5], sub_theme="refund", **kw))
    docs += unsure(series("random", AT, [0, 1, 0, 0, 1, 0, 0, 80], sub_theme="refund", **kw))
    # a month later, elsewhere: seats complaints the taxonomy gave 0.5 (not flagged for review)
    docs += sure(series("my seat", AT + timedelta(days=30), [2] * 7 + [2], sub_theme="seating", **kw))
    docs += unsure(series("my seat?", AT + timedelta(days=30), [3] * 7 + [40], sub_theme="seating", **kw), conf=0.5, review=False)
    index_units(es, settings.indices, docs)


SPIKE = dict(type="spike", dimension=["sub_theme", "account"], min_count=8, min_ratio=2.5, threshold=0.0001)


def test_a_real_spike_is_caught_when_unsure_units_are_left_out_of_the_baseline(es, settings, history):
    found = evaluate_rule(es, settings.indices, rule(**SPIKE), AT)
    assert [(f.dimension["sub_theme"], f.observed) for f in found] == [("cancellation", 57)]
    assert 6 < found[0].expected < 8
    # the evidence behind the alert is the units it counted: confident ones only
    n = es.count(index=settings.indices.feedback, query={"bool": {"filter": found[0].clauses, "must_not": found[0].must_not}})
    assert n["count"] == 7 + 6 + 8 + 7 + 7 + 6 + 8 + 57


def test_counting_unsure_labels_hides_the_spike_and_raises_a_false_one(es, settings, history):
    # what happened before: ~107 a day of baseline masks 57 real ones; 80 noisy refunds "spike"
    found = evaluate_rule(es, settings.indices, rule(**SPIKE, count_needs_review=True), AT)
    assert [f.dimension["sub_theme"] for f in found] == ["refund"]


def test_a_confidence_floor_leaves_out_units_under_it(es, settings, history):
    later = AT + timedelta(days=30)
    assert [f.dimension["sub_theme"] for f in evaluate_rule(es, settings.indices, rule(**SPIKE), later)] == ["seating"]
    assert evaluate_rule(es, settings.indices, rule(**SPIKE, min_confidence=0.6), later) == []
