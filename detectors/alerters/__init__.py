"""Alerters: generic JSON webhook, Slack incoming webhook, email over SMTP, Jira issue.

Each alerter is `send(alert, evidence, config) -> str` (a short receipt) and raises on failure.
`dispatch` tries each configured alerter with retries and exponential backoff, and records every
outcome in the alert's `deliveries`; a delivery that still failed is retried by the next
detector run (`retry_failed`), so nothing is lost when a receiver is down."""
from __future__ import annotations

import logging
import time
from dataclasses import dataclass
from typing import Any, Callable

from voxindex.model import iso, stable_id, utcnow

from . import email, jira, slack, webhook

log = logging.getLogger("voxindex.alerters")


@dataclass(frozen=True)
class Alerter:
    """One way to deliver an alert. `required`: config keys a rule must give (validated when the
    rule file loads); `target`: where it delivers, recorded with each delivery."""

    name: str
    send: Callable[[dict, list, dict], str]
    required: tuple[str, ...]
    target: Callable[[dict], str]


def _url(config: dict) -> str:
    return str(config.get("url") or config.get("webhook_url"))


# the one registry of alerters: rule validation, dispatch and the docs read it
ALERTERS: dict[str, Alerter] = {a.name: a for a in (
    Alerter("webhook", webhook.send, ("url",), _url),
    Alerter("slack", slack.send, ("webhook_url",), _url),
    Alerter("email", email.send, ("host", "to"),
            lambda c: f"smtp://{c.get('host')}:{c.get('port', 25)} -> {c.get('to')}"),
    Alerter("jira", jira.send, ("url", "project"), lambda c: f"{c.get('url')} project {c.get('project')}"),
)}


def required_keys(kind: str) -> tuple[str, ...]:
    return ALERTERS[kind].required if kind in ALERTERS else ()


def target_of(config: dict) -> str:
    alerter = ALERTERS.get(config.get("type"))
    return alerter.target(config) if alerter else _url(config)


def send_with_retry(alert: dict, evidence: list, config: dict, retries: int = 3, backoff: float = 0.5) -> tuple[bool, int, str]:
    """(ok, attempts, receipt or last error). Backoff doubles: 0.5s, 1s, 2s by default."""
    retries = int(config.get("retries", retries))
    backoff = float(config.get("backoff", backoff))
    last = ""
    for attempt in range(1, retries + 1):
        try:
            return True, attempt, ALERTERS[config["type"]].send(alert, evidence, config)
        except Exception as exc:  # any failure is recorded, never raised into the detector loop
            last = f"{type(exc).__name__}: {exc}"[:500]
            log.warning("alerter %s attempt %d/%d failed: %s", config.get("type"), attempt, retries, last)
            if attempt < retries:
                time.sleep(backoff * 2 ** (attempt - 1))
    return False, retries, last


def _record(entry: dict, ok: bool, attempts: int, detail: str) -> dict:
    now = iso(utcnow())
    entry["attempts"] = entry.get("attempts", 0) + attempts
    entry["last_try"] = now
    entry.setdefault("first_try", now)
    entry["status"] = "delivered" if ok else "failed"
    if ok:
        entry["receipt"] = detail
        entry.pop("last_error", None)
    else:
        entry["last_error"] = detail
    return entry


def dispatch(alert: dict, evidence: list, configs: list[dict], **kw: Any) -> list[dict]:
    """Deliver a (new) alert to every configured alerter; appends to alert['deliveries']."""
    deliveries = alert.setdefault("deliveries", [])
    for i, config in enumerate(configs):
        entry = {"id": stable_id(alert["alert_id"], i, config.get("type"), target_of(config)),
                 "type": config["type"], "target": target_of(config), "config": config}
        ok, attempts, detail = send_with_retry(alert, evidence, config, **kw)
        deliveries.append(_record(entry, ok, attempts, detail))
        _after_send(alert, config, ok, detail)
    return deliveries


def retry_failed(alert: dict, evidence: list, **kw: Any) -> int:
    """Retry this alert's failed deliveries in place; returns how many now succeeded."""
    fixed = 0
    for entry in alert.get("deliveries") or []:
        if entry.get("status") != "failed":
            continue
        ok, attempts, detail = send_with_retry(alert, evidence, entry["config"], **kw)
        _record(entry, ok, attempts, detail)
        _after_send(alert, entry["config"], ok, detail)
        fixed += ok
    return fixed


def _after_send(alert: dict, config: dict, ok: bool, detail: str) -> None:
    # a Jira issue key is the alert's external ticket
    if ok and config.get("type") == "jira" and detail and not alert.get("external_ticket"):
        alert["external_ticket"] = detail
