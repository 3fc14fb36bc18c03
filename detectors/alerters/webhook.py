"""Generic JSON webhook: POST the alert and its evidence as JSON."""
from __future__ import annotations

import requests

from .common import secret


def payload(alert: dict, evidence: list) -> dict:
    keep = ("alert_id", "dedup_key", "rule", "kind", "title", "why", "state", "owner", "dimension", "theme",
            "sub_theme", "impact", "observed", "expected", "unit_ids", "unit_count", "link", "first_seen",
            "last_seen", "window_start", "window_end")
    return {"alert": {k: alert.get(k) for k in keep}, "evidence": evidence}


def send(alert: dict, evidence: list, config: dict) -> str:
    headers = dict(config.get("headers") or {})
    token = secret(config, "token")
    if token:
        headers["Authorization"] = f"Bearer {token}"
    resp = requests.post(config["url"], json=payload(alert, evidence), headers=headers, timeout=float(config.get("timeout", 10)))
    resp.raise_for_status()
    return f"HTTP {resp.status_code}"
