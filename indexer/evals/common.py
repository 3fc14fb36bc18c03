"""What the eval tasks share: one embedder, classifier and intent model per process."""
from __future__ import annotations

from functools import lru_cache


@lru_cache(maxsize=1)
def embedder():
    from indexer.enrich.embed import get_embedder
    from voxindex.config import get_settings

    return get_embedder(get_settings())


@lru_cache(maxsize=1)
def classifier():
    from indexer.enrich.taxonomy import TaxonomyClassifier, load_taxonomy

    return TaxonomyClassifier(load_taxonomy(), embedder())


@lru_cache(maxsize=1)
def intent_model():
    from indexer.enrich.sentiment import IntentModel

    return IntentModel(embedder())
