"""Writing to Elasticsearch without losing anything: 429s are retried per document by
`streaming_bulk`; a cluster that does not answer (connection refused, timeouts, 502/503/504)
is retried with exponential backoff for a bounded window, then the run stops with a clear
error so it can resume from its cursor. Per-document failures come back to the caller, which
dead-letters them (or raises, with `BulkResult.raise_for_failures`).

Every bulk write of the project goes through here: `bulk_write` for actions held in memory
(ingest batches, stage decisions, erasures, accounts, identity undo, test and eval corpora) and
`bulk_load` for generated corpora too big to hold (benchmark indices), streamed, in parallel when
asked, stopping at the first rejected document."""
from __future__ import annotations

import logging
import time
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from typing import Any, TypeVar

from elastic_transport import ConnectionError as TransportConnectionError
from elastic_transport import ConnectionTimeout
from elasticsearch import ApiError, Elasticsearch
from elasticsearch.helpers import parallel_bulk, streaming_bulk

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


class BulkRejected(RuntimeError):
    """Documents Elasticsearch refused (mapping, validation): raised by callers that cannot dead-letter."""


@dataclass
class BulkResult:
    ok: list[str] = field(default_factory=list)  # _ids written
    failed: dict[str, dict[str, Any]] = field(default_factory=dict)  # _id -> bulk item (status, error)

    def raise_for_failures(self, what: str) -> BulkResult:
        if self.failed:
            doc_id, item = next(iter(self.failed.items()))
            raise BulkRejected(f"{len(self.failed)} documents rejected while {what}; first {doc_id}: "
                               f"{item.get('status')} {str(item.get('error'))[:300]}")
        return self


def bulk_write(es: Elasticsearch, actions: list[dict[str, Any]], policy: RetryPolicy, what: str,
               refresh: bool | str = False) -> BulkResult:
    """Send index/update/delete actions (each with an `_id`; the last action for an index and _id
    wins). Writes are idempotent by _id, so re-sending a whole batch after a dropped connection
    cannot duplicate anything. `refresh` as in the bulk API ("wait_for" for reads right after)."""
    by_key = {(a.get("_index"), a["_id"]): a for a in actions}
    by_id: dict[str, list[dict[str, Any]]] = {}
    for a in by_key.values():
        by_id.setdefault(a["_id"], []).append(a)
    result = BulkResult()
    pending = list(by_key.values())
    options: dict[str, Any] = {"refresh": refresh} if refresh else {}  # passed on to the bulk API

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
            **options,
        ):
            _, item = next(iter(info.items()))
            doc_id = item.get("_id")
            if success:
                result.ok.append(doc_id)
            elif item.get("status") in TRANSIENT_STATUS and doc_id in by_id:
                transient.extend(by_id[doc_id])
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


def bulk_load(es: Elasticsearch, actions: Iterable[dict[str, Any]], policy: RetryPolicy, what: str,
              threads: int = 1, on_written: Callable[[int], None] | None = None) -> int:
    """Stream a generated corpus too big to hold (a benchmark index) and return how many documents
    were written. A stream cannot be re-sent, so an unreachable cluster or a rejected document
    stops the load with the error instead of being retried; 429s are retried per document when
    threads == 1. `threads` > 1 writes chunks in parallel (elasticsearch-py's parallel_bulk)."""
    if threads > 1:
        results = parallel_bulk(es, actions, thread_count=threads, queue_size=threads, chunk_size=policy.chunk_size,
                                raise_on_error=True, raise_on_exception=True)
    else:
        results = streaming_bulk(es, actions, chunk_size=policy.chunk_size, max_retries=policy.max_retries,
                                 initial_backoff=policy.initial_backoff, max_backoff=policy.max_backoff,
                                 raise_on_error=True, raise_on_exception=True)
    written = 0
    try:
        for ok, _ in results:
            written += ok
            if on_written is not None:
                on_written(1)
    except Exception as exc:
        raise BulkRejected(f"stopped after {written} documents while {what}: {type(exc).__name__}: {str(exc)[:300]}") from exc
    return written
