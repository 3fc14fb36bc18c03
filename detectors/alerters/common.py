"""Shared helpers for alerter payloads."""
from __future__ import annotations

import os


def secret(config: dict, key: str) -> str | None:
    """A secret comes from the environment variable named by `<key>_env`, or inline `<key>`."""
    env = config.get(f"{key}_env")
    return os.environ.get(env) if env else config.get(key)


def summary_lines(alert: dict) -> list[str]:
    imp = alert.get("impact") or {}
    return [
        f"{alert.get('title')}",
        f"Why: {alert.get('why')}",
        f"Impact score {imp.get('score', 0):.0f}: {imp.get('accounts', 0)} accounts, ARR {imp.get('arr', 0):,.0f}, "
        f"severity {imp.get('severity', 0):.2f}, trajectory {imp.get('trajectory', 0):.2f}",
        f"Owner: {alert.get('owner') or 'unrouted'} | state {alert.get('state')} | rule {alert.get('rule')}",
    ]


def links(alert: dict) -> list[str]:
    link = alert.get("link") or []
    return [link] if isinstance(link, str) else list(link)
