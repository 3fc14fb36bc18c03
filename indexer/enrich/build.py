"""The enrichment pipeline, in order:

  pii -> identity -> account_context -> segment -> embed -> taxonomy -> sentiment -> duplicates

PII runs first so that everything after it (segments, embeddings, the index) sees redacted text.
Identity and account context need Elasticsearch and are added when `es` is given and their
modules exist. Non-customer units pass through every classifying stage untouched.
"""
from __future__ import annotations

import importlib
import logging

from indexer.pipeline import Pipeline

log = logging.getLogger(__name__)


def _optional(module: str, attr: str):
    """A stage factory from another area, or None while that area is not built."""
    try:
        return getattr(importlib.import_module(module), attr)
    except ModuleNotFoundError as exc:
        if exc.name and module.startswith(exc.name):
            return None
        raise


def build_pipeline(settings=None, es=None, embed: bool = True, **options) -> Pipeline:
    """Options: taxonomy_path (another taxonomy YAML), segment (default True), duplicates
    (default True), near_index (kNN duplicate lookups in the index, default True), pii,
    identity, account_context (default True each, when available).

    embed=False builds a model-free pipeline (PII, identity, context, lexicon sentiment, exact
    duplicates): fast, for tests of other areas and machines without the weights."""
    from voxindex.config import get_settings

    from .duplicates import duplicates_stage
    from .sentiment import sentiment_stage

    settings = settings or get_settings()
    stages = []
    pii = _optional("indexer.enrich.pii", "pii_stage") if options.get("pii", True) else None
    if pii:
        stages.append(pii(settings))
    if es is not None:
        for flag, module, attr in (("identity", "indexer.identity", "identity_stage"),
                                   ("account_context", "indexer.enrich.account_context", "account_context_stage")):
            factory = _optional(module, attr) if options.get(flag, True) else None
            if factory:
                stages.append(factory(settings, es))
    # the deployment's taxonomy (VOXINDEX_TAXONOMY / voxindex.yaml) labels units and gives intent priors
    taxonomy_path = options.get("taxonomy_path") or settings.taxonomy_path
    if embed:
        from .embed import embed_stage, get_embedder
        from .segment import segment_stage
        from .taxonomy import get_classifier, taxonomy_stage

        embedder = get_embedder(settings)
        classifier = get_classifier(taxonomy_path, embedder=embedder, settings=settings)
        if options.get("segment", True):
            stages.append(segment_stage(settings, classifier=classifier))
        stages.append(embed_stage(settings, embedder=embedder))
        stages.append(taxonomy_stage(settings, classifier=classifier))
        stages.append(sentiment_stage(settings, embedder=embedder, taxonomy_path=taxonomy_path))
        classifier._prototypes()  # embed the taxonomy prototypes now (model load), not in the first batch
    else:
        stages.append(sentiment_stage(settings, use_embeddings=False, taxonomy_path=taxonomy_path))
    if options.get("duplicates", True):
        stages.append(duplicates_stage(settings, es, near_index=options.get("near_index", True) and embed))
    return Pipeline(stages=stages)
