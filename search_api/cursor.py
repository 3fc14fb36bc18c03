"""Opaque, signed page cursors. A cursor is bound to the query it came from (a fingerprint of
the validated params), so it cannot be replayed against another query or forged to carry
arbitrary `search_after` values."""
from __future__ import annotations

import base64
import hashlib
import hmac
import json
from typing import Any

from .errors import bad_request

IGNORED = ("cursor", "size", "facets", "highlight")


def fingerprint(params: dict[str, Any]) -> str:
    stable = {k: (v.isoformat() if hasattr(v, "isoformat") else v) for k, v in sorted(params.items()) if k not in IGNORED}
    return hashlib.sha1(json.dumps(stable, sort_keys=True, default=str).encode()).hexdigest()[:16]


def encode(secret: bytes, payload: dict[str, Any]) -> str:
    raw = json.dumps(payload, separators=(",", ":"), sort_keys=True).encode()
    sig = hmac.new(secret, raw, hashlib.sha256).digest()[:12]
    return base64.urlsafe_b64encode(sig + raw).decode().rstrip("=")


def decode(secret: bytes, token: str, fp: str) -> dict[str, Any]:
    try:
        blob = base64.urlsafe_b64decode(token + "=" * (-len(token) % 4))
        sig, raw = blob[:12], blob[12:]
        ok = hmac.compare_digest(sig, hmac.new(secret, raw, hashlib.sha256).digest()[:12])
        payload = json.loads(raw) if ok else None
    except (ValueError, TypeError):
        payload = None
    if not isinstance(payload, dict):
        raise bad_request("cursor: not a cursor this server issued (or it expired with a restart)", "cursor")
    if payload.get("fp") != fp:
        raise bad_request("cursor: belongs to a different query; repeat the same parameters", "cursor")
    return payload
