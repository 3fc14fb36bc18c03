"""Search execution: keyword (BM25), vector (kNN on `embedding`) and hybrid (both, fused by RRF
in the application).

Pagination:
- keyword and browse (no `q`) pages use `search_after` on [score or created_at, unit_id]: the
  unit_id tiebreak makes the order total, so pages never repeat or skip under a stable index.
- vector, hybrid and any `dedupe=true` search page through a fixed candidate window (the same
  window on every page, so the order is the same on every page); the cursor holds an offset.
Both cursors are signed and bound to the query they came from.
"""
from __future__ import annotations

from dataclasses import dataclass
from typing import Any, Callable

from elasticsearch import Elasticsearch

from voxindex.config import IndexNames
from voxindex.model import rounded_vector

from . import cursor as cursors
from .auth import Principal
from .errors import ApiError
from .fusion import rrf
from .query import facet_aggs, filter_query, highlight, read_facets, text_query
from .redact import redact_unit, source_excludes


@dataclass(frozen=True)
class SearchTuning:
    """Measured by `voxindex eval-search` / `voxindex bench search` (see report in README)."""

    rrf_k: float = 60.0
    lexical_window: int = 100  # BM25 candidates fused in hybrid
    vector_k: int = 100  # kNN candidates (k) in vector and hybrid
    num_candidates: int = 200  # HNSW exploration per shard
    keyword_weight: float = 1.0
    # the vector list counts double in the fusion: on the demo judged set this lifted hybrid
    # nDCG@10 from 0.859 (equal weights) to 0.894, above vector-only (0.884): `voxindex eval-search --tune`
    vector_weight: float = 2.0
    # int8_hnsw: re-rank oversample * k candidates by their float vectors (ES rescore_vector; None = off).
    # bench search, recall@10 against exact cosine: 956,000 units 0.779 -> 0.942 (kNN p95 24.7 -> 31.8 ms;
    # num_candidates 400 without it: 0.831), 20,000 units 0.955 -> 1.0
    rescore_oversample: float | None = 2.0


@dataclass
class Searcher:
    es: Elasticsearch
    names: IndexNames
    embed: Callable[[str], list[float]]
    secret: bytes
    tuning: SearchTuning = SearchTuning()

    # --------------------------------------------------------------- entry point
    def search(self, p: dict[str, Any], principal: Principal) -> dict[str, Any]:
        q = (p.get("q") or "").strip()
        mode = p["mode"] if q else "browse"
        if p.get("sort") != "relevance" and mode in ("vector", "hybrid"):
            raise ApiError(400, "invalid_parameter", f"sort={p['sort']} needs mode=keyword (or no q)", {"param": "sort"})
        fp = cursors.fingerprint(p)
        state = cursors.decode(self.secret, p["cursor"], fp) if p.get("cursor") else {}
        filt = filter_query(p, principal, customer_only=not p.get("include_non_customer"))
        excludes = source_excludes(principal.sees_revenue)
        first_page = not state
        if mode in ("keyword", "browse") and not p.get("dedupe"):
            out = self._search_after(p, q, mode, filt, excludes, state, first_page)
        else:
            out = self._windowed(p, q, mode, filt, excludes, state, first_page)
        for unit in out["results"]:
            redact_unit(unit, principal.sees_revenue)
        nxt = out.pop("_next")
        out["next"] = cursors.encode(self.secret, {"fp": fp, **nxt}) if nxt else None
        return {"mode": mode, "q": q or None, **out}

    # --------------------------------------------------------------- keyword / browse
    def _search_after(self, p, q, mode, filt, excludes, state, first_page) -> dict:
        size = p["size"]
        sort_key = p.get("sort") or "relevance"
        if mode == "browse" and sort_key == "relevance":
            sort_key = "newest"
        if sort_key == "relevance":
            sort = [{"_score": "desc"}, {"unit_id": "asc"}]
        else:
            sort = [{"created_at": "desc" if sort_key == "newest" else "asc"}, {"unit_id": "asc"}]
        query = {"bool": {"must": [text_query(q)], "filter": [filt]}} if q else filt
        body: dict[str, Any] = {
            "query": query,
            "sort": sort,
            "size": size + 1,
            "track_total_hits": 10000 if first_page else False,
            "_source": {"excludes": excludes},
        }
        if state.get("sa"):
            sa = state["sa"]
            if not (isinstance(sa, list) and len(sa) == 2):
                raise ApiError(400, "invalid_parameter", "cursor: malformed", {"param": "cursor"})
            body["search_after"] = sa
        if q and p.get("highlight"):
            body["highlight"] = highlight(q)
        if first_page and p.get("facets"):
            body["aggs"] = facet_aggs()
        resp = self.es.search(index=self.names.feedback, **body)
        hits = resp["hits"]["hits"]
        more = len(hits) > size
        hits = hits[:size]
        results = [self._unit(h, score=h.get("_score") if sort_key == "relevance" else None) for h in hits]
        out: dict[str, Any] = {"results": results, "_next": {"m": mode, "sa": hits[-1]["sort"]} if more and hits else None}
        if first_page:
            out["total"] = resp["hits"]["total"]
            if p.get("facets"):
                out["facets"] = read_facets(resp.get("aggregations"))
        return out

    # --------------------------------------------------------------- vector / hybrid / dedupe
    def _windowed(self, p, q, mode, filt, excludes, state, first_page) -> dict:
        size = p["size"]
        offset = state.get("o", 0)
        if not isinstance(offset, int) or offset < 0:
            raise ApiError(400, "invalid_parameter", "cursor: malformed", {"param": "cursor"})
        t = self.tuning
        vector = self.embed(q) if mode in ("vector", "hybrid") else None
        candidate_source = ["unit_id", "duplicate_group"]
        requests: list[tuple[str, dict]] = []
        if mode in ("keyword", "hybrid", "browse"):
            lex_query = {"bool": {"must": [text_query(q)], "filter": [filt]}} if q else filt
            sort = [{"_score": "desc"}, {"unit_id": "asc"}] if q else [{"created_at": "desc"}, {"unit_id": "asc"}]
            window = t.lexical_window if mode == "hybrid" else max(t.lexical_window, 1000)
            requests.append(("keyword", {"query": lex_query, "size": window, "sort": sort,
                                         "_source": candidate_source, "track_total_hits": False}))
        if vector is not None:
            requests.append(("vector", {"knn": self._knn(vector, filt), "size": t.vector_k,
                                        "_source": candidate_source, "track_total_hits": False}))
        want_facets = bool(first_page and p.get("facets"))
        if want_facets and vector is None:
            facet_body: dict[str, Any] = {"size": 0, "aggs": facet_aggs(), "track_total_hits": 10000,
                                          "query": {"bool": {"must": [text_query(q)], "filter": [filt]}} if q else filt}
            requests.append(("facets", facet_body))
        searches: list[dict] = []
        for _, body in requests:
            searches.extend([{"index": self.names.feedback}, body])
        responses = self.es.msearch(searches=searches)["responses"]
        by_name = {}
        for (name, _), resp in zip(requests, responses):
            if "error" in resp:
                raise RuntimeError(f"{name} search failed: {resp['error']}")
            by_name[name] = resp
        lists = {name: by_name[name]["hits"]["hits"] for name in ("keyword", "vector") if name in by_name}
        groups = {h["_source"].get("unit_id", h["_id"]): h["_source"].get("duplicate_group") for hs in lists.values() for h in hs}
        ranked_ids = {name: [h["_source"].get("unit_id", h["_id"]) for h in hs] for name, hs in lists.items()}
        if mode == "hybrid":
            fused = rrf(ranked_ids, k=t.rrf_k, weights={"keyword": t.keyword_weight, "vector": t.vector_weight})
        else:
            name = "vector" if mode == "vector" else "keyword"
            scores = {h["_source"].get("unit_id", h["_id"]): h.get("_score") for h in lists[name]}
            fused = [(d, scores[d], {name: i}) for i, d in enumerate(ranked_ids[name], start=1)]
        if p.get("dedupe"):
            fused = _collapse(fused, groups)
        page = fused[offset: offset + size]
        facets_after = None
        if want_facets and vector is not None:
            # the facets of a kNN search are those of its top k: the vector list just fetched. Asking
            # for them by id (with the BM25 matches in hybrid) counts the same units without a second
            # HNSW search, in the round trip that fetches the page anyway
            facets_after = self._facets_of(ranked_ids["vector"], q if mode == "hybrid" else "", filt)
        docs, facet_resp = self._fetch([d for d, _, _ in page], q if p.get("highlight") else "", excludes, facets_after)
        if facet_resp is not None:
            by_name["facets"] = facet_resp
        results = []
        for doc_id, score, ranks in page:
            hit = docs.get(doc_id)
            if hit is None:
                continue  # deleted between the candidate and the fetch request
            unit = self._unit(hit, score=score)
            if mode == "hybrid":
                unit["_ranks"] = ranks
            results.append(unit)
        more = offset + size < len(fused)
        out: dict[str, Any] = {"results": results, "_next": {"m": mode, "o": offset + size} if more else None}
        if "facets" in by_name:
            out["total"] = by_name["facets"]["hits"]["total"]
            out["facets"] = read_facets(by_name["facets"].get("aggregations"))
        out["window"] = len(fused)
        return out

    def _knn(self, vector: list[float], filt: dict) -> dict:
        t = self.tuning
        knn = {"field": "embedding", "query_vector": rounded_vector(vector), "k": t.vector_k,
               "num_candidates": max(t.num_candidates, t.vector_k), "filter": filt}
        if t.rescore_oversample:
            knn["rescore_vector"] = {"oversample": t.rescore_oversample}
        return knn

    @staticmethod
    def _facets_of(vector_ids: list[str], q: str, filt: dict) -> dict:
        """Facet request over the units a kNN (+ BM25 in hybrid) search matched: the kNN top k by id."""
        should: list[dict] = [{"terms": {"unit_id": vector_ids}}]
        if q:
            should.append(text_query(q))
        return {"size": 0, "aggs": facet_aggs(), "track_total_hits": 10000,
                "query": {"bool": {"filter": [filt], "should": should, "minimum_should_match": 1}}}

    def _fetch(self, ids: list[str], q: str, excludes: list[str],
               facets: dict | None = None) -> tuple[dict[str, dict], dict | None]:
        """The page's documents (and, in the same round trip, a facet request's response)."""
        bodies: list[dict] = []
        if ids:
            body: dict[str, Any] = {"query": {"terms": {"unit_id": ids}}, "size": len(ids), "_source": {"excludes": excludes}}
            if q:
                body["highlight"] = highlight(q)
            bodies.append(body)
        if facets is not None:
            bodies.append(facets)
        if not bodies:
            return {}, None
        searches: list[dict] = []
        for body in bodies:
            searches.extend([{"index": self.names.feedback}, body])
        responses = self.es.msearch(searches=searches)["responses"]
        for resp in responses:
            if "error" in resp:
                raise RuntimeError(f"fetch failed: {resp['error']}")
        docs = {h["_source"].get("unit_id", h["_id"]): h for h in responses[0]["hits"]["hits"]} if ids else {}
        return docs, (responses[-1] if facets is not None else None)

    @staticmethod
    def _unit(hit: dict, score: float | None) -> dict:
        unit = dict(hit["_source"])
        unit["_score"] = score
        if hit.get("highlight"):
            unit["_highlight"] = hit["highlight"].get("text", [])
        return unit


def _collapse(fused: list, groups: dict[str, str | None]) -> list:
    """Keep the best-ranked member of each duplicate group (units without a group stay)."""
    seen: set[str] = set()
    out = []
    for item in fused:
        group = groups.get(item[0])
        if group:
            if group in seen:
                continue
            seen.add(group)
        out.append(item)
    return out
