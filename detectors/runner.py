"""Evaluate rules as of a time, turn findings into alerts, notify, and schedule it all.

`run_once` is what `voxindex detectors run --once [--at T]` and the backtest call;
`serve` wraps it in an APScheduler BlockingScheduler, each rule on its own interval or cron."""
from __future__ import annotations

import logging
from dataclasses import dataclass, field
from datetime import datetime
from pathlib import Path

from elasticsearch import Elasticsearch

from voxindex.config import IndexNames, Settings
from voxindex.model import utcnow

from . import lifecycle
from .alerters import dispatch, retry_failed
from .finding import Finding
from .impact import fetch_evidence
from .rule_types import RULE_TYPES
from .rules import ROUTING_FILE, Rule

log = logging.getLogger("voxindex.detectors")


@dataclass
class RunResult:
    at: datetime
    created: list[dict] = field(default_factory=list)
    grown: list[dict] = field(default_factory=list)
    unchanged: list[dict] = field(default_factory=list)  # seen again with no new evidence
    errors: list[str] = field(default_factory=list)
    retried: int = 0

    @property
    def alerts(self) -> list[dict]:
        return self.created + self.grown

    def summary(self) -> str:
        """One line for people and logs; a re-run on the same data says it changed nothing."""
        line = f"{len(self.created)} new, {len(self.grown)} grown, {len(self.unchanged)} unchanged"
        if not self.created and not self.grown:
            line += " — no change"
        return line


def evaluate_rule(es: Elasticsearch, names: IndexNames, rule: Rule, at: datetime) -> list[Finding]:
    """The rule type's fetch step (the queries) as of `at`, then its pure judge."""
    kind = RULE_TYPES[rule.type]
    return kind.judge(kind.fetch(es, names, rule, at), rule, at)


def run_once(es: Elasticsearch, settings: Settings, rules: list[Rule], at: datetime | None = None, *,
             routing: lifecycle.Routing | None = None, notify: bool = True, names: IndexNames | None = None,
             retry: bool = True) -> RunResult:
    """Evaluate every enabled rule as of `at` (default now), only on data created before `at`."""
    names = names or settings.indices
    at = at or utcnow()
    routing = routing or lifecycle.Routing()
    result = RunResult(at=at)
    if retry and notify:
        # deliveries that failed on earlier runs go first (new failures wait for the next run)
        result.retried = retry_failed_deliveries(es, names)
    for rule in rules:
        if not rule.enabled:
            continue
        try:
            findings = evaluate_rule(es, names, rule, at)
        except Exception as exc:  # one broken rule must not stop the others
            log.exception("rule %s failed", rule.name)
            result.errors.append(f"{rule.name}: {type(exc).__name__}: {exc}")
            continue
        for finding in findings:
            record(es, settings, names, rule, finding, at, routing, notify, result)
    return result


def record(es, settings, names, rule: Rule, finding: Finding, at: datetime, routing, notify: bool, result: RunResult) -> dict:
    owner = rule.owner or routing.owner_for(finding.dimension, finding.filters)
    sighting = lifecycle.record_sighting(es, names, finding, realert=rule.realert, now=at, owner=owner,
                                         top_n=rule.top_n, settings=settings)
    alert, evidence = sighting.alert, sighting.evidence
    created = sighting.outcome == lifecycle.NEW
    {lifecycle.NEW: result.created, lifecycle.GROWN: result.grown, lifecycle.UNCHANGED: result.unchanged}[sighting.outcome].append(alert)
    log.info("%s alert %s [%s] %s — %s (score %.0f)", sighting.outcome, alert["alert_id"], rule.name,
             alert["title"], alert["why"], alert["impact"]["score"])
    if created and notify and rule.alerts:
        muted = lifecycle.silenced_until(es, names, alert["dedup_key"], rule.name, at)
        if muted:
            alert["history"].append({"at": at.isoformat(), "action": "suppressed", "actor": "detector",
                                     "note": f"silenced until {muted}"})
        else:
            dispatch(alert, evidence, rule.alerts)
        lifecycle.save_deliveries(es, names, alert)
    return alert


def retry_failed_deliveries(es: Elasticsearch, names: IndexNames) -> int:
    """Deliveries that failed on an earlier run get another go now."""
    fixed = 0
    for alert in lifecycle.alerts_with_failed_deliveries(es, names):
        fixed += retry_failed(alert, fetch_evidence(es, names, alert.get("unit_ids") or []))
        lifecycle.save_deliveries(es, names, alert)
    return fixed


def load_routing_for(rules_dir: Path | str) -> lifecycle.Routing:
    return lifecycle.load_routing(Path(rules_dir) / ROUTING_FILE)


def serve(es: Elasticsearch, settings: Settings, rules: list[Rule], routing: lifecycle.Routing, notify: bool = True) -> None:
    """Run forever: each rule on its own schedule (BlockingScheduler; Ctrl-C stops)."""
    from apscheduler.schedulers.blocking import BlockingScheduler
    from apscheduler.triggers.cron import CronTrigger
    from apscheduler.triggers.interval import IntervalTrigger

    scheduler = BlockingScheduler(timezone="UTC")
    for rule in rules:
        if not rule.enabled:
            continue
        trigger = (CronTrigger.from_crontab(rule.schedule.cron, timezone="UTC") if rule.schedule.cron
                   else IntervalTrigger(seconds=rule.schedule.interval.total_seconds()))
        scheduler.add_job(_job, trigger, args=(es, settings, rule, routing, notify), id=rule.name, name=rule.name,
                          max_instances=1, coalesce=True, next_run_time=utcnow())
        log.info("scheduled %s (%s) %s", rule.name, rule.type, rule.schedule.describe())
    scheduler.add_job(retry_failed_deliveries, IntervalTrigger(minutes=5), args=(es, settings.indices), id="retry-deliveries")
    scheduler.start()


def _job(es, settings, rule, routing, notify=True) -> None:
    res = run_once(es, settings, [rule], routing=routing, retry=False, notify=notify)
    log.info("%s: %s%s", rule.name, res.summary(), f", errors: {res.errors}" if res.errors else "")
