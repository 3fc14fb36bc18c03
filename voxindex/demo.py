"""`voxindex demo`: clone to running system in one command.

Each step is the same subcommand a person would run by hand, called in-process so the demo
proves the documented commands work. Every step is idempotent: a second `make demo` reuses the
running node, skips regenerating identical data, ingests nothing new and restarts only the API.
"""
from __future__ import annotations

import argparse
import json
import sys
import time
from pathlib import Path


def _step(title: str) -> float:
    print(f"\n==> {title}", file=sys.stderr, flush=True)
    return time.monotonic()


def _run(argv: list[str]) -> int:
    from .cli import main

    code = main(argv)
    if code:
        raise RuntimeError(f"`voxindex {' '.join(argv)}` failed with exit code {code}")
    return code


def _has_command(name: str) -> bool:
    from .cli import build_parser

    parser = build_parser()
    sub = next(a for a in parser._actions if isinstance(a, argparse._SubParsersAction))
    return name in sub.choices


def run_demo(args: argparse.Namespace) -> int:
    out = Path(args.out)
    t0 = time.monotonic()
    _step("Elasticsearch: install (first run) and start")
    _run(["es", "start"])
    _step("Indices: templates, versioned indices and aliases")
    _run(["setup"])
    _step(f"Demo data: seed {args.seed}, {args.days} days -> {out}/")
    _run(["demo-data", "--seed", str(args.seed), "--days", str(args.days), "--out", str(out)])
    _step("Ingest every source (incremental; a re-run adds nothing)")
    _run(["ingest", str(out)])
    if _has_command("detectors"):
        _step("Detectors: evaluate every rule once")
        _run(["detectors", "run", "--once"])
    if _has_command("serve") and not args.no_api:
        _step("Search API: serve in the background")
        _run(["serve", "--background"])
    print(reconcile(out), flush=True)
    print(f"\nDone in {time.monotonic() - t0:.0f}s.\n{WHERE_NEXT}", flush=True)
    return 0


def reconcile(data_dir: Path) -> str:
    """Compare what the generator wrote with what the index holds, per source."""
    from .config import get_settings
    from .es import client

    settings = get_settings()
    es = client(settings)
    names = settings.indices
    summary_path = data_dir / "ground_truth" / "summary.json"
    expected = json.loads(summary_path.read_text()) if summary_path.exists() else {}
    es.indices.refresh(index=f"{names.feedback},{names.deadletter}")
    units = es.count(index=names.feedback)["count"]
    dead = es.count(index=names.deadletter)["count"]
    lines = ["", "VoxIndex demo summary", "=" * 60]
    lines.append(f"feedback units indexed ({names.feedback}): {units}")
    lines.append(f"dead letters ({names.deadletter}): {dead}")
    if expected:
        lines.append(f"malformed records planted by the generator: {expected.get('malformed_total', '?')}")
    return "\n".join(lines)


WHERE_NEXT = """Where to look next:
  curl -s 127.0.0.1:9200/_cat/indices/voxindex-*?v        the indices
  .venv/bin/voxindex deadletters                          what was rejected and why
  .venv/bin/voxindex eval                                 quality metrics against the ground truth
  curl -s -H "Authorization: Bearer $(sed -n 's/^admin=//p' .voxindex/api-keys.txt)" \\
       '127.0.0.1:8000/v1/search?q=sync+fails+after+update'   hybrid search with citations
  http://127.0.0.1:8000/ui/                               the web view
  .venv/bin/voxindex detectors run                        keep detecting on a schedule"""


def register(sub: argparse._SubParsersAction) -> None:
    p = sub.add_parser(
        "demo",
        help="one command from clone to a running system: ES, indices, demo data, ingest, detectors, API",
        description=__doc__,
        formatter_class=argparse.RawDescriptionHelpFormatter,
    )
    p.add_argument("--seed", type=int, default=7, help="demo data seed (default 7)")
    p.add_argument("--days", type=int, default=90, help="days of history (default 90)")
    p.add_argument("--out", default="demo-data", help="where the demo data is written (default demo-data/)")
    p.add_argument("--no-api", action="store_true", help="do not start the search API")
    p.set_defaults(func=run_demo)
