"""The backtest replays rules day by day and scores them against ground_truth/incidents.json:
recall, false alarms per simulated week, detection delay per incident. Also: `detectors run
--once --at` evaluates the shipped-style rules and writes alerts."""
import json
from datetime import datetime, timedelta, timezone

import pytest

from detectors.backtest import format_report, matches, run_backtest
from detectors.rules import parse_rule
from detectors.synthetic import index_units, scratch_settings, series
from voxindex.cli import main

END = datetime(2026, 11, 1, tzinfo=timezone.utc)


@pytest.fixture(scope="module")
def settings(es, base_settings):
    yield from scratch_settings(es, base_settings)


@pytest.fixture(scope="module")
def history(es, settings):
    days = [3] * 20 + [3, 14, 16, 12] + [3] * 6  # an EU double-charge incident on days 21-24
    docs = series("charged twice", END, days, theme="billing", sub_theme="double-charge", region="EU")
    docs += series("charged twice", END, [3] * 30, theme="billing", sub_theme="double-charge", region="NA")
    docs += series("it crashes", END, [4] * 30, theme="reliability", sub_theme="crash", region="NA")
    index_units(es, settings.indices, docs)
    return END - timedelta(days=9)  # incident start (the burst begins on day 21 of 30)


def test_backtest_reports_recall_false_alarms_and_delay(es, settings, history, tmp_path):
    start = history
    (tmp_path / "ground_truth").mkdir()
    (tmp_path / "ground_truth" / "incidents.json").write_text(json.dumps([
        {"id": "inc-eu", "start": start.isoformat(), "end": (start + timedelta(days=4)).isoformat(), "theme": "billing",
         "sub_theme": "double-charge", "filters": {"region": "EU"}, "kind": "spike"},
        {"id": "inc-missed", "start": start.isoformat(), "end": (start + timedelta(days=4)).isoformat(),
         "theme": "access", "sub_theme": "login-sso", "filters": {}, "kind": "spike"}]))
    rules = [parse_rule({"type": "spike", "dimension": ["sub_theme", "region"], "min_count": 6, "min_ratio": 2.5,
                         "threshold": 0.0001}, "r.yaml", "region_spike")]
    report = run_backtest(es, settings, rules, data_dir=tmp_path, start=(END - timedelta(days=20)).isoformat(),
                          end=END.isoformat(), step="12h", progress=False)
    by_id = {p["id"]: p for p in report["incidents"]}
    assert by_id["inc-eu"]["detected"] and 0 < by_id["inc-eu"]["delay_hours"] <= 24
    assert not by_id["inc-missed"]["detected"] and report["recall"] == 0.5
    assert report["false_alarms"] == 0 and report["false_alarms_per_week"] == 0
    text = format_report(report)
    assert "inc-eu" in text and "recall 0.5" in text
    # the scratch alerts index is gone, the real one untouched
    assert not [i for i in es.indices.get(index=f"{settings.index_prefix}-*") if "backtest" in i]


def test_an_alert_for_another_app_version_does_not_match_the_incident():
    inc = {"theme": "reliability", "sub_theme": "sync-failure", "filters": {"app_version": "4.8.2"},
           "_start": END, "_end": END + timedelta(days=3)}
    alert = {"dimension": {"by": {"sub_theme": "sync-failure", "app_version": "4.9.0"}, "filters": {}},
             "window_start": END.isoformat(), "last_seen": END.isoformat()}
    assert not matches(alert, inc)
    alert["dimension"]["by"]["app_version"] = "4.8.2"
    assert matches(alert, inc)


def test_run_once_at_a_time_writes_alerts_and_prints_them(es, settings, history, tmp_path, monkeypatch, capsys):
    (tmp_path / "spike.yaml").write_text("type: spike\ndimension: [sub_theme, region]\nmin_count: 6\nrealert: 1d\n")
    (tmp_path / "routing.yaml").write_text("routes: {sub_theme: {double-charge: payments}}\n")
    monkeypatch.setenv("VOXINDEX_INDEX_PREFIX", settings.index_prefix)
    at = (history + timedelta(days=2)).isoformat()
    assert main(["detectors", "run", "--once", "--at", at, "--rules", str(tmp_path)]) == 0
    out = capsys.readouterr().out
    assert "NEW" in out and "double-charge" in out and "owner=payments" in out
