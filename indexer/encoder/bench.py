"""`voxindex bench encoder`: the encoder kinds side by side, in one run, on real short texts.

1. Speed and fidelity: texts/s (wall and per CPU-second) of torch fp32 (the reference), ONNX
   Runtime fp32 and ONNX Runtime int8 on N real short texts from the shared corpora (dev/test
   files only), same threads, same length-sorted batches; mean / min cosine to torch fp32; and
   batch invariance: the cosine of a text's vector in its batch to its vector encoded alone.
2. Segmentation on real text, label-free: on N real multi-sentence messages (app reviews,
   complaint tweets, product reviews), the share each kind splits exactly as fp32 does (same
   sentence groups). The split decision sits on confidence thresholds, so this is where a
   quantized encoder would show first.
3. With --data DIR (labeled, e.g. demo data): the quality gates per kind: taxonomy and sentiment
   eval metrics and search nDCG@10 (each kind embeds its own search corpus, under its own index
   prefix, dropped afterwards), plus what one encoder pass per message costs: the cosine of unit
   vectors derived from sentence vectors to the exact ones, and search nDCG with derived vectors.
"""
from __future__ import annotations

import argparse
import json
import os
import random
import sys
import time
from dataclasses import replace
from pathlib import Path

import numpy as np

TEXT_FILES = ("sentiment/tweeteval-val.jsonl", "intent/banking77-test.jsonl", "intent/clinc150-test.jsonl")
# real messages long enough to be segmentation candidates (fidelity only: nothing is tuned on them)
LONG_TEXT_FILES = ("intent/app-reviews-8000.jsonl", "intent/complaints-tweets.jsonl",
                   "sentiment/amazon-multidomain-reviews.jsonl")
KIND_ORDER = ("torch", "fp32", "int8")
ALONE = 200  # texts also encoded one at a time, for the batch-invariance columns


def register_bench(bsub: argparse._SubParsersAction, name: str = "encoder") -> None:
    p = bsub.add_parser(name, help="encoder kinds side by side: texts/s, cosine to torch fp32, quality gates",
                        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    p.add_argument("--n", type=int, default=2000, help="real short texts to encode (default 2000)")
    p.add_argument("--threads", type=int, default=None, help="threads for every kind (default VOXINDEX_ENCODER_THREADS)")
    p.add_argument("--corpora", default=None, metavar="DIR", help="shared corpora directory (default VOXINDEX_CORPORA, ../shared/corpora)")
    p.add_argument("--split-messages", type=int, default=2000, metavar="N",
                   help="real multi-sentence messages for the split-agreement check (default 2000; 0 skips it)")
    p.add_argument("--data", metavar="DIR", help="labeled directory (ground_truth/): also run the quality gates")
    p.add_argument("--limit", type=int, default=2000, help="labeled units per eval task (default 2000)")
    p.add_argument("--quality-kinds", default=None, help="kinds the quality gates compare, the first being the reference "
                        "(default torch,int8, or fp32,int8 without the torch extra; fp32,int8 is quicker: "
                        "fp32 gives torch's vectors to 1e-7)")
    p.add_argument("--json", metavar="OUT", help="also write the numbers as JSON")
    p.set_defaults(func=_run)


def real_texts(corpora: Path, n: int, seed: int = 7) -> list[str]:
    """A deterministic sample of n texts from dev/test files (never train files)."""
    texts: list[str] = []
    for name in TEXT_FILES:
        path = corpora / name
        if path.exists():
            with path.open(encoding="utf-8") as fh:
                texts.extend(t for t in (json.loads(line).get("text", "").strip() for line in fh) if t)
    if not texts:
        raise FileNotFoundError(f"none of {', '.join(TEXT_FILES)} under {corpora}")
    rng = random.Random(seed)
    rng.shuffle(texts)
    return texts[:n]


def kinds_here() -> tuple[str, ...]:
    """The kinds this install can run: torch only with the optional torch extra."""
    from indexer.encoder import torch_available

    return KIND_ORDER if torch_available() else tuple(k for k in KIND_ORDER if k != "torch")


def speed_and_fidelity(settings, texts: list[str], threads: int) -> dict:
    from indexer.encoder import get_encoder

    s = replace(settings, encoder_threads=threads, torch_threads=threads)
    tokens = get_encoder(s, "fp32").tokenizer.lengths(texts)
    rows, ref = {}, None
    for kind in kinds_here():
        enc = get_encoder(s, kind)
        enc.encode(texts[:64])  # warm-up: first-run allocations are not throughput
        t, c = time.perf_counter(), time.process_time()
        vecs = enc.encode(texts).embeddings
        wall, cpu = time.perf_counter() - t, time.process_time() - c
        if ref is None:
            ref = vecs
        cos = (vecs * ref).sum(1)
        # int8 with one activation scale per batch tensor made a text's vector depend on its
        # batch-mates (indexer/encoder/quantize.py); this checks each kind against texts alone
        alone = np.concatenate([enc.encode([t]).embeddings for t in texts[:ALONE]])
        own = (alone * vecs[:ALONE]).sum(1)
        rows[kind] = {"texts_per_s": round(len(texts) / wall, 1), "texts_per_cpu_s": round(len(texts) / cpu, 1),
                      "cosine_mean": round(float(cos.mean()), 4), "cosine_min": round(float(cos.min()), 4),
                      "cosine_p01": round(float(np.quantile(cos, 0.01)), 4),
                      "alone_cosine_mean": round(float(own.mean()), 4), "alone_cosine_min": round(float(own.min()), 4)}
    return {"texts": len(texts), "mean_tokens": round(float(np.mean(tokens)), 1), "threads": threads,
            "batch": settings.encoder_batch, "kinds": rows}


def split_candidates(corpora: Path, n: int, seed: int = 7) -> list[tuple[list[str], list[int]]]:
    """A deterministic sample of n real messages segmentation would classify: (sentences, indices)."""
    from indexer.enrich.segment import candidates

    plans = []
    for name in LONG_TEXT_FILES:
        path = corpora / name
        if path.exists():
            with path.open(encoding="utf-8") as fh:
                plans.extend(p for p in (candidates(json.loads(line).get("text", "")) for line in fh) if p[1])
    random.Random(seed).shuffle(plans)
    return plans[:n]


def split_agreement(reference: list[list[list[int]]], other: list[list[list[int]]]) -> dict:
    """Pure: how often two kinds group each message's sentences identically, and how many each splits."""
    same = sum(a == b for a, b in zip(reference, other))
    return {"messages": len(reference), "same_split": round(same / max(1, len(reference)), 4),
            "split": sum(len(g) > 1 for g in other), "split_reference": sum(len(g) > 1 for g in reference)}


def segmentation_fidelity(settings, corpora: Path, n: int, kinds=("fp32", "int8")) -> dict:
    """Each kind's split decisions on n real messages against the first kind's (fp32: torch's)."""
    from indexer.encoder import get_encoder
    from indexer.enrich.segment import plan_groups
    from indexer.enrich.taxonomy import get_classifier

    plans = split_candidates(corpora, n)
    todo = sorted({sentences[i] for sentences, idx in plans for i in idx})
    clf = get_classifier(settings=settings)
    groups = {}
    for kind in kinds:
        preds = dict(zip(todo, clf.predict(todo, get_encoder(settings, kind).encode(todo).embeddings)))
        groups[kind] = [plan_groups(sentences, {i: preds[sentences[i]] for i in idx}) for sentences, idx in plans]
    return {kind: split_agreement(groups[kinds[0]], groups[kind]) for kind in kinds[1:]}


def _use_kind(kind: str) -> None:
    """Point every process-wide cached model of the evals at `kind`."""
    from indexer.evals import common

    os.environ["VOXINDEX_ENCODER"] = kind
    for f in (common.embedder, common.classifier, common.intent_model):
        f.cache_clear()


class DerivedEmbedder:
    """What one-pass segmentation indexes for a message: each text's vector derived from its
    sentences' vectors (indexer/enrich/segment.py `derive_vector`); one-sentence texts are exact."""

    def __init__(self, embedder):
        self.inner = embedder

    def encode(self, texts: list[str]) -> np.ndarray:
        from indexer.enrich.segment import derive_vector, split_sentences

        split = [split_sentences(t) for t in texts]
        flat = [x for ss in split for x in ss]
        vecs = self.inner.encode(flat)
        lengths = self.inner.encoder.tokenizer.lengths(flat)
        out, at = [], 0
        for ss in split:
            out.append(vecs[at] if len(ss) == 1 else derive_vector(vecs[at : at + len(ss)], lengths[at : at + len(ss)]))
            at += len(ss)
        return np.stack(out).astype(np.float32) if out else np.zeros((0, 384), np.float32)

    __call__ = encode


def derived_vectors(data_dir: str, limit: int) -> dict:
    """Derived against exact unit vectors on the eval sample: cosine on the multi-sentence
    messages, and the taxonomy and sentiment/intent/severity evals with each (prototypes exact,
    as in the pipeline)."""
    from indexer.enrich.segment import split_sentences
    from indexer.evals import common, data
    from indexer.evals import sentiment as sentiment_eval
    from indexer.evals.metrics import classification

    gt = data.load(data_dir)
    rows = data.sample(gt.customer(), limit)
    texts = [r["text"] for r in rows]
    multi = [t for t in texts if len(split_sentences(t)) > 1]
    if not multi:
        return {}
    emb = common.embedder()
    derived_emb = DerivedEmbedder(emb)
    exact, derived = emb.encode(multi), derived_emb.encode(multi)
    cos = (exact * derived).sum(1)
    out = {"multi_sentence_texts": len(multi), "of_texts": len(texts), "cosine_mean": round(float(cos.mean()), 4),
           "cosine_p05": round(float(np.quantile(cos, 0.05)), 4), "cosine_min": round(float(cos.min()), 4)}
    clf = common.classifier()
    for name, vecs in (("exact", emb.encode(texts)), ("derived", derived_emb.encode(texts))):
        preds = clf.predict(texts, vecs)
        m = classification([r["sub_theme"] for r in rows], [p.primary_sub_theme for p in preds])
        out[f"taxonomy_{name}"] = {"sub_theme_accuracy": m["accuracy"], "sub_theme_macro_f1": m["macro_f1"]}
    real = sentiment_eval.embedder
    try:
        sentiment_eval.embedder = lambda: derived_emb
        out["sentiment_derived"] = _flat_metrics(sentiment_eval.run(data_dir, limit))
    finally:
        sentiment_eval.embedder = real
    out.update(duplicates_derived(data_dir, limit, derived_emb))
    return out


def duplicates_derived(data_dir: str, limit: int, derived_emb) -> dict:
    """The duplicates eval (pairwise P/R) with exact and with derived unit vectors."""
    from indexer.evals import duplicates as dup_eval

    out = {}
    real = dup_eval.embedder
    for name, fn in (("exact", real), ("derived", lambda: derived_emb)):
        try:
            dup_eval.embedder = fn
            m = dup_eval.run(data_dir, limit)
        finally:
            dup_eval.embedder = real
        out[f"duplicates_{name}"] = {k: v for k, v in _flat_metrics(m).items() if "precision" in k or "recall" in k}
    return out


def search_with_derived_vectors(settings, data_dir: str, limit: int, prefix: str) -> dict:
    """The search eval with every corpus unit's vector derived from its sentences."""
    import indexer.enrich.embed as embed_mod
    from indexer.evals.registry import load_task

    real = embed_mod.get_embedder
    embed_mod.get_embedder = lambda s=None, cache=True: DerivedEmbedder(real(s, cache))
    os.environ["VOXINDEX_INDEX_PREFIX"] = prefix
    try:
        search = load_task("search").run(data_dir, limit)
    finally:
        embed_mod.get_embedder = real
    return {m: {"ndcg@10": v["ndcg@10"], "recall@50": v["recall@50"]} for m, v in search["modes"].items()}


def quality(settings, data_dir: str, limit: int, kinds: list[str]) -> dict:
    from indexer.evals.registry import load_task
    from voxindex.es import client
    from voxindex.setup import drop_indices

    saved = {k: os.environ.get(k) for k in ("VOXINDEX_ENCODER", "VOXINDEX_INDEX_PREFIX")}
    out: dict = {}
    es = client(settings)
    try:
        for kind in kinds:
            _use_kind(kind)
            prefix = f"vxbench-enc-{kind}-{os.getpid()}"
            os.environ["VOXINDEX_INDEX_PREFIX"] = prefix
            row: dict = {}
            t = time.perf_counter()
            tax = load_task("taxonomy").run(data_dir, limit)
            row["taxonomy"] = {"theme_macro_f1": tax["theme"]["macro_f1"], "sub_theme_macro_f1": tax["sub_theme"]["macro_f1"],
                               "sub_theme_accuracy": tax["sub_theme"]["accuracy"], "segmentation_standalone": tax["segmentation"]}
            sen = load_task("sentiment").run(data_dir, limit)
            row["sentiment"] = {k: v for k, v in _flat_metrics(sen).items()}
            try:
                search = load_task("search").run(data_dir, limit)
                row["search"] = {m: {"ndcg@10": v["ndcg@10"], "recall@50": v["recall@50"]} for m, v in search["modes"].items()}
            finally:
                drop_indices(es, replace(settings, index_prefix=f"{prefix}-searcheval").indices)
            row["derived_vectors"] = derived_vectors(data_dir, limit)
            try:
                row["search_derived_vectors"] = search_with_derived_vectors(settings, data_dir, limit, prefix + "-derived")
            finally:
                drop_indices(es, replace(settings, index_prefix=f"{prefix}-derived-searcheval").indices)
            row["seconds"] = round(time.perf_counter() - t, 1)
            out[kind] = row
            print(f"[bench encoder] quality for {kind} done in {row['seconds']} s", file=sys.stderr)
    finally:
        for k, v in saved.items():
            if v is None:
                os.environ.pop(k, None)
            else:
                os.environ[k] = v
    return out


def _flat_metrics(m: dict, prefix: str = "") -> dict:
    """accuracy / macro_f1 of every classification block in an eval result, flattened."""
    out = {}
    for k, v in m.items():
        if isinstance(v, dict) and ("macro_f1" in v or "accuracy" in v):
            for name in ("accuracy", "macro_f1"):
                if name in v:
                    out[f"{prefix}{k}.{name}"] = v[name]
        elif isinstance(v, dict) and k not in ("per_class", "confusion"):
            out.update(_flat_metrics(v, f"{prefix}{k}."))
        elif isinstance(v, float) and not k.endswith("seconds"):
            out[f"{prefix}{k}"] = v
    return out


def gates(q: dict, reference: str | None = None) -> list[tuple[str, str, float, float, bool]]:
    """Pure: (kind, metric, value, reference value, within 0.01) for every shared scalar metric;
    the reference is the first kind measured unless named."""
    rows = []
    reference = reference or next(iter(q), None)
    ref = q.get(reference)
    if not ref:
        return rows
    for kind, row in q.items():
        if kind == reference:
            continue
        for metric, a, b in _pairs(row, ref):
            rows.append((kind, metric, a, b, abs(a - b) <= 0.01))
    return rows


def _pairs(row: dict, ref: dict, prefix: str = ""):
    for k, v in row.items():
        if k == "seconds" or k not in ref:
            continue
        if isinstance(v, dict):
            yield from _pairs(v, ref[k], f"{prefix}{k}.")
        elif isinstance(v, (int, float)) and isinstance(ref[k], (int, float)) and not k.endswith("parts"):
            yield f"{prefix}{k}", float(v), float(ref[k])


def format_result(r: dict) -> str:
    sp = r["speed"]
    lines = [f"encoder bench: {sp['texts']} real short texts (mean {sp['mean_tokens']} tokens), "
             f"{sp['threads']} threads, batch {sp['batch']}, length-sorted; load average {r['load']}",
             f"{'kind':8s} {'texts/s':>8s} {'texts/CPU-s':>12s} {'cos mean':>9s} {'cos min':>8s} {'cos p01':>8s} "
             f"{'alone mean':>11s} {'alone min':>10s}"]
    for kind, v in sp["kinds"].items():
        lines.append(f"{kind:8s} {v['texts_per_s']:8.1f} {v['texts_per_cpu_s']:12.1f} {v['cosine_mean']:9.4f} "
                     f"{v['cosine_min']:8.4f} {v['cosine_p01']:8.4f} {v.get('alone_cosine_mean', float('nan')):11.4f} "
                     f"{v.get('alone_cosine_min', float('nan')):10.4f}")
    first = next(iter(sp["kinds"]))
    reference = "torch fp32" if first == "torch" else f"{first} (no torch extra installed: pip install -e '.[torch]' adds the reference)"
    lines.append(f"(cos: to {reference}; alone: each of {ALONE} texts' batched vector against the same text encoded alone)")
    for kind, v in (r.get("split_agreement") or {}).items():
        lines.append(f"segmentation on {v['messages']} real multi-sentence messages: {kind} groups the sentences exactly as "
                     f"fp32 on {v['same_split']:.3f} of them; splits {v['split']} vs fp32's {v['split_reference']}")
    if r.get("quality"):
        lines.append("")
        lines.append(f"quality gates against {next(iter(r['quality']))} (|difference| <= 0.01), --limit {r['limit']}:")
        for kind, metric, a, b, ok in gates(r["quality"]):
            lines.append(f"  {'ok ' if ok else 'MISS'} {kind:5s} {metric:60s} {a:.4f} vs {b:.4f}")
        lines.append("one encoder pass per message (unit vectors derived from sentence vectors):")
        for kind, row in r["quality"].items():
            d, sd, se = row.get("derived_vectors") or {}, row.get("search_derived_vectors") or {}, row.get("search") or {}
            if d:
                lines.append(f"  {kind:5s} cosine derived/exact on {d['multi_sentence_texts']} multi-sentence texts "
                             f"(of {d.get('of_texts')}): mean {d['cosine_mean']}, p05 {d['cosine_p05']}, min {d['cosine_min']}")
                for metric in ("sub_theme_accuracy", "sub_theme_macro_f1"):
                    if "taxonomy_derived" in d:
                        lines.append(f"  {kind:5s} taxonomy {metric} derived {d['taxonomy_derived'][metric]:.4f} vs exact "
                                     f"{d['taxonomy_exact'][metric]:.4f}")
                for metric, v in (d.get("duplicates_derived") or {}).items():
                    ref = (d.get("duplicates_exact") or {}).get(metric)
                    if ref is not None:
                        lines.append(f"  {kind:5s} duplicates {metric} derived {v:.4f} vs exact {ref:.4f}")
                for metric, v in (d.get("sentiment_derived") or {}).items():
                    ref = (row.get("sentiment") or {}).get(metric)
                    if ref is not None:
                        lines.append(f"  {kind:5s} sentiment {metric} derived {v:.4f} vs exact {ref:.4f}")
            for mode in ("vector", "hybrid"):
                if mode in sd and mode in se:
                    lines.append(f"  {kind:5s} search {mode} nDCG@10 derived {sd[mode]['ndcg@10']:.4f} vs exact "
                                 f"{se[mode]['ndcg@10']:.4f}")
    return "\n".join(lines)


def _run(args: argparse.Namespace) -> int:
    from voxindex.config import get_settings

    settings = get_settings()
    threads = args.threads or settings.encoder_threads
    corpora = Path(args.corpora or settings.corpora_dir)
    texts = real_texts(corpora, args.n)
    result = {"load": round(os.getloadavg()[0], 1), "speed": speed_and_fidelity(settings, texts, threads), "limit": args.limit}
    if args.split_messages:
        result["split_agreement"] = segmentation_fidelity(replace(settings, encoder_threads=threads), corpora,
                                                          args.split_messages)
    if args.data:
        kinds = args.quality_kinds or ("torch,int8" if "torch" in kinds_here() else "fp32,int8")
        result["quality"] = quality(settings, args.data, args.limit, [k for k in kinds.split(",") if k])
    print(format_result(result))
    if args.json:
        Path(args.json).write_text(json.dumps(result, indent=2))
    return 0
