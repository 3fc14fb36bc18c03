"""The audit trail: one document per API or web-view request (which key, role, from where, what,
status, every unit returned). Free-text params (`q`, `note`) are stored with PII redacted."""
from __future__ import annotations

import logging
import re
import threading
from datetime import datetime, timezone
from typing import Any

from elasticsearch import BadRequestError, Elasticsearch

from voxindex.config import IndexNames

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
_redactor_ready = threading.Event()
_redactor: list = []
# the fallback when the PII stage is not installed: long digit runs (cards, phones) and emails
_DIGITS = re.compile(r"(?:\d[ \-.]?){7,}\d")
_EMAIL = re.compile(r"[\w.+-]+@[\w-]+(?:\.[\w-]+)+")


def _load_redactor() -> None:
    try:
        from indexer.enrich.pii import redact_text

        redact_text("warm up")
        _redactor.append(redact_text)
    except Exception:  # not installed, or its model is missing: the regex fallback below
        log.warning("PII redaction for audit records falls back to digits/emails only", exc_info=True)
    finally:
        _redactor_ready.set()


def warm_redactor() -> None:
    """Load the PII recognizers in the background, so the first audited search does not wait for them."""
    if not _redactor_ready.is_set() and not getattr(warm_redactor, "started", False):
        warm_redactor.started = True  # type: ignore[attr-defined]
        threading.Thread(target=_load_redactor, name="audit-pii-warmup", daemon=True).start()


def redact_free_text(text: str) -> str:
    """`indexer.enrich.pii.redact_text` (the index's own redaction), then the regex net on top."""
    warm_redactor()
    _redactor_ready.wait(timeout=120)
    if _redactor:
        try:
            text = _redactor[0](text)[0]
        except Exception:
            log.exception("PII redaction of an audit param failed; using the fallback")
    return _EMAIL.sub("<EMAIL_ADDRESS>", _DIGITS.sub("<NUMBER>", text))


def audit_doc(actor: str, role: str | None, method: str, path: str, params: dict, status: int,
              unit_ids: list[str], action: str | None = None, target: str | None = None,
              detail: str | None = None, client: str | None = None, key_name: str | None = None) -> dict:
    params = {k: (redact_free_text(v) if k in FREE_TEXT and isinstance(v, str) else v) for k, v in params.items()}
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
