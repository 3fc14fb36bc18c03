"""Query embeddings with the same model and pooling as the indexed units (all-MiniLM-L6-v2,
mean-pooled, L2-normalized), via the enrichment embedder, imported lazily so the API starts
without torch and keyword search never pays for it."""
from __future__ import annotations

from voxindex.config import Settings


def embed_query(text: str, settings: Settings | None = None) -> list[float]:
    from indexer.enrich.embed import get_embedder

    # no sqlite cache for queries: the app keeps its own in-memory LRU
    vector = get_embedder(settings, cache=False).encode([text])[0]
    return [float(x) for x in vector]
