"""Relevance evaluation of keyword, vector and hybrid search against the demo ground truth.

Judgments: `eval_queries.yaml` holds hand-written queries per sub-theme; a unit is relevant to a
query when its ground-truth sub_theme matches (binary). Unit ids come from
stable_id(source, record_id, part, segment), the id the connectors give units.

Corpus: the live feedback index when it holds the ground-truth units (after `voxindex ingest`),
else a dedicated index `<prefix>-searcheval` built from a deterministic stratified sample of
the ground-truth texts, embedded with the same MiniLM model (kept between runs).

Metrics: nDCG@10 (binary gains; the ideal ranking has min(R, 10) relevant units) and
recall@50 normalised by min(R, 50) - with hundreds of relevant units per sub-theme, plain
recall@50 could never exceed 50/R, so it would measure the dataset, not the ranking.
"""
from __future__ import annotations

import hashlib
import json
import math
import random
import sys
import time
from collections import defaultdict
from dataclasses import dataclass, replace
from datetime import datetime, timezone
from pathlib import Path
from typing import Any

import yaml

from voxindex.config import Settings, get_settings
from voxindex.model import stable_id

QUERIES = Path(__file__).resolve().parent / "eval_queries.yaml"
MODES = ("keyword", "vector", "hybrid")
DEFAULT_PER_SUB_THEME = 150


@dataclass(frozen=True)
class JudgedQuery:
    qid: str
    text: str
    sub_theme: str


def load_queries(path: Path = QUERIES) -> list[JudgedQuery]:
    data = yaml.safe_load(Path(path).read_text())
    out = []
    for sub, texts in data["queries"].items():
        for i, text in enumerate(texts):
            out.append(JudgedQuery(f"{sub}#{i + 1}", text, sub))
    return out


def load_truth(data_dir: Path) -> list[dict]:
    """Customer units with a sub-theme, each with the unit id the pipeline gives it."""
    path = Path(data_dir) / "ground_truth" / "units.jsonl"
    if not path.exists():
        raise FileNotFoundError(f"{path} not found: generate it with `voxindex demo-data --out {data_dir}`")
    out = []
    with path.open() as fh:
        for line in fh:
            d = json.loads(line)
            if d.get("speaker_role") == "customer" and d.get("sub_theme") and d.get("text"):
                d["unit_id"] = stable_id(d["source"], d["record_id"], d["part"], d.get("segment", 0))
                out.append(d)
    return out


def stratified_sample(truth: list[dict], per_sub_theme: int, seed: int = 7) -> list[dict]:
    by_sub: dict[str, list[dict]] = defaultdict(list)
    for d in truth:
        by_sub[d["sub_theme"]].append(d)
    rng = random.Random(seed)
    out = []
    for sub in sorted(by_sub):
        items = sorted(by_sub[sub], key=lambda d: d["unit_id"])
        out.extend(rng.sample(items, min(per_sub_theme, len(items))))
    return sorted(out, key=lambda d: d["unit_id"])


# ----------------------------------------------------------------------------- metrics
def ndcg_at(ranked: list[str], relevant: set[str], k: int = 10) -> float:
    dcg = sum(1.0 / math.log2(i + 2) for i, d in enumerate(ranked[:k]) if d in relevant)
    ideal = sum(1.0 / math.log2(i + 2) for i in range(min(len(relevant), k)))
    return dcg / ideal if ideal else 0.0


def recall_at(ranked: list[str], relevant: set[str], k: int = 50) -> float:
    if not relevant:
        return 0.0
    return len(set(ranked[:k]) & relevant) / min(len(relevant), k)


# ----------------------------------------------------------------------------- corpus
def _eval_settings(settings: Settings) -> Settings:
    return replace(settings, index_prefix=f"{settings.index_prefix}-searcheval")


def live_coverage(es, settings: Settings, truth: list[dict], probe: int = 200) -> float:
    """Share of a probe of ground-truth ids present in the live index."""
    ids = [d["unit_id"] for d in truth[:: max(1, len(truth) // probe)]][:probe]
    if not ids or not es.indices.exists_alias(name=settings.indices.feedback):
        return 0.0
    got = es.count(index=settings.indices.feedback, query={"terms": {"unit_id": ids}})["count"]
    return got / len(ids)


def build_corpus(es, settings: Settings, units: list[dict]) -> Settings:
    """Index the sampled ground-truth units (text + MiniLM embedding) under `<prefix>-searcheval`;
    reused when it already holds exactly this sample."""
    from tqdm import tqdm

    from indexer.bulk import RetryPolicy, bulk_write
    from indexer.enrich.embed import get_embedder
    from voxindex.setup import drop_indices, setup_indices

    ev = _eval_settings(settings)
    fp = hashlib.sha1("\n".join(d["unit_id"] for d in units).encode()).hexdigest()[:16]
    names = ev.indices
    if es.indices.exists_alias(name=names.feedback):
        meta = next(iter(es.indices.get_mapping(index=names.feedback).values()))["mappings"].get("_meta", {})
        if meta.get("sample") == fp and es.count(index=names.feedback)["count"] == len(units):
            return ev
        drop_indices(es, names)
    setup_indices(es, names, kinds=("feedback",))
    embedder = get_embedder(settings)  # the shared sqlite cache: re-runs (and ingest) reuse vectors
    now = datetime(2026, 1, 1, tzinfo=timezone.utc).isoformat()
    bar = tqdm(total=len(units), desc="embedding + indexing eval corpus", unit="unit", file=sys.stderr)
    for i in range(0, len(units), 256):
        chunk = units[i: i + 256]
        vecs = embedder.encode([d["text"] for d in chunk])
        actions = [{
            "_index": names.feedback_write, "_id": d["unit_id"],
            "_source": {"unit_id": d["unit_id"], "source_record_id": str(d["record_id"]), "source": d["source"],
                        "channel": "ticket", "connector": d["source"], "speaker_role": "customer",
                        "is_customer_signal": True, "text": d["text"], "created_at": now,
                        "embedding": [float(x) for x in v],
                        "provenance": {"record_part": d["part"]}},
        } for d, v in zip(chunk, vecs)]
        bulk_write(es, actions, RetryPolicy.from_settings(settings), "indexing the eval corpus").raise_for_failures(
            "indexing the eval corpus")
        bar.update(len(chunk))
    bar.close()
    es.indices.refresh(index=names.feedback)
    es.indices.put_mapping(index=names.feedback, meta={"sample": fp})
    return ev


# ----------------------------------------------------------------------------- runs
def _searcher(es, settings: Settings, tuning):
    from indexer.enrich.embed import get_embedder

    from .search import Searcher

    embedder = get_embedder(settings)
    cache: dict[str, list[float]] = {}

    def embed(text: str) -> list[float]:
        if text not in cache:
            cache[text] = [float(x) for x in embedder.encode([text])[0]]
        return cache[text]

    return Searcher(es, settings.indices, embed, b"eval", tuning)


def ranked_ids(searcher, query: str, mode: str, depth: int = 50) -> list[str]:
    from .auth import Principal
    from .params import search_params
    from .spec import validate

    p = validate(search_params(), {"q": query, "mode": mode, "size": str(depth), "facets": "false",
                                   "highlight": "false"}, "query")
    out = searcher.search(p, Principal("eval", "eval", "admin"))
    return [u["unit_id"] for u in out["results"]]


def score(searcher, queries: list[JudgedQuery], relevant: dict[str, set[str]], mode: str) -> dict[str, Any]:
    ndcg, recall, lat = [], [], []
    per_query = {}
    for jq in queries:
        t0 = time.perf_counter()
        ranked = ranked_ids(searcher, jq.text, mode)
        lat.append((time.perf_counter() - t0) * 1000)
        rel = relevant.get(jq.sub_theme, set())
        n, r = ndcg_at(ranked, rel, 10), recall_at(ranked, rel, 50)
        ndcg.append(n)
        recall.append(r)
        per_query[jq.qid] = {"ndcg@10": round(n, 4), "recall@50": round(r, 4)}
    return {"ndcg@10": round(sum(ndcg) / len(ndcg), 4), "recall@50": round(sum(recall) / len(recall), 4),
            "mean_ms": round(sum(lat) / len(lat), 1), "per_query": per_query}


TUNING_GRID = [
    {"rrf_k": k, "lexical_window": w, "vector_k": w, "num_candidates": max(2 * w, 100), "vector_weight": vw}
    for k in (20, 60, 100) for w in (50, 100, 200) for vw in (1.0, 2.0, 3.0)
]


def evaluate(data_dir: str | Path, settings: Settings | None = None, corpus: str = "auto",
             per_sub_theme: int = DEFAULT_PER_SUB_THEME, tune: bool = False, es=None) -> dict[str, Any]:
    from voxindex.es import client

    from .search import SearchTuning

    settings = settings or get_settings()
    es = es or client(settings)
    truth = load_truth(Path(data_dir))
    queries = load_queries()
    coverage = live_coverage(es, settings, truth) if corpus in ("auto", "live") else 0.0
    if corpus == "live" or (corpus == "auto" and coverage >= 0.5):
        used, target = "live", settings
        judged = truth
    else:
        judged = stratified_sample(truth, per_sub_theme)
        used, target = "sample", build_corpus(es, settings, judged)
    relevant: dict[str, set[str]] = defaultdict(set)
    for d in judged:
        relevant[d["sub_theme"]].add(d["unit_id"])
    base = SearchTuning()
    searcher = _searcher(es, target, base)
    result: dict[str, Any] = {
        "corpus": {"kind": used, "index": target.indices.feedback, "units": es.count(index=target.indices.feedback)["count"],
                   "judged_units": len(judged), "live_coverage": round(coverage, 3)},
        "queries": len(queries),
        "tuning": base.__dict__,
        "modes": {mode: score(searcher, queries, relevant, mode) for mode in MODES},
    }
    if tune:
        rows = []
        for cfg in TUNING_GRID:
            s = _searcher(es, target, replace(base, **cfg))
            m = score(s, queries, relevant, "hybrid")
            rows.append({**cfg, "ndcg@10": m["ndcg@10"], "recall@50": m["recall@50"], "mean_ms": m["mean_ms"]})
        result["tuning_grid"] = rows
    return result


def format(m: dict[str, Any]) -> str:
    c = m["corpus"]
    lines = [
        f"search relevance: {m['queries']} judged queries, corpus={c['kind']} ({c['index']}, {c['units']} units, "
        f"{c['judged_units']} judged)",
        f"hybrid tuning: rrf_k={m['tuning']['rrf_k']:g} lexical_window={m['tuning']['lexical_window']} "
        f"vector_k={m['tuning']['vector_k']} num_candidates={m['tuning']['num_candidates']} "
        f"weights keyword={m['tuning']['keyword_weight']:g} vector={m['tuning']['vector_weight']:g}",
        f"{'mode':10s} {'nDCG@10':>8s} {'recall@50':>10s} {'mean ms':>8s}",
    ]
    for mode in MODES:
        r = m["modes"][mode]
        lines.append(f"{mode:10s} {r['ndcg@10']:8.4f} {r['recall@50']:10.4f} {r['mean_ms']:8.1f}")
    if m.get("tuning_grid"):
        lines.append("hybrid tuning grid:")
        lines.append(f"  {'rrf_k':>5s} {'window':>6s} {'vec_w':>5s} {'nDCG@10':>8s} {'recall@50':>10s}")
        for row in m["tuning_grid"]:
            lines.append(f"  {row['rrf_k']:5g} {row['lexical_window']:6d} {row['vector_weight']:5g} "
                         f"{row['ndcg@10']:8.4f} {row['recall@50']:10.4f}")
    return "\n".join(lines)


def run(data_dir, limit: int | None = None) -> dict:
    """`voxindex eval --task search` entry point (indexer/evals registry)."""
    per_sub = max(5, limit // 26) if limit else DEFAULT_PER_SUB_THEME  # limit: labeled units in all
    return evaluate(data_dir, corpus="auto" if not limit else "sample", per_sub_theme=per_sub)
