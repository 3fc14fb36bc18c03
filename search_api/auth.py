"""API keys: roles, optional scopes, stored hashed in the `apikeys` index.

A key reads `vx_<key_id>_<secret>`. Only sha256(key_id:secret) is stored; the plaintext is
shown once. Verified keys are cached for a few seconds so a search does not pay an extra
Elasticsearch round trip; a revocation therefore takes effect within `CACHE_SECONDS`.
"""
from __future__ import annotations

import hashlib
import hmac
import secrets
import threading
import time
from dataclasses import dataclass, field

from elasticsearch import Elasticsearch, NotFoundError

from voxindex.config import IndexNames
from voxindex.model import iso, utcnow

from .spec import ROLES

CACHE_SECONDS = 10.0
KIND = "apikeys"


@dataclass(frozen=True)
class Principal:
    """Who is calling: the key's name and role, and the scopes every retrieval is filtered by."""

    key_id: str
    name: str
    role: str
    sources: tuple[str, ...] = ()
    segments: tuple[str, ...] = ()

    def allows(self, role: str | None) -> bool:
        return role is None or ROLES.index(self.role) >= ROLES.index(role)

    @property
    def sees_revenue(self) -> bool:
        """Viewers never see revenue or person-level fields."""
        return self.role != "viewer"


@dataclass
class KeyRecord:
    key_id: str
    name: str
    role: str
    sources: list[str] = field(default_factory=list)
    segments: list[str] = field(default_factory=list)
    created_at: str | None = None
    created_by: str | None = None
    revoked: bool = False
    revoked_at: str | None = None

    def public(self) -> dict:
        return {k: v for k, v in self.__dict__.items()}


def _hash(key_id: str, secret: str) -> str:
    return hashlib.sha256(f"{key_id}:{secret}".encode("utf-8")).hexdigest()


def split_key(token: str) -> tuple[str, str] | None:
    if not token.startswith("vx_"):
        return None
    key_id, sep, secret = token[3:].partition("_")
    if not sep or not key_id or not secret or len(token) > 200:
        return None
    return key_id, secret


def _now() -> str:
    return iso(utcnow())


class KeyStore:
    def __init__(self, es: Elasticsearch, names: IndexNames):
        self.es = es
        self.read = names.alias(KIND)
        self.write = names.write_alias(KIND)
        self._cache: dict[str, tuple[float, Principal | None]] = {}
        self._lock = threading.Lock()

    def create(self, name: str, role: str, sources: list[str] | None = None,
               segments: list[str] | None = None, created_by: str | None = None) -> tuple[str, KeyRecord]:
        if role not in ROLES:
            raise ValueError(f"role must be one of {ROLES}, not {role!r}")
        if not name or len(name) > 100:
            raise ValueError("name: 1-100 characters")
        key_id = secrets.token_hex(6)
        secret = secrets.token_urlsafe(24)
        record = KeyRecord(key_id=key_id, name=name, role=role, sources=list(sources or []),
                           segments=list(segments or []), created_at=_now(), created_by=created_by)
        doc = {**record.public(), "hash": _hash(key_id, secret)}
        self.es.index(index=self.write, id=key_id, document=doc, refresh="wait_for", require_alias=True)
        return f"vx_{key_id}_{secret}", record

    def list(self, include_revoked: bool = True) -> list[KeyRecord]:
        query = {"match_all": {}} if include_revoked else {"bool": {"must_not": [{"term": {"revoked": True}}]}}
        resp = self.es.search(index=self.read, query=query, size=1000, sort=[{"created_at": "asc"}],
                              source_excludes=["hash"])
        return [KeyRecord(**{k: v for k, v in h["_source"].items() if k in KeyRecord.__dataclass_fields__})
                for h in resp["hits"]["hits"]]

    def active_count(self) -> int:
        self.es.indices.refresh(index=self.read)
        return int(self.es.count(index=self.read, query={"bool": {"must_not": [{"term": {"revoked": True}}]}})["count"])

    def revoke(self, key_id_or_name: str) -> list[str]:
        """Revoke by key id, or every active key with that name; returns the ids revoked."""
        ids = [r.key_id for r in self.list(include_revoked=False) if key_id_or_name in (r.key_id, r.name)]
        for key_id in ids:
            self.es.update(index=self.write, id=key_id, doc={"revoked": True, "revoked_at": _now()}, refresh="wait_for")
        with self._lock:
            self._cache.clear()
        return ids

    def verify(self, token: str) -> Principal | None:
        parts = split_key(token)
        if parts is None:
            return None
        key_id, secret = parts
        digest = _hash(key_id, secret)
        now = time.monotonic()
        with self._lock:
            hit = self._cache.get(digest)
        if hit and now - hit[0] < CACHE_SECONDS:
            return hit[1]
        principal = self._load(key_id, digest)
        with self._lock:
            if len(self._cache) > 10_000:
                self._cache.clear()
            self._cache[digest] = (now, principal)
        return principal

    def by_id(self, key_id: str) -> Principal | None:
        """The principal of a key already verified once (a web session holds only its id): None once
        revoked. Cached like `verify`."""
        if not key_id or len(key_id) > 64:
            return None
        now = time.monotonic()
        cache_key = f"id:{key_id}"
        with self._lock:
            hit = self._cache.get(cache_key)
        if hit and now - hit[0] < CACHE_SECONDS:
            return hit[1]
        principal = self._load(key_id, None)
        with self._lock:
            self._cache[cache_key] = (now, principal)
        return principal

    def _load(self, key_id: str, digest: str | None) -> Principal | None:
        try:
            doc = self.es.get(index=self.read, id=key_id)["_source"]
        except NotFoundError:
            return None
        if doc.get("revoked") or (digest is not None and not hmac.compare_digest(str(doc.get("hash", "")), digest)):
            return None
        return Principal(key_id=key_id, name=doc["name"], role=doc["role"],
                         sources=tuple(doc.get("sources") or ()), segments=tuple(doc.get("segments") or ()))


def token_from_headers(headers) -> str | None:
    auth = headers.get("Authorization", "")
    if auth[:7].lower() == "bearer ":
        return auth[7:].strip() or None
    key = headers.get("X-API-Key", "").strip()
    return key or None
