"""The audit trail: one document per API request (who, role, what, status, units returned)."""
from __future__ import annotations

import logging
from datetime import datetime, timezone
from typing import Any

from elasticsearch import Elasticsearch

from voxindex.config import IndexNames

log = logging.getLogger("voxindex.audit")
MAX_VALUE = 512


def _clip(value: Any) -> Any:
    """Flattened fields hold keywords: keep params small and stringly typed."""
    if isinstance(value, dict):
        return {str(k)[:64]: _clip(v) for k, v in list(value.items())[:50]}
    if isinstance(value, (list, tuple)):
        return [_clip(v) for v in list(value)[:50]]
    if value is None:
        return None
    return str(value)[:MAX_VALUE]


def audit_doc(actor: str, role: str | None, method: str, path: str, params: dict, status: int,
              unit_ids: list[str], action: str | None = None, target: str | None = None,
              detail: str | None = None) -> dict:
    return {
        "at": datetime.now(timezone.utc).isoformat().replace("+00:00", "Z"),
        "actor": actor,
        "role": role,
        "action": action,
        "target": target,
        "method": method,
        "path": path[:1024],
        "status": status,
        "params": {k: v for k, v in _clip(params).items() if v not in (None, [], "")},
        "unit_ids": unit_ids[:500],
        "detail": detail,
    }


def write(es: Elasticsearch, names: IndexNames, doc: dict) -> None:
    # An audit failure must not turn a served answer into an error; it is logged loudly instead.
    try:
        es.index(index=names.write_alias("audit"), document=doc, require_alias=True)
    except Exception:  # pragma: no cover - depends on cluster state
        log.exception("could not write audit record for %s %s", doc.get("method"), doc.get("path"))
