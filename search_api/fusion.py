"""Reciprocal rank fusion, computed in the application (the `rrf` retriever is a licensed /
optional feature; doing it here works on every cluster and lets us tune k)."""
from __future__ import annotations


def rrf(rankings: dict[str, list[str]], k: float = 60.0, weights: dict[str, float] | None = None
        ) -> list[tuple[str, float, dict[str, int]]]:
    """Fuse ranked id lists: score(d) = sum_w w / (k + rank). Ties break on the id, so the
    order (and therefore every page) is deterministic."""
    scores: dict[str, float] = {}
    ranks: dict[str, dict[str, int]] = {}
    for name, ids in rankings.items():
        w = (weights or {}).get(name, 1.0)
        for rank, doc_id in enumerate(ids, start=1):
            if doc_id in ranks and name in ranks[doc_id]:
                continue  # the first (best) rank of a repeated id counts
            scores[doc_id] = scores.get(doc_id, 0.0) + w / (k + rank)
            ranks.setdefault(doc_id, {})[name] = rank
    ordered = sorted(scores, key=lambda d: (-scores[d], d))
    return [(d, scores[d], ranks[d]) for d in ordered]
