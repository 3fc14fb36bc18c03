"""Alert lifecycle: the same condition within its realert window grows one alert instead of
paging again; owners come from routing.yaml; states move only along allowed transitions."""
from datetime import datetime, timedelta, timezone

import pytest

from detectors import lifecycle
from detectors.lifecycle import Routing, get_alert, list_alerts, transition
from detectors.rules import parse_rule
from detectors.runner import run_once
from detectors.synthetic import index_units, scratch_settings, series

AT = datetime(2026, 5, 10, tzinfo=timezone.utc)
ROUTING = Routing(routes={"sub_theme": {"double-charge": "team-payments"}, "theme": {"billing": "team-billing"}},
                  default="triage")


@pytest.fixture(scope="module")
def settings(es, base_settings):
    yield from scratch_settings(es, base_settings)


@pytest.fixture(scope="module")
def spike_rule():
    return parse_rule({"type": "spike", "dimension": ["sub_theme", "region"], "min_count": 5, "realert": "1d"},
                      "spike.yaml", "eu_spike")


@pytest.fixture(scope="module")
def data(es, settings):
    docs = series("charged twice", AT, [2, 3, 2, 2, 3, 2, 2, 15], theme="billing", sub_theme="double-charge",
                  region="EU", account_id="acc_a", arr=120000.0, severity="high")
    docs += series("charged twice", AT + timedelta(days=1), [20], theme="billing", sub_theme="double-charge",
                   region="EU", account_id="acc_b", arr=30000.0)
    index_units(es, settings.indices, docs)


def test_same_condition_within_realert_grows_one_alert_then_a_new_one_after(es, settings, spike_rule, data):
    first = run_once(es, settings, [spike_rule], AT, routing=ROUTING)
    assert len(first.created) == 1 and not first.grown
    alert = first.created[0]
    assert alert["owner"] == "team-payments" and alert["state"] == "open"
    assert alert["impact"]["accounts"] == 1 and alert["impact"]["arr"] == 120000.0 and alert["impact"]["severity"] == 0.75
    assert alert["unit_ids"] and alert["why"].startswith("15 units") and len(alert["link"]) == 2

    later = run_once(es, settings, [spike_rule], AT + timedelta(hours=20), routing=ROUTING)
    assert not later.created and [a["alert_id"] for a in later.grown] == [alert["alert_id"]]
    grown = get_alert(es, settings.indices, alert["alert_id"])
    assert grown["last_seen"] > alert["last_seen"] and grown["impact"]["accounts"] == 2
    assert grown["impact"]["arr"] == 150000.0 and grown["unit_count"] >= 30
    assert [h["action"] for h in grown["history"]] == ["detected", "grown"]

    # the spike is still there three days later but the alert was last seen > 1d ago: a new alert
    index_units(es, settings.indices, series("charged twice", AT + timedelta(days=4), [25], theme="billing",
                                             sub_theme="double-charge", region="EU", account_id="acc_c", arr=1.0))
    again = run_once(es, settings, [spike_rule], AT + timedelta(days=4), routing=ROUTING)
    assert len(again.created) == 1 and again.created[0]["alert_id"] != alert["alert_id"]


def test_states_move_along_allowed_transitions_with_stage_times_and_history(es, settings, spike_rule, data):
    names = settings.indices
    alert = list_alerts(es, names, state="open")[0]
    aid = alert["alert_id"]
    with pytest.raises(ValueError, match="cannot validate an alert that is open"):
        transition(es, names, aid, "validate", "dana")
    with pytest.raises(ValueError, match="assign needs an assignee"):
        transition(es, names, aid, "assign", "dana")
    with pytest.raises(ValueError, match="unknown action"):
        transition(es, names, aid, "explode", "dana")
    assert transition(es, names, aid, "ack", "dana")["state"] == "acknowledged"
    assert transition(es, names, aid, "assign", "dana", assignee="lee")["assignee"] == "lee"
    fixed = transition(es, names, aid, "fix", "lee", note="hotfix 4.8.3", external_ticket="PAY-7")
    assert fixed["state"] == "resolved" and fixed["external_ticket"] == "PAY-7"
    assert {"detected", "acknowledged", "assigned", "fixed", "resolved"} <= set(fixed["stages"])
    assert transition(es, names, aid, "validate", "dana")["state"] == "validated"
    assert transition(es, names, aid, "reopen", "dana")["state"] == "open"
    silenced = transition(es, names, aid, "silence", "dana", note="3d waiting for the release")
    assert silenced["silenced_until"] > (datetime.now(timezone.utc) + timedelta(days=2)).isoformat()
    assert [h["action"] for h in get_alert(es, names, aid)["history"]][-6:] == ["ack", "assign", "fix", "validate", "reopen", "silence"]
    assert list_alerts(es, names, owner="team-payments") and not list_alerts(es, names, owner="nobody")
    with pytest.raises(lifecycle.AlertNotFound):
        transition(es, names, "nope", "ack", "dana")


def test_routing_file_picks_the_most_specific_owner(tmp_path):
    path = tmp_path / "routing.yaml"
    path.write_text("routes:\n  theme: {billing: payments}\n  sub_theme: {double-charge: payments-core}\ndefault: triage\n")
    routing = lifecycle.load_routing(path)
    assert routing.owner_for({"sub_theme": "double-charge"}, {"theme": "billing"}) == "payments-core"
    assert routing.owner_for({"theme": "billing"}) == "payments"
    assert routing.owner_for({"source": "zendesk"}) == "triage"
