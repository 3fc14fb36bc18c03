"""The audit trail: one document per API or web-view request (which key, role, from where, what,
status, every unit returned). Free-text params (`q`, `note`) are stored with PII redacted."""
from __future__ import annotations

import logging
import re
from typing import Any

from elasticsearch import BadRequestError, Elasticsearch

from indexer.enrich.redact import redact_text
from voxindex.config import IndexNames
from voxindex.model import iso, utcnow

log = logging.getLogger("voxindex.audit")
MAX_VALUE = 512
NEW_FIELDS = {"client": {"type": "keyword"}, "key_name": {"type": "keyword"}}


def _clip(value: Any) -> Any:
    """Flattened fields hold keywords: keep params small and stringly typed."""
    if isinstance(value, dict):
        return {str(k)[:64]: _clip(v) for k, v in list(value.items())[:50]}
    if isinstance(value, (list, tuple)):
        return [_clip(v) for v in list(value)[:50]]
    if value is None:
        return None
    return str(value)[:MAX_VALUE]


FREE_TEXT = ("q", "note")
# a net under the redactor: long digit runs (cards, phones) and emails it did not recognise
_DIGITS = re.compile(r"(?:\d[ \-.]?){7,}\d")
_EMAIL = re.compile(r"[\w.+-]+@[\w-]+(?:\.[\w-]+)+")


def redact_free_text(text: str) -> str:
    """The index's own PII patterns (`indexer.enrich.redact`, presidio-free so it costs no model
    load in the API process), then the digits/email net on top."""
    return _EMAIL.sub("<EMAIL_ADDRESS>", _DIGITS.sub("<NUMBER>", redact_text(text)[0]))


def audit_doc(actor: str, role: str | None, method: str, path: str, params: dict, status: int,
              unit_ids: list[str], action: str | None = None, target: str | None = None,
              detail: str | None = None, client: str | None = None, key_name: str | None = None) -> dict:
    params = {k: (redact_free_text(v) if k in FREE_TEXT and isinstance(v, str) else v) for k, v in params.items()}
    return {
        "at": iso(utcnow()),
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
        "client": client,
        "key_name": key_name,
    }


def write(es: Elasticsearch, names: IndexNames, doc: dict) -> None:
    # An audit failure must not turn a served answer into an error; it is logged loudly instead.
    try:
        try:
            es.index(index=names.write_alias("audit"), document=doc, require_alias=True)
        except BadRequestError as exc:
            if "strict_dynamic_mapping" not in str(exc):
                raise
            # an audit index made before `client`/`key_name` existed: add them (additive) and retry
            es.indices.put_mapping(index=names.write_alias("audit"), properties=NEW_FIELDS)
            es.index(index=names.write_alias("audit"), document=doc, require_alias=True)
    except Exception:  # pragma: no cover - depends on cluster state
        log.exception("could not write audit record for %s %s", doc.get("method"), doc.get("path"))
