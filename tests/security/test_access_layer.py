"""The access layer's decisions as pure functions: one field table, scope checks on what an alert was
built from, revenue-free alert text, and link targets that are only ever http(s)."""
from __future__ import annotations

from dataclasses import dataclass

import pytest

from voxindex.access import AccessDenied, Filters, check_params, safe_url, scoped_query
from voxindex.access import alerts as alert_access


@dataclass(frozen=True)
class Caller:
    role: str = "viewer"
    sources: tuple[str, ...] = ()
    segments: tuple[str, ...] = ()
    key_id: str = "k1"
    name: str = "k"


def test_every_builder_maps_account_to_the_same_field():
    from dashboards.filters import TERM_FILTERS
    from detectors.fields import es_field
    from search_api.query import FILTER_FIELDS

    assert TERM_FILTERS["account"] == FILTER_FIELDS["account"] == es_field("account") == "account_id"
    assert TERM_FILTERS == FILTER_FIELDS


def test_scoped_query_always_carries_the_scope_and_refuses_viewer_revenue_filters():
    q = scoped_query(Filters(theme=("billing",)), Caller(sources=("zendesk",)))
    assert {"terms": {"source": ["zendesk"]}} in q["bool"]["filter"]
    with pytest.raises(AccessDenied) as exc:
        scoped_query(Filters(min_arr=1.0), Caller())
    assert exc.value.param == "min_arr"
    check_params(Caller(role="analyst"), {"min_arr": 1.0})  # analysts may


@pytest.mark.parametrize("dimension, visible", [
    ({"by": {"source": "zendesk"}, "filters": {}}, True),
    ({"by": {"theme": "billing"}, "filters": {"source": ["zendesk"]}}, True),
    ({"by": {"theme": "billing"}, "filters": {"source": ["zendesk", "appstore"]}}, False),
    ({"by": {"theme": "billing"}, "filters": {}}, False),  # built from every source
    ({"source": "zendesk"}, True),  # the older flat shape
])
def test_a_scoped_key_sees_an_alert_only_when_its_evidence_is_inside_the_scope(dimension, visible):
    assert alert_access.in_scope({"dimension": dimension}, Caller(sources=("zendesk",))) is visible
    assert alert_access.in_scope({"dimension": dimension}, Caller()) is True


def test_viewer_alert_text_is_rendered_from_structured_fields():
    alert = {"why": "7 units from an account with ARR 255,800", "observed": 7.0, "expected": 0.0,
             "window_start": "2026-11-01T00:00:00Z", "window_end": "2026-11-15T00:00:00Z",
             "dimension": {"by": {"account": "acc_1"}, "filters": {}}, "impact": {"score": 61.27, "arr": 255800.0},
             "history": [{"action": "detected", "actor": "detector"},
                         {"action": "ack", "actor": "lee", "note": "their ARR is $255,800, call them"}]}
    shown = alert_access.render(alert, Caller())
    assert "255" not in str(shown) and shown["impact"] == {"score": 60}
    assert shown["why"].startswith("7 units") and "account=acc_1" in shown["why"]
    assert shown["history"][0]["note"] == shown["why"]
    analyst = alert_access.render(alert, Caller(role="analyst"))
    assert analyst["why"] == alert["why"] and analyst["history"][0]["note"] == alert["why"]


@pytest.mark.parametrize("url, ok", [
    ("https://support.example.com/t/1", True), ("http://x.example/a?b=c", True),
    ("javascript:alert(1)", False), (" JavaScript:alert(1)", False), ("data:text/html,<script>", False),
    ("//evil.example/x", False), ("vbscript:msgbox", False), ("", False), (None, False),
])
def test_only_http_links_are_ever_rendered(url, ok):
    assert (safe_url(url) is not None) is ok
