"""Emerging themes: what customers talk about that the taxonomy does not cover yet.

Units the classifier was unsure about (`taxonomy.needs_review`, or confidence under a floor) are
clustered on their embeddings (cosine k-means, k-means++ seeding, numpy only). Each cluster big
and tight enough becomes a candidate theme: its most distinctive terms (frequency in the
cluster against the whole low-confidence pool) and the unit ids nearest its centre as examples.
"""
from __future__ import annotations

import math
import re
from collections import Counter
from dataclasses import dataclass, field

import numpy as np

STOP = set("""a an the and or but if of to in on at for with from by as is are was were be been being it its this that
these those i me my we our you your he she they them their there here not no yes do does did done have has had
can could would should will just so very too also than then when where what which who how all any some more most
other into about after before over again only own same up down out off once get got still even much many app
please thanks thank hi hello team one now use using used really""".split())
TOKEN = re.compile(r"[a-z][a-z0-9'\-]{2,}")


@dataclass
class Candidate:
    size: int
    cohesion: float
    terms: list[str]
    examples: list[str]
    sample_texts: list[str] = field(default_factory=list)


def kmeans(x: np.ndarray, k: int, iters: int = 30, seed: int = 7) -> np.ndarray:
    """Spherical k-means on unit vectors; returns the label of each row."""
    rng = np.random.default_rng(seed)
    n = len(x)
    centers = [x[rng.integers(n)]]
    for _ in range(1, k):  # k-means++: far points are likelier seeds
        d = 1.0 - np.max(x @ np.stack(centers).T, axis=1)
        p = np.clip(d, 0, None) ** 2
        centers.append(x[rng.choice(n, p=p / p.sum())] if p.sum() > 0 else x[rng.integers(n)])
    c = np.stack(centers)
    labels = np.zeros(n, dtype=int)
    for _ in range(iters):
        new = np.argmax(x @ c.T, axis=1)
        if _ > 0 and np.array_equal(new, labels):
            break
        labels = new
        for j in range(k):
            members = x[labels == j]
            if len(members):
                m = members.mean(0)
                c[j] = m / (np.linalg.norm(m) or 1.0)
    return labels


def terms_of(text: str) -> list[str]:
    return [t for t in TOKEN.findall(text.lower()) if t not in STOP]


def propose(ids: list[str], texts: list[str], vectors: np.ndarray, k: int | None = None,
            min_size: int = 3, top_terms: int = 6, n_examples: int = 3) -> list[Candidate]:
    """Pure: candidate themes from low-confidence units, biggest and tightest first."""
    n = len(ids)
    if n < min_size:
        return []
    x = np.asarray(vectors, dtype=np.float32)
    x = x / np.clip(np.linalg.norm(x, axis=1, keepdims=True), 1e-9, None)
    k = k or max(1, min(20, int(math.sqrt(n / 2))))
    labels = kmeans(x, min(k, n))
    pool = Counter(t for text in texts for t in set(terms_of(text)))
    out = []
    for j in sorted(set(labels)):
        idx = np.nonzero(labels == j)[0]
        if len(idx) < min_size:
            continue
        centre = x[idx].mean(0)
        centre /= np.linalg.norm(centre) or 1.0
        sims = x[idx] @ centre
        local = Counter(t for i in idx for t in set(terms_of(texts[i])))
        # distinctive: share inside the cluster, discounted by the share in the whole pool
        scored = sorted(local, key=lambda t: -(local[t] / len(idx)) * math.log(1 + n / pool[t]))
        near = idx[np.argsort(-sims)][:n_examples]
        out.append(Candidate(size=int(len(idx)), cohesion=round(float(sims.mean()), 3), terms=scored[:top_terms],
                             examples=[ids[i] for i in near], sample_texts=[texts[i][:160] for i in near]))
    out.sort(key=lambda c: (-c.size * c.cohesion, c.terms))
    return out


def low_confidence_units(es, alias: str, floor: float, limit: int = 5000) -> tuple[list[str], list[str], np.ndarray]:
    """Customer units flagged for review or under `floor`, with their embeddings."""
    query = {"bool": {"filter": [{"term": {"is_customer_signal": True}}, {"exists": {"field": "embedding"}}],
                      "should": [{"term": {"taxonomy.needs_review": True}}, {"range": {"taxonomy.confidence": {"lt": floor}}}],
                      "minimum_should_match": 1}}
    ids, texts, vecs = [], [], []
    resp = es.search(index=alias, query=query, size=min(limit, 10000), _source=["unit_id", "text", "embedding"],
                     sort=[{"created_at": "desc"}])
    for hit in resp["hits"]["hits"]:
        s = hit["_source"]
        ids.append(s["unit_id"])
        texts.append(s["text"])
        vecs.append(s["embedding"])
    return ids, texts, np.asarray(vecs, dtype=np.float32).reshape(-1, 384)
