"""`voxindex bench ingest` (the `bench` group is voxindex/bench.py): the full enrichment pipeline
vs plain bulk indexing of the same already-enriched documents, the time share of each stage, and
peak memory.

Wall-clock on a shared machine is noisy, so every stage is also measured in CPU seconds of this
process (`time.process_time`, all threads: torch's included), and the headline is units per
CPU-second next to units per wall-second.
"""
from __future__ import annotations

import argparse
import json
import os
import resource
import sys
import time
import uuid
from dataclasses import replace
from pathlib import Path


def register_bench(bsub: argparse._SubParsersAction) -> None:
    p = bsub.add_parser(
        "ingest", help="units/s for the full pipeline vs plain bulk indexing, stage shares, peak RSS",
        description="Reads N units from a data directory with the connectors, enriches and indexes them under a "
                    "fresh temporary index prefix (dropped afterwards), then bulk-indexes the same enriched "
                    "documents again under another fresh prefix. The embedding cache starts empty unless "
                    "--warm-cache, so the numbers include the model.")
    p.add_argument("--n", type=int, default=1000, help="units to process (default 1000)")
    p.add_argument("--data", default="demo-data", metavar="DIR", help="source files to read (default ./demo-data)")
    p.add_argument("--warm-cache", action="store_true", help="use the normal embedding cache (default: a cold one)")
    p.add_argument("--batch", type=int, default=None,
                   help="units per pipeline batch (default VOXINDEX_INGEST_BATCH, the batch ingest uses)")
    p.add_argument("--json", metavar="OUT", default=None, help="also write every number as JSON to OUT")
    p.add_argument("--compare-speeds", type=int, default=0, metavar="ROUNDS",
                   help="run the bench ROUNDS times per VOXINDEX_SPEED mode (accurate, fast), alternated, each in "
                        "its own process (its own models and peak RSS), and print both side by side")
    p.set_defaults(func=_ingest)


def read_units(data_dir: str | Path, n: int):
    from indexer.sources import FEEDBACK_CONNECTORS
    from indexer.sources.base import Parsed

    d = Path(data_dir)
    found = [(cls(), d / cls().default_filename) for cls in FEEDBACK_CONNECTORS.values()]
    found = [(c, p) for c, p in found if p.exists()]
    if not found:
        raise FileNotFoundError(f"no source files under {d}; write some with `voxindex demo-data --out {d}`")
    streams = [(u for item in c.read(p) if isinstance(item, Parsed) for u in item.units) for c, p in found]
    units = []
    while streams and len(units) < n:  # round-robin so every source is represented
        for s in list(streams):
            u = next(s, None)
            if u is None:
                streams.remove(s)
            else:
                units.append(u)
                if len(units) >= n:
                    break
    return units


class _CpuTimed:
    """Wraps a pipeline stage to add up its CPU seconds (pipeline.seconds holds wall seconds)."""

    def __init__(self, stage, cpu: dict[str, float]):
        self.stage, self.name, self.cpu = stage, stage.name, cpu
        self.needs_previous_batch = getattr(stage, "needs_previous_batch", False)

    def __call__(self, units):
        t = time.process_time()
        try:
            return self.stage(units)
        finally:
            self.cpu[self.name] = self.cpu.get(self.name, 0.0) + time.process_time() - t


def bench_ingest(settings, es, units, batch: int, warm_cache: bool = False, progress: bool = True) -> dict:
    import tempfile

    from tqdm import tqdm

    from indexer.bulk import RetryPolicy, bulk_load, bulk_write
    from indexer.enrich.build import build_pipeline
    from indexer.overlap import run_overlapped
    from voxindex.setup import drop_indices, setup_indices

    tmp = tempfile.TemporaryDirectory(prefix="vxbench-")
    run = uuid.uuid4().hex[:6]
    full = replace(settings, index_prefix=f"vxbench-{run}-full", **({} if warm_cache else {"home": Path(tmp.name)}))
    plain = replace(settings, index_prefix=f"vxbench-{run}-plain")
    try:
        for s in (full, plain):
            setup_indices(es, s.indices)
        started, cpu_started = time.perf_counter(), time.process_time()
        pipeline = build_pipeline(full, es)
        policy = RetryPolicy.from_settings(settings)
        cpu: dict[str, float] = {}
        pipeline.stages = [_CpuTimed(st, cpu) for st in pipeline.stages]
        load_s, load_cpu = time.perf_counter() - started, time.process_time() - cpu_started
        # the enriched documents go to a file, not a list, so peak RSS is the pipeline's, as in ingest
        spool = open(Path(tmp.name) / "enriched.jsonl", "w+", encoding="utf-8")
        units_out = 0
        index_s = 0.0
        bar = tqdm(total=len(units), desc="enrich+index", unit="unit", file=sys.stderr, disable=not progress)

        head, tail = pipeline.split()

        def commit(chunk, out) -> None:  # the writer thread, as in the ingest runner: the stages that
            nonlocal index_s, units_out  # compare with the previous batch, decisions, then units
            if tail.stages:
                out = tail.run(out.units, list(out.writes))
            t = time.perf_counter()
            if out.writes:
                bulk_write(es, [w.action for w in out.writes], policy, "writing stage decisions").raise_for_failures(
                    "writing stage decisions")
            batch_docs = [u.to_doc() for u in out.units]
            bulk_write(es, [{"_index": full.indices.feedback_write, "_id": d["unit_id"], "_source": d} for d in batch_docs],
                       policy, "indexing enriched units").raise_for_failures("indexing enriched units")
            if tail.stages:
                es.indices.refresh(index=full.indices.feedback)  # as ingest: the next batch compares with this one
            index_s += time.perf_counter() - t
            spool.writelines(json.dumps(d) + "\n" for d in batch_docs)
            units_out += len(batch_docs)
            bar.update(len(chunk))

        run_overlapped((units[i : i + batch] for i in range(0, len(units), batch)), head.run, commit,
                       overlap=settings.ingest_overlap)
        bar.close()
        es.indices.refresh(index=full.indices.feedback)
        full_s = time.perf_counter() - started
        full_cpu = time.process_time() - cpu_started
        t = time.perf_counter()
        spool.seek(0)
        bulk_load(es, ({"_index": plain.indices.feedback_write, "_id": d["unit_id"], "_source": d}
                       for d in (json.loads(line) for line in spool)), policy, "indexing the plain copy")
        spool.close()
        es.indices.refresh(index=plain.indices.feedback)
        plain_s = time.perf_counter() - t
        raw = raw_encoder(full, units)
        stage_total = sum(pipeline.seconds.values()) or 1.0
        cpu_total = sum(cpu.values()) or 1e-9
        return {
            "units_in": len(units),
            "units_out": units_out,
            "full_seconds": round(full_s, 2),
            "full_units_per_s": round(len(units) / full_s, 1),
            "model_load_seconds": round(load_s, 2),
            "warm_units_per_s": round(len(units) / max(1e-9, full_s - load_s), 1),
            "index_seconds": round(index_s, 2),
            "plain_bulk_seconds": round(plain_s, 2),
            "plain_bulk_units_per_s": round(units_out / plain_s, 1) if plain_s else None,
            "full_cpu_seconds": round(full_cpu, 2),
            "model_load_cpu_seconds": round(load_cpu, 2),
            "enrich_cpu_seconds": round(cpu_total, 2),
            "enrich_units_per_cpu_s": round(len(units) / cpu_total, 1),
            "warm_units_per_cpu_s": round(len(units) / max(1e-9, full_cpu - load_cpu), 1),
            "stages": {k: {"seconds": round(v, 2), "share": round(v / stage_total, 3),
                           "cpu_seconds": round(cpu.get(k, 0.0), 2), "cpu_share": round(cpu.get(k, 0.0) / cpu_total, 3),
                           "units_per_cpu_s": round(len(units) / cpu[k], 1) if cpu.get(k) else None}
                       for k, v in pipeline.seconds.items()},
            "peak_rss_mb": round(resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024, 1),
            "raw_encoder": raw,
            "pipeline_vs_encoder": round((len(units) / max(1e-9, full_s - load_s)) / raw["units_per_s"], 3)
            if raw.get("units_per_s") else None,
            "pipeline_vs_encoder_cpu": round((len(units) / max(1e-9, full_cpu - load_cpu)) / raw["units_per_cpu_s"], 3)
            if raw.get("units_per_cpu_s") else None,
            "encoder": {"kind": full.encoder, "threads": full.encoder_threads, "overlap": full.ingest_overlap},
        }
    finally:
        for s in (full, plain):
            drop_indices(es, s.indices)
        tmp.cleanup()


def raw_encoder(settings, units) -> dict:
    """The encoder alone on the same units' texts (no cache, same threads and batches): the
    ceiling the pipeline is measured against."""
    from indexer.encoder import get_encoder

    texts = [u.text for u in units if u.text and u.text.strip()]
    if not texts:
        return {}
    enc = get_encoder(settings)
    t, c = time.perf_counter(), time.process_time()
    for i in range(0, len(texts), 2000):  # length-sorted within each slice, like the pipeline's batches
        enc.encode(texts[i : i + 2000])
    wall, cpu = time.perf_counter() - t, time.process_time() - c
    return {"texts": len(texts), "seconds": round(wall, 2), "units_per_s": round(len(units) / wall, 1),
            "units_per_cpu_s": round(len(units) / cpu, 1) if cpu else None}


def format_bench(r: dict) -> str:
    from indexer.evals.metrics import table

    head = table([
        ["full pipeline (enrich + bulk)", r["units_in"], r["full_seconds"], r["full_units_per_s"]],
        ["full pipeline, models loaded", r["units_in"], round(r["full_seconds"] - r["model_load_seconds"], 2), r["warm_units_per_s"]],
        ["plain bulk of enriched docs", r["units_out"], r["plain_bulk_seconds"], r["plain_bulk_units_per_s"]],
        *([[f"raw encoder ({r['encoder']['kind']}, {r['encoder']['threads']} threads) on the same texts", r["units_in"],
            r["raw_encoder"]["seconds"], r["raw_encoder"]["units_per_s"]]] if r.get("raw_encoder") else []),
    ], ["ingest", "units", "seconds", "units/s"])
    stages = table([[k, v["seconds"], f"{100 * v['share']:.1f}%", v["cpu_seconds"], f"{100 * v['cpu_share']:.1f}%",
                     v["units_per_cpu_s"]] for k, v in r["stages"].items()],
                   ["stage", "wall s", "wall share", "CPU s", "CPU share", "units/CPU-s"])
    return (f"{head}\n\n{stages}\n\nenrichment {r['enrich_cpu_seconds']:.1f} CPU-s = {r['enrich_units_per_cpu_s']} units/CPU-s; "
            f"whole run after model load {r['warm_units_per_cpu_s']} units/CPU-s (this process, all threads)\n"
            f"model/pipeline build {r['model_load_seconds']:.1f}s (in the full time), "
            f"bulk inside full run {r['index_seconds']:.1f}s, peak RSS {r['peak_rss_mb']:.0f} MB, "
            f"{r['units_in']} units in -> {r['units_out']} out (segmentation)"
            + (f"\npipeline (models loaded) / raw encoder = {r['pipeline_vs_encoder']:.2f} per wall second "
               f"(overhead {100 * (1 - r['pipeline_vs_encoder']):.0f} %), {r['pipeline_vs_encoder_cpu']:.2f} per CPU-second "
               f"(raw encoder {r['raw_encoder']['units_per_cpu_s']} units/CPU-s); writes overlapped with encoding: "
               f"{r['encoder']['overlap']}; load average {os.getloadavg()[0]:.1f}" if r.get("pipeline_vs_encoder") else ""))


def _ingest(args: argparse.Namespace) -> int:
    from voxindex.config import get_settings
    from voxindex.es import client, wait_until_up

    if args.compare_speeds:
        return _compare_speeds(args)
    settings = get_settings()
    es = client(settings)
    wait_until_up(es, timeout=30)
    units = read_units(args.data, args.n)
    result = bench_ingest(settings, es, units, args.batch or settings.ingest_batch_size, args.warm_cache)
    result["speed"] = settings.speed
    print(format_bench(result))
    if args.json:
        Path(args.json).write_text(json.dumps(result, indent=1))
    return 0


def speed_summary(runs: list[dict]) -> str:
    """Pure: the per-run lines and, per mode, the median units/s (models loaded) and its ratio to
    the default mode's, from `bench ingest --json` results that carry their `speed`."""
    from statistics import median

    modes = list(dict.fromkeys(r["speed"] for r in runs))  # in run order: the rounds alternate them
    lines = [f"{'round':>5}  {'speed':9} {'units/s':>8} {'units/CPU-s':>11} {'peak RSS MB':>11}"]
    for i, r in enumerate(runs):
        lines.append(f"{i // len(modes) + 1:>5}  {r['speed']:9} {r['warm_units_per_s']:>8} "
                     f"{r['warm_units_per_cpu_s']:>11} {r['peak_rss_mb']:>11.0f}")
    med = {m: float(median([r["warm_units_per_s"] for r in runs if r["speed"] == m])) for m in modes}
    base = med.get("accurate")
    lines.append("median units/s (models loaded): " + ", ".join(
        f"{m} {v:.1f}" + (f" ({v / base:.2f}x)" if base and m != "accurate" else "") for m, v in med.items()))
    return "\n".join(lines)


def _compare_speeds(args: argparse.Namespace) -> int:
    import subprocess
    import tempfile

    from voxindex.config import SPEEDS

    runs = []
    with tempfile.TemporaryDirectory(prefix="vxspeeds-") as tmp:
        for rnd in range(args.compare_speeds):
            for mode in SPEEDS:  # alternated: machine drift hits both modes alike
                out = Path(tmp) / f"{mode}-{rnd}.json"
                cmd = [sys.executable, "-m", "voxindex.cli", "bench", "ingest", "--n", str(args.n), "--data", args.data,
                       "--json", str(out), *(["--batch", str(args.batch)] if args.batch else []),
                       *(["--warm-cache"] if args.warm_cache else [])]
                env = {k: v for k, v in os.environ.items()
                       if k not in ("VOXINDEX_ENCODER", "VOXINDEX_SENTIMENT_FROM_SENTENCES")}
                print(f"round {rnd + 1}/{args.compare_speeds}: VOXINDEX_SPEED={mode}", file=sys.stderr, flush=True)
                done = subprocess.run(cmd, env={**env, "VOXINDEX_SPEED": mode}, stdout=subprocess.DEVNULL)
                if done.returncode != 0:
                    print(f"error: the {mode} run failed (exit {done.returncode})", file=sys.stderr)
                    return done.returncode
                runs.append(json.loads(out.read_text()))
    print(speed_summary(runs))
    if args.json:
        Path(args.json).write_text(json.dumps(runs, indent=1))
    return 0
