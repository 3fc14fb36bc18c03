"""Writing to Elasticsearch without losing anything: 429s are retried per document by
`streaming_bulk`; a cluster that does not answer (connection refused, timeouts, 502/503/504)
is retried with exponential backoff for a bounded window, then the run stops with a clear
error so it can resume from its cursor. Per-document failures come back to the caller, which
dead-letters them."""
from __future__ import annotations

import logging
import time
from dataclasses import dataclass, field
from typing import Any, Callable, TypeVar

from elastic_transport import ConnectionError as TransportConnectionError
from elastic_transport import ConnectionTimeout
from elasticsearch import ApiError, Elasticsearch
from elasticsearch.helpers import streaming_bulk

log = logging.getLogger("voxindex.ingest")
T = TypeVar("T")

TRANSIENT_STATUS = (429, 502, 503, 504)


class ElasticsearchOutage(RuntimeError):
    """Elasticsearch stayed unreachable for the whole retry window."""


@dataclass(frozen=True)
class RetryPolicy:
    outage_s: float = 120.0  # how long to keep retrying an unreachable cluster
    initial_backoff: float = 0.5
    max_backoff: float = 15.0
    max_retries: int = 8  # per-document 429 retries inside streaming_bulk
    chunk_size: int = 500

    @classmethod
    def from_settings(cls, settings, **overrides) -> "RetryPolicy":
        base = cls(
            outage_s=getattr(settings, "ingest_outage_s", 120.0),
            max_retries=settings.bulk_max_retries,
            chunk_size=settings.bulk_chunk_size,
        )
        return cls(**{**base.__dict__, **overrides}) if overrides else base


class StillRejected(RuntimeError):
    """Documents the cluster kept rejecting as overloaded; retried like an outage."""


def is_transient(exc: BaseException) -> bool:
    if isinstance(exc, (TransportConnectionError, ConnectionTimeout, StillRejected)):
        return True
    return isinstance(exc, ApiError) and getattr(exc.meta, "status", None) in TRANSIENT_STATUS


def with_retry(fn: Callable[[], T], policy: RetryPolicy, what: str) -> T:
    """Call fn; while Elasticsearch is unreachable, back off and call again until the window ends."""
    started = time.monotonic()
    delay = policy.initial_backoff
    attempt = 0
    while True:
        try:
            return fn()
        except Exception as exc:
            if not is_transient(exc):
                raise
            attempt += 1
            waited = time.monotonic() - started
            if waited + delay > policy.outage_s:
                raise ElasticsearchOutage(
                    f"Elasticsearch did not answer for {waited:.0f}s while {what} "
                    f"({attempt} attempts; last error {type(exc).__name__}: {str(exc)[:200]})"
                ) from exc
            log.warning("Elasticsearch unreachable while %s (%s); retry %d in %.1fs", what, type(exc).__name__, attempt, delay)
            time.sleep(delay)
            delay = min(delay * 2, policy.max_backoff)


@dataclass
class BulkResult:
    ok: list[str] = field(default_factory=list)  # _ids written
    failed: dict[str, dict[str, Any]] = field(default_factory=dict)  # _id -> bulk item (status, error)


def bulk_write(es: Elasticsearch, actions: list[dict[str, Any]], policy: RetryPolicy, what: str) -> BulkResult:
    """Send index/delete actions (each with a unique `_id`). Writes are idempotent by _id, so
    re-sending a whole batch after a dropped connection cannot duplicate anything."""
    by_id = {a["_id"]: a for a in actions}
    result = BulkResult()
    pending = list(by_id.values())

    def attempt() -> None:
        nonlocal pending
        transient: list[dict[str, Any]] = []
        for success, info in streaming_bulk(
            es,
            pending,
            chunk_size=policy.chunk_size,
            max_retries=policy.max_retries,
            initial_backoff=policy.initial_backoff,
            max_backoff=policy.max_backoff,
            raise_on_error=False,
            raise_on_exception=True,
            yield_ok=True,
        ):
            _, item = next(iter(info.items()))
            doc_id = item.get("_id")
            if success:
                result.ok.append(doc_id)
            elif item.get("status") in TRANSIENT_STATUS and doc_id in by_id:
                transient.append(by_id[doc_id])
            else:
                result.failed[doc_id] = item
        pending = transient
        if transient:
            # rejected even after the per-document retries: the cluster is overloaded, not the
            # documents wrong, so treat it like an outage instead of dead-lettering good data
            raise StillRejected(f"{len(transient)} documents still rejected with 429/503")

    if pending:
        with_retry(attempt, policy, what)
    return result
