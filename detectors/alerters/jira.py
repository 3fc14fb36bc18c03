"""Jira: create an issue with POST /rest/api/2/issue; the new issue key becomes the alert's
external_ticket. Auth: basic `user` + token from `token_env` (Jira Cloud API token)."""
from __future__ import annotations

import requests

from .common import links, secret, summary_lines


def issue(alert: dict, evidence: list, config: dict) -> dict:
    cites = "\n".join(f"* {e.get('text', '')[:200]} ({e.get('account') or e.get('source')}, {e.get('unit_id')})" for e in evidence[:10])
    description = "\n".join(summary_lines(alert)) + "\n\nEvidence:\n" + cites + "\n\n" + "\n".join(links(alert))
    fields = {
        "project": {"key": config["project"]},
        "summary": str(alert.get("title"))[:250],
        "description": description,
        "issuetype": {"name": config.get("issue_type", "Bug")},
        "labels": ["voxindex", str(alert.get("rule"))],
    }
    fields.update(config.get("fields") or {})
    return {"fields": fields}


def send(alert: dict, evidence: list, config: dict) -> str:
    token = secret(config, "token")
    auth = (config["user"], token) if config.get("user") and token else None
    resp = requests.post(config["url"].rstrip("/") + "/rest/api/2/issue", json=issue(alert, evidence, config),
                         auth=auth, timeout=float(config.get("timeout", 10)))
    resp.raise_for_status()
    return resp.json().get("key", f"HTTP {resp.status_code}")
