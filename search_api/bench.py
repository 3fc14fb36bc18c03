"""`voxindex bench search`: p50/p95/p99 latency of keyword, vector and hybrid search at 100k+ units.

The bench index `<prefix>-benchsearch-feedback` is filled with synthetic units made by sampling
real units (text + embedding) and perturbing them: the embedding gets Gaussian noise and is
re-normalised, the text is recombined with another unit's sentence, metadata (source, segment,
dates, accounts) is re-drawn. It is reused across runs when it already holds enough units.
Seeds come from the live index, else the eval corpus, else the handmade test corpus.

Latency is measured in-process through the same `Searcher` the API uses (default request:
size 20, facets and highlights on), modes interleaved query by query, after a warm-up. Query
vectors are embedded once beforehand; the embedding cost of a query is reported separately.
"""
from __future__ import annotations

import argparse
import json
import random
import sys
import time
from dataclasses import replace
from datetime import datetime, timedelta, timezone
from pathlib import Path

import numpy as np

from voxindex.model import CHANNELS, PLANS, SEGMENTS, SENTIMENTS, SEVERITIES, SOURCES

MODES = ("keyword", "vector", "hybrid")
E2E = "hybrid+embed"


def register_bench(bsub: argparse._SubParsersAction) -> None:
    p = bsub.add_parser("search", help="p50/p95/p99 of keyword, vector and hybrid search at >= 100k units",
                        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    p.add_argument("--units", type=int, default=100_000, help="units in the bench index (default 100000)")
    p.add_argument("--queries", type=int, default=300, help="timed queries per mode (default 300)")
    p.add_argument("--rebuild", action="store_true", help="drop and refill the bench index")
    p.add_argument("--no-merge", action="store_true", help="skip the force-merge to one segment after loading")
    p.add_argument("--json", metavar="OUT", help="also write the numbers as JSON")
    p.add_argument("--seeds-from", metavar="DIR", help="seed vectors: encode up to --seeds texts read from this data "
                   "directory's source files (default: the live index, else the eval corpus, else the handmade corpus)")
    p.add_argument("--seeds", type=int, default=3000, help="seed texts with --seeds-from (default 3000)")
    p.add_argument("--load-budget", type=float, default=None, metavar="S",
                   help="stop loading after S seconds and bench the units loaded so far (reported as partial)")
    p.add_argument("--sweep", metavar="NC[:OS],...", default=None,
                   help="also measure recall@10 and vector/hybrid p95 for these num_candidates[:rescore oversample] "
                        "variants, e.g. 100,200,400:2")
    p.set_defaults(func=_bench)


def _bench(args: argparse.Namespace) -> int:
    from voxindex.config import get_settings
    from voxindex.es import client, wait_until_up

    settings = get_settings()
    es = client(settings)
    wait_until_up(es, timeout=30)
    result = run_bench(es, settings, args.units, args.queries, args.rebuild, merge=not args.no_merge,
                       seeds_from=args.seeds_from, n_seeds=args.seeds, load_budget=args.load_budget,
                       sweep=parse_sweep(args.sweep))
    print(format_result(result))
    if args.json:
        Path(args.json).write_text(json.dumps(result, indent=2))
    return 0


# ----------------------------------------------------------------------------- seeds
def parse_sweep(spec: str | None) -> list[tuple[int, float | None]]:
    """Pure: "100,200,400:2" -> [(100, None), (200, None), (400, 2.0)]."""
    out: list[tuple[int, float | None]] = []
    for part in (spec or "").split(","):
        if part.strip():
            nc, _, os_ = part.strip().partition(":")
            out.append((int(nc), float(os_) if os_ else None))
    return out


def seeds_from_data(settings, data_dir: str | Path, limit: int = 3000) -> list[dict]:
    """Seed units encoded now from a data directory's source files (the connectors' units, the
    pipeline's encoder): real message vectors for the synthetic index to scatter noise around."""
    from indexer.bench import read_units
    from indexer.enrich.embed import get_embedder

    units = [u for u in read_units(data_dir, limit) if u.text and len(u.text.strip()) > 12]
    vecs = get_embedder(settings).encode([u.text for u in units])
    return [{"text": u.text, "embedding": v.tolist(), "taxonomy": {}} for u, v in zip(units, vecs)]


def seeds_file(settings, fingerprint: str) -> Path:
    return Path(settings.home) / "bench" / f"search-seeds-{fingerprint}.npy"


def _seeds(es, settings, limit: int = 3000, seeds_from: str | Path | None = None) -> tuple[list[dict], str]:
    from .evaluation import _eval_settings

    if seeds_from:
        return seeds_from_data(settings, seeds_from, limit), f"texts of {seeds_from}"

    for where, s in (("live index", settings), ("eval corpus", _eval_settings(settings))):
        alias = s.indices.feedback
        if es.indices.exists_alias(name=alias) and es.count(index=alias, query={"exists": {"field": "embedding"}})["count"] >= 200:
            resp = es.search(index=alias, size=limit, query={"function_score": {"query": {"exists": {"field": "embedding"}},
                             "random_score": {"seed": 7, "field": "_seq_no"}}}, _source=["text", "embedding", "taxonomy"])
            return [h["_source"] for h in resp["hits"]["hits"]], where
    from .synthetic import build_units, minilm

    units = build_units(minilm(settings))
    return [{"text": u.text, "embedding": u.embedding, "taxonomy": {"theme": u.taxonomy.theme, "sub_theme": u.taxonomy.sub_theme}}
            for u in units], "handmade corpus"


def synthetic_vectors(seeds: list[dict], n: int, seed: int = 7, noise: float = 0.02, batch: int = 1000):
    """Yield (first unit number, vectors) chunks: exactly the embeddings synthetic_docs gives the
    same seeds (same random stream), without building documents, for exact kNN in numpy."""
    nrng = np.random.default_rng(seed)
    base = np.asarray([s["embedding"] for s in seeds], dtype=np.float32)
    for start in range(0, n, batch):
        m = min(batch, n - start)
        idx = nrng.integers(0, len(seeds), size=m)
        vecs = base[idx] + nrng.normal(0, noise, size=(m, base.shape[1])).astype(np.float32)
        vecs /= np.linalg.norm(vecs, axis=1, keepdims=True)
        yield start, np.round(vecs, 5).astype(np.float32)


def seeds_fingerprint(seeds: list[dict]) -> str:
    import hashlib

    return hashlib.sha1(np.asarray([s["embedding"] for s in seeds], dtype=np.float32).tobytes()).hexdigest()[:16]


def exact_top_k(seeds: list[dict], n: int, queries: np.ndarray, k: int = 10) -> list[list[str]]:
    """Brute-force cosine top-k unit ids over the whole synthetic index, streamed in chunks."""
    best_s = np.full((len(queries), 0), -np.inf, dtype=np.float32)
    best_i = np.zeros((len(queries), 0), dtype=np.int64)
    for start, vecs in synthetic_vectors(seeds, n, batch=1000):
        sims = queries @ vecs.T
        ids = np.broadcast_to(np.arange(start, start + len(vecs)), sims.shape)
        all_s, all_i = np.concatenate([best_s, sims], 1), np.concatenate([best_i, ids], 1)
        top = np.argsort(-all_s, axis=1, kind="stable")[:, :k]
        best_s, best_i = np.take_along_axis(all_s, top, 1), np.take_along_axis(all_i, top, 1)
    return [[f"bench{i:08d}" for i in row] for row in best_i]


def synthetic_docs(seeds: list[dict], n: int, seed: int = 7, noise: float = 0.02):
    """Yield n unit documents derived from the seeds (deterministic for a seed)."""
    rng = random.Random(seed)
    nrng = np.random.default_rng(seed)
    base = np.asarray([s["embedding"] for s in seeds], dtype=np.float32)
    sentences = [t for s in seeds for t in s["text"].replace("!", ".").replace("?", ".").split(".") if len(t.strip()) > 12]
    end = datetime(2026, 10, 1, tzinfo=timezone.utc)
    batch = 1000
    for start in range(0, n, batch):
        m = min(batch, n - start)
        idx = nrng.integers(0, len(seeds), size=m)
        vecs = base[idx] + nrng.normal(0, noise, size=(m, base.shape[1])).astype(np.float32)
        vecs /= np.linalg.norm(vecs, axis=1, keepdims=True)
        vecs = np.round(vecs, 5)
        for j in range(m):
            s = seeds[int(idx[j])]
            i = start + j
            unit_id = f"bench{i:08d}"
            acc = rng.randrange(2000)
            tax = s.get("taxonomy") or {}
            yield {
                "unit_id": unit_id, "source_record_id": f"b{i // 3}", "thread_id": f"b{i // 3}", "position": i % 3,
                "source": rng.choice(SOURCES[:6]), "channel": rng.choice(CHANNELS), "connector": "bench",
                "speaker_role": "customer", "is_customer_signal": rng.random() > 0.1,
                "text": f"{s['text']} {rng.choice(sentences).strip()}.",
                "created_at": (end - timedelta(minutes=rng.randrange(90 * 24 * 60))).isoformat(),
                "account_id": f"acc_{acc:04d}",
                "account": {"account_id": f"acc_{acc:04d}", "segment": SEGMENTS[acc % 3], "plan": PLANS[acc % 4],
                            "region": ("NA", "EU", "APAC", "LATAM")[acc % 4], "arr": float(1000 + (acc * 7919) % 200000)},
                "taxonomy": {"theme": tax.get("theme") or [], "sub_theme": tax.get("sub_theme") or []},
                "sentiment": {"label": rng.choice(SENTIMENTS)}, "severity": {"label": rng.choice(SEVERITIES)},
                "duplicate_group": f"bd{i // 50}" if i % 50 < 2 else None,
                "embedding": vecs[j].tolist(),
            }


def es_heap(es) -> dict:
    """Heap used / max of the (first) node: the shared cluster's limit to watch while loading."""
    try:
        node = next(iter(es.nodes.stats(metric="jvm")["nodes"].values()))
        mem = node["jvm"]["mem"]
        return {"heap_used_mb": round(mem["heap_used_in_bytes"] / 2**20), "heap_max_mb": round(mem["heap_max_in_bytes"] / 2**20),
                "heap_used_pct": round(100 * mem["heap_used_in_bytes"] / mem["heap_max_in_bytes"], 1)}
    except Exception as exc:  # noqa: BLE001 - a figure for the log, never a reason to stop
        return {"heap_error": type(exc).__name__}


def load_units(es, index: str, seeds: list[dict], n: int, budget_s: float | None = None, chunk: int = 2000,
               log_every: float = 15.0) -> int:
    """Bulk-load the first n synthetic units through the project's retrying bulk helper, the next
    chunk generated while the previous one is written; returns how many were written (fewer than n
    only when `budget_s` ran out: the bench then measures what is there, and says so)."""
    from indexer.bulk import RetryPolicy, bulk_write
    from indexer.overlap import run_overlapped

    policy = RetryPolicy(chunk_size=500, outage_s=300.0)
    docs = synthetic_docs(seeds, n)
    started = last_log = time.perf_counter()
    written = 0

    def batches():
        for first in range(0, n, chunk):
            if budget_s is not None and time.perf_counter() - started > budget_s:
                print(f"load budget {budget_s:.0f} s spent: stopping at {first} units", file=sys.stderr, flush=True)
                return
            yield min(chunk, n - first)

    def prepare(m: int) -> list[dict]:  # this thread: generating the next chunk while one is written
        return [{"_index": index, "_id": d["unit_id"], "_source": d} for d in (next(docs) for _ in range(m))]

    def commit(m: int, actions: list[dict]) -> None:
        nonlocal written, last_log
        result = bulk_write(es, actions, policy, "loading bench units")
        if result.failed:
            doc_id, item = next(iter(result.failed.items()))
            raise RuntimeError(f"{len(result.failed)} bench units rejected, e.g. {doc_id}: {item.get('error')}")
        written += len(actions)
        now = time.perf_counter()
        if now - last_log >= log_every or written >= n:
            last_log = now
            rate = written / max(now - started, 1e-9)
            print(f"loaded {written}/{n} units, {rate:.0f} units/s, eta {(n - written) / max(rate, 1e-9):.0f} s, "
                  f"{es_heap(es)}", file=sys.stderr, flush=True)

    run_overlapped(batches(), prepare, commit)
    return written


def ensure_bench_index(es, settings, n: int, rebuild: bool, merge: bool, seeds_from=None, n_seeds: int = 3000,
                       load_budget: float | None = None) -> tuple[object, dict]:
    from voxindex.setup import drop_indices, setup_indices, template_refresh_interval

    bench = replace(settings, index_prefix=f"{settings.index_prefix}-benchsearch")
    names = bench.indices
    info: dict = {"index": names.feedback}
    if es.indices.exists_alias(name=names.feedback) and not rebuild:
        have = es.count(index=names.feedback)["count"]
        if have >= n:
            meta = next(iter(es.indices.get_mapping(index=names.feedback).values()))["mappings"].get("_meta", {})
            info.update(reused=True, units=have, seeds_fingerprint=meta.get("seeds"), generated=meta.get("generated"),
                        seeded_from=meta.get("seeded_from"))
            return bench, info
    drop_indices(es, names)
    setup_indices(es, names, kinds=("feedback",))
    seeds, where = _seeds(es, settings, n_seeds, seeds_from)
    # the exact kNN later regenerates every vector from these seeds: keep them, since re-encoding them
    # through the shared embedding cache can give other bytes (another process re-wrote an entry)
    keep = seeds_file(settings, seeds_fingerprint(seeds))
    keep.parent.mkdir(parents=True, exist_ok=True)
    np.save(keep, np.asarray([x["embedding"] for x in seeds], dtype=np.float32))
    physical = next(iter(es.indices.get_alias(name=names.feedback)))
    es.indices.put_settings(index=physical, settings={"index": {"refresh_interval": "-1", "translog.durability": "async"}})
    t0 = time.perf_counter()
    loaded = load_units(es, names.feedback_write, seeds, n, load_budget)
    load_s = time.perf_counter() - t0
    es.indices.put_settings(index=physical, settings={"index": {"refresh_interval": template_refresh_interval(), "translog.durability": "request"}})
    es.options(request_timeout=600).indices.refresh(index=physical)
    merge_s = None
    if merge:
        t1 = time.perf_counter()
        es.options(request_timeout=7200).indices.forcemerge(index=physical, max_num_segments=1)
        merge_s = round(time.perf_counter() - t1, 1)
    es.indices.put_mapping(index=physical, meta={"seeds": seeds_fingerprint(seeds), "generated": loaded, "seeded_from": where})
    info.update(reused=False, units=es.count(index=names.feedback)["count"], seeds=len(seeds), seeded_from=where,
                seeds_fingerprint=seeds_fingerprint(seeds), generated=loaded, requested=n, partial=loaded < n,
                load_s=round(load_s, 1), units_per_s=round(loaded / load_s), merge_s=merge_s, heap=es_heap(es))
    return bench, info


# ----------------------------------------------------------------------------- timing
def _pct(values: list[float], q: float) -> float:
    v = sorted(values)
    if not v:
        return 0.0
    pos = (len(v) - 1) * q
    lo, hi = int(pos), min(int(pos) + 1, len(v) - 1)
    return v[lo] + (v[hi] - v[lo]) * (pos - lo)


def run_bench(es, settings, n: int = 100_000, queries: int = 300, rebuild: bool = False, merge: bool = True,
              seeds_from=None, n_seeds: int = 3000, load_budget: float | None = None,
              sweep: list[tuple[int, float | None]] | None = None) -> dict:
    from indexer.enrich.embed import get_embedder

    from .auth import Principal
    from .embedding import QueryEmbedder
    from .evaluation import load_queries
    from .search import Searcher

    bench, info = ensure_bench_index(es, settings, n, rebuild, merge, seeds_from, n_seeds, load_budget)
    texts = [q.text for q in load_queries()]
    embedder = get_embedder(settings)
    vectors = {t: [float(x) for x in v] for t, v in zip(texts, embedder.encode(texts))}
    uncached = QueryEmbedder(settings, size=0)  # what the API pays for a query it has not seen
    uncached("warm-up")
    embed_ms = []
    for t in texts[:30]:
        t1 = time.perf_counter()
        uncached(t + " ?")
        embed_ms.append((time.perf_counter() - t1) * 1000)
    cached = QueryEmbedder(settings)
    for t in texts:
        cached(t)
    cached_ms = []
    for t in texts[:30]:
        t1 = time.perf_counter()
        cached(t)
        cached_ms.append((time.perf_counter() - t1) * 1000)
    searcher = Searcher(es, bench.indices, lambda q: vectors[q], b"bench")
    # end to end: the hybrid query embeds its text every time (no LRU hit), as for a new query
    e2e = Searcher(es, bench.indices, lambda q: uncached(q), b"bench")
    principal = Principal("bench", "bench", "admin")
    rng = random.Random(7)
    filters = [{}, {}, {"segment": "enterprise"}, {"sentiment": "negative"}, {"source": "zendesk,appstore"}]
    plan = [(texts[i % len(texts)], rng.choice(filters)) for i in range(queries)]
    lat = time_modes(searcher, e2e, principal, plan, (*MODES, E2E))
    exact = exact_neighbours(es, settings, info, [vectors[t] for t in texts], seeds_from, n_seeds)
    result = {
        "index": {**info, "segments": segment_count(es, bench)},
        "queries_per_mode": queries,
        "request": "size=20, facets=true, highlight=true, 40% of queries with a filter",
        "latency_ms": {m: _summary(v) for m, v in lat.items()},
        "query_embedding_ms": {"p50": round(_pct(embed_ms, 0.5), 1), "p95": round(_pct(embed_ms, 0.95), 1),
                               "encoder": uncached.encoder.kind,
                               "lru_hit_p50": round(_pct(cached_ms, 0.5), 3)},
        "tuning": searcher.tuning.__dict__,
        "recall": knn_recall(es, bench, [vectors[t] for t in texts], exact, searcher.tuning),
        "memory": {**vector_memory(es, bench, info["units"]), "heap": es_heap(es)},
    }
    variants = []
    for nc, oversample in sweep or []:
        tuning = replace(searcher.tuning, num_candidates=nc, rescore_oversample=oversample)
        s_v = Searcher(es, bench.indices, lambda q: vectors[q], b"bench", tuning)
        s_e = Searcher(es, bench.indices, lambda q: uncached(q), b"bench", tuning)
        vl = time_modes(s_v, s_e, principal, plan[: max(50, len(plan) // 3)], ("vector", E2E), warm=5)
        variants.append({"num_candidates": nc, "rescore_oversample": oversample,
                         "vector": _summary(vl["vector"]), E2E: _summary(vl[E2E]),
                         "recall": knn_recall(es, bench, [vectors[t] for t in texts], exact, tuning)})
    if variants:
        result["sweep"] = variants
    return result


def _summary(v: list[float]) -> dict:
    return {"p50": round(_pct(v, 0.5), 1), "p95": round(_pct(v, 0.95), 1), "p99": round(_pct(v, 0.99), 1),
            "mean": round(sum(v) / len(v), 1)}


def time_modes(searcher, e2e, principal, plan, modes, warm: int = 20) -> dict[str, list[float]]:
    """Milliseconds per request for each mode, modes interleaved query by query (order flipped at
    random so neither always runs on the cache the other warmed), after a warm-up."""
    from .params import search_params
    from .spec import validate

    rng = random.Random(11)
    for q, f in plan[:warm]:
        for mode in modes:
            s = e2e if mode == E2E else searcher
            s.search(validate(search_params(), {"q": q, "mode": "hybrid" if mode == E2E else mode, **f}, "query"), principal)
    lat: dict[str, list[float]] = {m: [] for m in modes}
    for q, f in plan:
        for mode in (modes if rng.random() < 0.5 else modes[::-1]):
            p = validate(search_params(), {"q": q, "mode": "hybrid" if mode == E2E else mode, **f}, "query")
            t1 = time.perf_counter()
            (e2e if mode == E2E else searcher).search(p, principal)
            lat[mode].append((time.perf_counter() - t1) * 1000)
    return lat


def segment_count(es, bench) -> int | None:
    try:
        physical = next(iter(es.indices.get_alias(name=bench.indices.feedback)))
        return int(es.indices.stats(index=physical, metric="segments")["indices"][physical]["primaries"]["segments"]["count"])
    except Exception:  # noqa: BLE001 - a figure for the report only
        return None


def exact_neighbours(es, settings, info: dict, queries: list[list[float]], seeds_from=None, n_seeds: int = 3000,
                     k: int = 10) -> dict:
    """Brute-force cosine top-k over every vector in the bench index (regenerated from its seeds)."""
    kept = seeds_file(settings, str(info.get("seeds_fingerprint")))
    if kept.exists():
        seeds = [{"embedding": v} for v in np.load(kept)]
    else:
        seeds, _ = _seeds(es, settings, n_seeds, seeds_from)
    if info.get("seeds_fingerprint") != seeds_fingerprint(seeds) or not info.get("generated"):
        return {"skipped": "the bench index was built from other seeds; rerun with --rebuild (and the same --seeds-from)"}
    t = time.perf_counter()
    top = exact_top_k(seeds, int(info["generated"]), np.asarray(queries, dtype=np.float32), k)
    return {"top": top, "k": k, "seconds": round(time.perf_counter() - t, 1)}


def knn_recall(es, bench, queries: list[list[float]], exact: dict, tuning, k: int = 10) -> dict:
    """recall@k of the kNN request the API sends (int8 HNSW, k=vector_k, the tuning's
    num_candidates and rescoring), top k of it against the exact top k."""
    if "top" not in exact:
        return {"skipped": exact.get("skipped")}
    hits = []
    for vec, truth in zip(queries, exact["top"]):
        knn = {"field": "embedding", "query_vector": vec, "k": max(tuning.vector_k, k),
               "num_candidates": max(tuning.num_candidates, tuning.vector_k, k)}
        if getattr(tuning, "rescore_oversample", None):
            knn["rescore_vector"] = {"oversample": tuning.rescore_oversample}
        resp = es.search(index=bench.indices.feedback, knn=knn, size=k, _source=False)
        got = {h["_id"] for h in resp["hits"]["hits"]}
        hits.append(len(got & set(truth)) / k)
    return {"k": k, "queries": len(queries), "num_candidates": knn["num_candidates"],
            "rescore_oversample": getattr(tuning, "rescore_oversample", None), "recall": round(float(np.mean(hits)), 4),
            "min": round(float(np.min(hits)), 2), "exact_seconds": exact.get("seconds")}


def vector_memory(es, bench, units: int) -> dict:
    """On-disk size of the vector field (raw floats + int8 copy + HNSW graph) from `_disk_usage`,
    and the part HNSW search wants in RAM (page cache): the int8 vectors and the graph."""
    physical = next(iter(es.indices.get_alias(name=bench.indices.feedback)))
    out: dict = {"units": units, "store_bytes": es.indices.stats(index=physical)["indices"][physical]["total"]["store"]["size_in_bytes"]}
    try:
        import warnings

        warnings.simplefilter("ignore", category=Warning)  # the analysis API is a technical preview
        du = es.options(request_timeout=600).indices.disk_usage(index=physical, run_expensive_tasks=True)[physical]
        out["knn_vectors_bytes"] = du["all_fields"]["knn_vectors_in_bytes"]
    except Exception as exc:  # the analysis API is optional for the figure
        out["knn_vectors_error"] = type(exc).__name__
    # int8_hnsw: 384 int8 + a 4-byte correction per vector, graph ~ m * 2 links * 4 bytes on layer 0
    out["hot_bytes_estimate"] = units * (384 + 4 + 16 * 2 * 4)
    out["hot_mb_per_million"] = round((384 + 4 + 16 * 2 * 4) * 1_000_000 / 2**20)
    return out


def format_result(r: dict) -> str:
    i = r["index"]
    head = (f"search bench: {i['units']} units in {i['index']} "
            + ("(reused)" if i.get("reused") else f"(loaded {i.get('units_per_s')} units/s from {i.get('seeds')} seeds "
               f"of the {i.get('seeded_from')}; merge {i.get('merge_s')} s)")
            + f", {i.get('segments')} segments"
            + (f"; PARTIAL: {i['generated']} of {i['requested']} units loaded within the load budget" if i.get("partial") else "")
            + ("\nunits are synthetic: each vector is a real encoded text's vector plus Gaussian noise (sd 0.02 per "
               "dimension), re-normalized; text = that seed text plus another seed's sentence"))
    lines = [head, f"{r['queries_per_mode']} queries per mode, {r['request']}",
             f"{'mode':8s} {'p50 ms':>8s} {'p95 ms':>8s} {'p99 ms':>8s} {'mean':>8s}"]
    for mode in (*MODES, E2E):
        v = r["latency_ms"][mode]
        lines.append(f"{mode:8s} {v['p50']:8.1f} {v['p95']:8.1f} {v['p99']:8.1f} {v['mean']:8.1f}")
    e = r["query_embedding_ms"]
    lines.append(f"({E2E}: hybrid embedding every query with no LRU hit, i.e. end to end for a new query)")
    lines.append(f"query embedding alone ({e.get('encoder')}, uncached): p50 {e['p50']} ms, p95 {e['p95']} ms; "
                 f"a repeated query (LRU hit): p50 {e.get('lru_hit_p50')} ms")
    for v in r.get("sweep") or []:
        rc = v["recall"]
        lines.append(f"  variant num_candidates={v['num_candidates']} oversample={v['rescore_oversample']}: vector p95 "
                     f"{v['vector']['p95']} ms, {E2E} p50/p95/p99 {v[E2E]['p50']}/{v[E2E]['p95']}/{v[E2E]['p99']} ms, "
                     f"recall@10 {rc.get('recall', rc.get('skipped'))}")
    rec = r.get("recall") or {}
    if "recall" in rec:
        lines.append(f"kNN recall@{rec['k']} vs exact cosine over all {i['units']} vectors: {rec['recall']} "
                     f"(min {rec['min']}, {rec['queries']} queries, num_candidates {rec['num_candidates']}, "
                     f"rescore oversample {rec.get('rescore_oversample')}; the served request: k=vector_k, top 10 of it)")
    elif rec:
        lines.append(f"kNN recall: {rec.get('skipped')}")
    m = r.get("memory") or {}
    if m:
        lines.append(f"vectors: {m.get('knn_vectors_bytes', 0) / 2**20:.0f} MB on disk for {m['units']} units "
                     f"(index {m['store_bytes'] / 2**20:.0f} MB); in RAM for HNSW (int8 + graph) ~"
                     f"{m['hot_bytes_estimate'] / 2**20:.0f} MB = {m['hot_mb_per_million']} MB per million units; "
                     f"Elasticsearch heap {m.get('heap')}")
    return "\n".join(lines)
