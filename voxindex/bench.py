"""`voxindex bench`: throughput numbers you can compare between commits and machines.

Benchmarks are commands, not timed tests. Each area adds its own to this group: a module listed
in BENCH_MODULES exposes `register_bench(bench_subparsers)`.

  voxindex bench ingest      units/s of the full enrichment pipeline vs plain bulk indexing, stage shares, peak RSS
  voxindex bench search      p50/p95/p99 of keyword, vector and hybrid search at >= 100k units
  voxindex bench detectors   ingest-to-alert latency and watch-matching throughput
  voxindex bench encoder     the encoder kinds side by side: texts/s, cosine to torch fp32, quality gates
  voxindex bench all         every one of them with its defaults, in that order (`make bench`)

Wall-clock on a shared machine is noisy, so the benches also report CPU seconds of their process
and compare against a baseline measured in the same run.
"""
from __future__ import annotations

import argparse
import sys

from .subcommands import register_modules

# Order is the order of `voxindex bench --help` and of `bench all`.
BENCH_MODULES = (
    "indexer.bench",  # ingest
    "search_api.bench",  # search
    "detectors.bench",  # detectors
    "indexer.encoder.bench",  # encoder
)


def register(sub: argparse._SubParsersAction) -> None:
    p = sub.add_parser("bench", help="measure throughput (ingest, search, detectors, encoder; `bench all` runs each)",
                       description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    bsub = p.add_subparsers(dest="bench_command", metavar="WHAT", required=True)
    register_modules(bsub, BENCH_MODULES, hook="register_bench")
    benches = dict(bsub.choices)
    a = bsub.add_parser("all", help="run every bench above with its defaults, one after the other",
                        description="Runs each registered bench in turn with its default options; a bench that "
                                    "fails is reported and the others still run. Exit code: the worst of them.")
    a.add_argument("--skip", metavar="A,B", default="", help="benches to leave out (comma-separated), e.g. search")
    a.set_defaults(func=lambda args: run_all(benches, args.skip))


def run_all(benches: dict[str, argparse.ArgumentParser], skip: str = "") -> int:
    """Each bench parses no arguments (its defaults) and runs; their exit codes are combined."""
    skipped = {s.strip() for s in skip.split(",") if s.strip()}
    unknown = skipped - set(benches)
    if unknown:
        raise ValueError(f"--skip {', '.join(sorted(unknown))}: the benches are {', '.join(benches)}")
    worst = 0
    for name, parser in benches.items():
        if name in skipped:
            continue
        print(f"\n==> voxindex bench {name}", file=sys.stderr, flush=True)
        args = parser.parse_args([])
        try:
            code = int(args.func(args) or 0)
        except Exception as exc:  # the next bench still runs; the exit code says one failed
            print(f"error: bench {name}: {exc}", file=sys.stderr)
            code = 1
        worst = max(worst, code)
    return worst
