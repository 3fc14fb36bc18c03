"""Slack incoming webhook with Block Kit: title, why, impact fields, cited units, links."""
from __future__ import annotations

import requests

from .common import links


def blocks(alert: dict, evidence: list) -> list[dict]:
    imp = alert.get("impact") or {}
    out: list[dict] = [
        {"type": "header", "text": {"type": "plain_text", "text": str(alert.get("title"))[:150]}},
        {"type": "section", "text": {"type": "mrkdwn", "text": f"*Why:* {alert.get('why')}"}},
        {"type": "section", "fields": [
            {"type": "mrkdwn", "text": f"*Impact score*\n{imp.get('score', 0):.0f}"},
            {"type": "mrkdwn", "text": f"*Accounts / ARR*\n{imp.get('accounts', 0)} / {imp.get('arr', 0):,.0f}"},
            {"type": "mrkdwn", "text": f"*Owner*\n{alert.get('owner') or 'unrouted'}"},
            {"type": "mrkdwn", "text": f"*Rule*\n{alert.get('rule')}"},
        ]},
    ]
    if evidence:
        quotes = "\n".join(f"> {e.get('text', '')[:200]}\n_{e.get('account') or e.get('source')} · {e.get('created_at')} · {e.get('unit_id')}_"
                           for e in evidence[:5])
        out.append({"type": "section", "text": {"type": "mrkdwn", "text": f"*Evidence*\n{quotes}"[:2900]}})
    urls = links(alert)
    if urls:
        out.append({"type": "actions", "elements": [
            {"type": "button", "text": {"type": "plain_text", "text": label}, "url": url}
            for label, url in zip(("Open in Discover", "Open in VoxIndex"), urls)]})
    return out


def send(alert: dict, evidence: list, config: dict) -> str:
    body = {"text": f"{alert.get('title')}: {alert.get('why')}", "blocks": blocks(alert, evidence)}
    if config.get("channel"):
        body["channel"] = config["channel"]
    resp = requests.post(config["webhook_url"], json=body, timeout=float(config.get("timeout", 10)))
    resp.raise_for_status()
    return f"HTTP {resp.status_code}"
