"""Closing the loop: a fixed alert is validated when its theme's volume fell back to baseline and
reopened when it did not; every stage is timestamped and stage times are summarised."""
from __future__ import annotations

import random
from datetime import timedelta

from dashdata import alert_doc, index_alerts, index_units, make_unit

from detectors import lifecycle
from detectors.closed_loop import judge, stage_summary, ticket_url, validate_fixes
from voxindex.cli import main
from voxindex.model import utcnow


def _units(sub: str, start, days: int, per_day: int, seed: int):
    rng = random.Random(seed)
    return [make_unit(rng, start + timedelta(days=d, hours=1 + i), sub, n=seed * 10000 + d * 100 + i)
            for d in range(days) for i in range(per_day)]


def _fixed_alert(es, settings, alert_id: str, sub: str, detected, ticket: str) -> dict:
    names = settings.indices
    index_alerts(es, settings, [alert_doc(alert_id, "open", sub, detected)])
    lifecycle.transition(es, names, alert_id, "ack", actor="lead")
    lifecycle.transition(es, names, alert_id, "assign", actor="lead", assignee="li")
    return lifecycle.transition(es, names, alert_id, "fix", actor="li", external_ticket=ticket, note="shipped 4.8.3")


def test_fix_that_worked_is_validated_and_fix_that_did_not_is_reopened(es, settings):
    now = utcnow()
    detected = now - timedelta(days=3)
    window = 7
    # baseline: 2/day of each theme in the week before detection
    units = _units("slow-load", detected - timedelta(days=window), window, 2, 1)
    units += _units("crash", detected - timedelta(days=window), window, 2, 2)
    # after the fix (the fix is stamped "now"): slow-load back to 1/day, crash still 6/day
    units += _units("slow-load", now, window, 1, 3)
    units += _units("crash", now, window, 6, 4)
    index_units(es, settings, units)
    good = _fixed_alert(es, settings, "al-good", "slow-load", detected, "PERF-101")
    _fixed_alert(es, settings, "al-bad", "crash", detected, "https://jira.example.com/browse/MOB-9")
    assert good["state"] == "resolved" and good["external_ticket"] == "PERF-101"
    assert set(good["stages"]) >= {"detected", "acknowledged", "assigned", "fixed"}

    # before the post-fix window has elapsed nothing is judged
    early = validate_fixes(es, settings.indices, days=window, now=now + timedelta(days=2))
    assert {v.verdict for v in early} == {"pending"} and not any(v.applied for v in early)

    verdicts = {v.alert_id: v for v in validate_fixes(es, settings.indices, days=window, now=now + timedelta(days=window, hours=1))}
    assert verdicts["al-good"].verdict == "validated" and verdicts["al-good"].baseline_units == 14
    assert verdicts["al-good"].after_units == 7
    assert verdicts["al-bad"].verdict == "reopened" and verdicts["al-bad"].after_units == 42

    good_after = lifecycle.get_alert(es, settings.indices, "al-good")
    bad_after = lifecycle.get_alert(es, settings.indices, "al-bad")
    assert good_after["state"] == "validated" and "validated" in good_after["stages"]
    assert bad_after["state"] == "open" and "reopened" in bad_after["stages"]
    assert "closed-loop check" in bad_after["history"][-1]["note"]

    spans = {s.label: s for s in stage_summary([good_after, bad_after])}
    assert spans["detected → acknowledged"].alerts == 2
    assert spans["fixed → validated"].alerts == 1
    assert spans["feedback → fix"].median_hours > 24


def test_poisson_judgement_is_one_sided():
    assert judge(14, 14, 7, 7, 0.05)[0] == "validated"  # back to the normal level is a success
    assert judge(14, 0, 7, 7, 0.05)[0] == "validated"
    assert judge(14, 30, 7, 7, 0.05)[0] == "reopened"
    assert judge(0, 1, 7, 7, 0.05)[0] == "validated"  # one stray unit after a silent baseline is not a relapse


def test_ticket_links_from_jira_keys_and_urls():
    assert ticket_url("PERF-101", "https://jira.example.com") == "https://jira.example.com/browse/PERF-101"
    assert ticket_url("https://linear.app/x/1") == "https://linear.app/x/1"
    assert ticket_url(None) is None


def test_validate_fixes_command_dry_run(es, settings, monkeypatch, capsys):
    monkeypatch.setenv("VOXINDEX_INDEX_PREFIX", settings.index_prefix)
    _fixed_alert(es, settings, "al-cli", "crash", utcnow() - timedelta(days=1), "MOB-1")
    assert main(["detectors", "validate-fixes", "--dry-run", "--days", "7"]) == 0
    out = capsys.readouterr().out
    assert "al-cli" in out and "pending" in out
    assert lifecycle.get_alert(es, settings.indices, "al-cli")["state"] == "resolved"
