"""Enrichment stages: segmentation, embeddings, taxonomy, sentiment/severity/intent, duplicates.

`indexer.enrich.build.build_pipeline` composes them (with the PII stage, and the identity and
account-context stages when Elasticsearch is given) into the `indexer.pipeline.Pipeline` the
ingest runner uses.
Every stage leaves non-customer units unclassified: agents, bots and the system are context,
never signal.
"""
from __future__ import annotations

from voxindex.model import FeedbackUnit


def is_signal(unit: FeedbackUnit) -> bool:
    """Only customer words are classified, counted and de-duplicated."""
    return bool(unit.is_customer_signal) and unit.speaker_role == "customer"
