"""Synthetic feedback-unit documents for tests and benchmarks (before real data exists).

`unit(...)` builds a document shaped like FeedbackUnit.to_doc() with only the fields the
detectors read; `index_units` bulk-indexes them through the write alias and refreshes."""
from __future__ import annotations

import itertools
from datetime import datetime, timedelta
from typing import Any

from elasticsearch import Elasticsearch

from indexer.bulk import RetryPolicy, bulk_write
from voxindex.config import IndexNames
from voxindex.model import SEVERITY_WEIGHT, iso

_seq = itertools.count()


def unit(text: str, created_at: datetime, *, theme: str | None = None, sub_theme: str | None = None,
         source: str = "zendesk", account_id: str | None = None, arr: float | None = None, segment: str | None = None,
         region: str | None = None, app_version: str | None = None, sentiment: str | None = "negative",
         intent: str | None = None, severity: str | None = "medium", renewal_date: str | None = None,
         unit_id: str | None = None, **extra: Any) -> dict:
    uid = unit_id or f"u{next(_seq):07d}"
    doc = {
        "unit_id": uid, "source_record_id": uid, "source": source, "channel": "ticket", "connector": source,
        "speaker_role": "customer", "is_customer_signal": True, "text": text, "created_at": iso(created_at),
        "app_version": app_version, "account_id": account_id,
        "account": {"account_id": account_id, "name": account_id and account_id.replace("acc_", "Account "),
                    "arr": arr, "segment": segment, "region": region, "renewal_date": renewal_date},
        "taxonomy": {"theme": [theme] if theme else [], "sub_theme": [sub_theme] if sub_theme else [],
                     "primary_theme": theme, "primary_sub_theme": sub_theme},
        "sentiment": {"label": sentiment, "score": 0.9 if sentiment else None},
        "severity": {"label": severity, "score": SEVERITY_WEIGHT.get(severity or "")},
        "intent": {"label": intent, "score": 0.8 if intent else None},
    }
    doc.update(extra)
    return doc


def series(text: str, end: datetime, daily: list[int], **kw: Any) -> list[dict]:
    """Units spread over consecutive days ending at `end`: daily[i] units on day i (oldest first)."""
    docs = []
    days = len(daily)
    for i, n in enumerate(daily):
        day_start = end - timedelta(days=days - i)
        for j in range(n):
            docs.append(unit(text, day_start + timedelta(seconds=(j + 1) * 86000 / (n + 1)), **kw))
    return docs


def index_units(es: Elasticsearch, names: IndexNames, docs: list[dict], refresh: bool = True) -> None:
    actions = [{"_index": names.feedback_write, "_id": d["unit_id"], "_source": d} for d in docs]
    bulk_write(es, actions, RetryPolicy(), "indexing synthetic units", refresh=refresh).raise_for_failures("indexing synthetic units")


def scratch_settings(es: Elasticsearch, base_settings, kinds=("feedback", "alerts", "watches", "state")):
    """Generator for a module-scoped test/bench prefix with just the indices detectors use
    (creating all nine per test costs ~15 s on a loaded 2-core box). Dropped afterwards."""
    import uuid
    from dataclasses import replace

    from voxindex.setup import drop_indices, setup_indices

    settings = replace(base_settings, index_prefix=f"vxt-det-{uuid.uuid4().hex[:8]}")
    setup_indices(es, settings.indices, kinds=tuple(kinds))
    try:
        yield settings
    finally:
        if not settings.keep_test_indices:
            drop_indices(es, settings.indices)
