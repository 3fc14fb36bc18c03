"""`voxindex detectors run` without --once is the scheduler: every enabled rule on its own interval
or cron (first run at start), a disabled rule not at all, failed deliveries retried every 5
minutes; and a scheduled job really evaluates its rule and writes the alert."""
from __future__ import annotations

from datetime import timedelta

import pytest
from apscheduler.schedulers.blocking import BlockingScheduler
from apscheduler.triggers.cron import CronTrigger
from apscheduler.triggers.interval import IntervalTrigger

from detectors.synthetic import index_units, scratch_settings, series
from voxindex.cli import main
from voxindex.model import utcnow

RULES = {
    "every_ten_minutes.yaml": "type: spike\ndimension: sub_theme\nmin_count: 5\nschedule: 10m\nrealert: 1d\n",
    "daily_at_six.yaml": "type: spike\ndimension: sub_theme\nmin_count: 5\nschedule: {cron: '0 6 * * *'}\n",
    "switched_off.yaml": "type: spike\nenabled: false\n",
}


@pytest.fixture(scope="module")
def settings(es, base_settings):
    yield from scratch_settings(es, base_settings)


def test_run_without_once_schedules_each_enabled_rule_and_its_job_writes_alerts(es, settings, tmp_path, monkeypatch):
    for name, text in RULES.items():
        (tmp_path / name).write_text(text)
    # a week of quiet, then a burst in the last day: a spike as of now
    index_units(es, settings.indices, series("charged twice", utcnow(), [2, 3, 2, 2, 3, 2, 2, 15], theme="billing",
                                             sub_theme="double-charge", region="EU", account_id="acc_a", arr=1000.0))
    monkeypatch.setenv("VOXINDEX_INDEX_PREFIX", settings.index_prefix)
    jobs = {}

    def start(self):  # instead of blocking until Ctrl-C: keep the jobs, run each rule's job once
        jobs.update({job.id: job for job in self.get_jobs()})

    monkeypatch.setattr(BlockingScheduler, "start", start)
    assert main(["detectors", "run", "--rules", str(tmp_path), "--no-notify"]) == 0

    assert set(jobs) == {"every_ten_minutes", "daily_at_six", "retry-deliveries"}
    ten, six, retry = jobs["every_ten_minutes"].trigger, jobs["daily_at_six"].trigger, jobs["retry-deliveries"].trigger
    assert isinstance(ten, IntervalTrigger) and ten.interval == timedelta(minutes=10)
    assert isinstance(six, CronTrigger) and str(six.fields[5]) == "6" and str(six.fields[6]) == "0"  # hour, minute
    assert isinstance(retry, IntervalTrigger) and retry.interval == timedelta(minutes=5)
    assert jobs["every_ten_minutes"].max_instances == 1 and jobs["every_ten_minutes"].coalesce

    job = jobs["every_ten_minutes"]
    job.func(*job.args, **job.kwargs)
    es.indices.refresh(index=settings.indices.alerts)
    alerts = [h["_source"] for h in es.search(index=settings.indices.alerts, size=10)["hits"]["hits"]]
    assert [(a["rule"], a["sub_theme"], a["state"]) for a in alerts] == [("every_ten_minutes", "double-charge", "open")]


def test_at_without_once_is_refused(settings, tmp_path, monkeypatch, capsys):
    (tmp_path / "r.yaml").write_text(RULES["every_ten_minutes.yaml"])
    monkeypatch.setenv("VOXINDEX_INDEX_PREFIX", settings.index_prefix)
    started = []
    monkeypatch.setattr(BlockingScheduler, "start", lambda self: started.append(True))
    assert main(["detectors", "run", "--rules", str(tmp_path), "--at", "2026-09-01T00:00:00Z"]) != 0
    assert "--at only makes sense with --once" in capsys.readouterr().err
    assert not started
