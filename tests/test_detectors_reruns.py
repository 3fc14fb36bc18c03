"""Re-runs are safe: evaluating the detectors again as of the same time on unchanged data adds
nothing to any alert and says so; an alert grows only when its evidence grows."""
from datetime import datetime, timedelta, timezone

import pytest

from detectors.lifecycle import evidence_grew, get_alert
from detectors.rules import parse_rule
from detectors.runner import RunResult, run_once
from detectors.synthetic import index_units, scratch_settings, series
from voxindex.cli import main

# ----------------------------------------------------------------------------- the decision, no Elasticsearch

ALERT = {"unit_ids": ["u1", "u2"], "unit_count": 15}


def test_the_same_evidence_does_not_grow_an_alert():
    assert not evidence_grew(ALERT, [], 15)
    assert not evidence_grew(ALERT, ["u2"], 15)
    assert not evidence_grew(ALERT, [], 12)  # fewer (relabelled away) is not growth either


def test_more_units_or_named_units_not_yet_recorded_grow_it():
    assert evidence_grew(ALERT, [], 16)
    assert evidence_grew(ALERT, ["u3"], 15)  # a watch's unit
    assert evidence_grew({}, [], 1)


def test_the_run_summary_says_when_nothing_changed():
    assert RunResult(at=None, unchanged=[{}] * 13).summary() == "0 new, 0 grown, 13 unchanged — no change"
    assert RunResult(at=None, grown=[{}], unchanged=[{}]).summary() == "0 new, 1 grown, 1 unchanged"


# ----------------------------------------------------------------------------- on the real node

AT = datetime(2026, 9, 10, tzinfo=timezone.utc)


@pytest.fixture(scope="module")
def settings(es, base_settings):
    yield from scratch_settings(es, base_settings)


@pytest.fixture(scope="module")
def rules():
    return [parse_rule({"type": "spike", "dimension": ["sub_theme", "region"], "min_count": 5}, "a.yaml", "eu_spike"),
            parse_rule({"type": "spike", "dimension": "sub_theme", "min_count": 5}, "b.yaml", "sub_spike")]


@pytest.fixture(scope="module")
def data(es, settings):
    docs = series("charged twice", AT, [2, 3, 2, 2, 3, 2, 2, 15], theme="billing", sub_theme="double-charge", region="EU")
    docs += series("it crashes", AT, [3] * 7 + [3], theme="reliability", sub_theme="crash", region="NA")
    index_units(es, settings.indices, docs)


def test_running_twice_as_of_the_same_time_changes_nothing(es, settings, rules, data):
    first = run_once(es, settings, rules, AT, notify=False)
    assert len(first.created) == 2 and not first.grown
    second = run_once(es, settings, rules, AT, notify=False)
    assert (len(second.created), len(second.grown), len(second.unchanged)) == (0, 0, 2)
    assert second.summary() == "0 new, 0 grown, 2 unchanged — no change"
    for alert in first.created:
        stored = get_alert(es, settings.indices, alert["alert_id"])
        assert [h["action"] for h in stored["history"]] == ["detected"]
        assert stored["unit_count"] == alert["unit_count"] and stored["last_seen"] == alert["last_seen"]

    # new evidence (five more double charges in the window) grows exactly the alerts it belongs to
    index_units(es, settings.indices, series("charged twice again", AT + timedelta(hours=2), [5], theme="billing",
                                             sub_theme="double-charge", region="EU"))
    later = run_once(es, settings, rules, AT + timedelta(hours=2), notify=False)
    assert not later.created and len(later.grown) == 2
    assert all(a["history"][-1]["action"] == "grown" and a["unit_count"] == 20 for a in later.grown)


def test_the_cli_says_no_change_on_a_re_run(es, settings, rules, data, tmp_path, monkeypatch, capsys):
    for r in rules:
        (tmp_path / f"{r.name}.yaml").write_text(f"type: spike\ndimension: {r.dimension}\nmin_count: 5\n")
    monkeypatch.setenv("VOXINDEX_INDEX_PREFIX", settings.index_prefix)
    at = (AT + timedelta(hours=3)).isoformat()
    argv = ["detectors", "run", "--once", "--at", at, "--rules", str(tmp_path), "--no-notify"]
    assert main(argv) == 0
    capsys.readouterr()
    assert main(argv) == 0
    err = capsys.readouterr().err
    assert "0 new, 0 grown, 2 unchanged — no change" in err
