"""Query embeddings with the same model and pooling as the indexed units (all-MiniLM-L6-v2,
mean-pooled, L2-normalized), through the encoder runtime (ONNX Runtime: no torch in the API
process), behind an in-memory LRU so a repeated query costs no model time.

`warm_up(settings)` loads the encoder and runs one query through it; `voxindex serve` calls it
before it reports ready, so the first query is as fast as the hundredth.
"""
from __future__ import annotations

import threading
from collections import OrderedDict

import numpy as np

from voxindex.config import Settings, get_settings


class QueryEmbedder:
    """text -> 384 floats; the last `size` distinct queries are kept (least recently used goes)."""

    def __init__(self, settings: Settings, size: int | None = None):
        self.settings = settings
        self.size = max(0, settings.query_cache_size if size is None else size)
        self._lru: OrderedDict[str, tuple[float, ...]] = OrderedDict()
        self._lock = threading.Lock()
        self.hits = self.misses = 0

    @property
    def encoder(self):
        from indexer.encoder import get_encoder

        return get_encoder(self.settings)

    def __call__(self, text: str) -> list[float]:
        with self._lock:
            vec = self._lru.get(text)
            if vec is not None:
                self._lru.move_to_end(text)
                self.hits += 1
                return list(vec)
        vector = tuple(np.asarray(self.encoder.encode([text]).embeddings[0], dtype=np.float32).tolist())
        with self._lock:
            self.misses += 1
            if self.size:
                self._lru[text] = vector
                self._lru.move_to_end(text)
                while len(self._lru) > self.size:
                    self._lru.popitem(last=False)
        return list(vector)


_EMBEDDERS: dict[tuple, QueryEmbedder] = {}
_LOCK = threading.Lock()


def query_embedder(settings: Settings | None = None) -> QueryEmbedder:
    s = settings or get_settings()
    key = (s.encoder, s.encoder_threads, str(s.models_dir), s.query_cache_size)
    with _LOCK:
        if key not in _EMBEDDERS:
            _EMBEDDERS[key] = QueryEmbedder(s)
        return _EMBEDDERS[key]


def embed_query(text: str, settings: Settings | None = None) -> list[float]:
    return query_embedder(settings)(text)


def warm_up(settings: Settings | None = None) -> dict:
    """Load (exporting on a fresh machine) the query encoder and run it once."""
    import time

    t = time.perf_counter()
    embedder = query_embedder(settings)
    embedder.encoder.encode(["warm-up query"])
    return {"encoder": embedder.encoder.kind, "seconds": round(time.perf_counter() - t, 2)}


def models_loaded() -> dict:
    """What /healthz reports: which encoders this process holds (nothing is loaded by asking)."""
    from indexer.encoder import loaded_encoders

    kinds = loaded_encoders()
    return {"loaded": bool(kinds), "encoders": kinds}
