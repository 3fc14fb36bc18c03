"""`voxindex demo`: clone to running system in one command.

Each step is the same subcommand a person would run by hand, called in-process so the demo
proves the documented commands work. Every step is idempotent: a second `make demo` reuses the
running node, skips regenerating identical data, ingests nothing new, grows no alert (the
detectors run as of the same time on the same data: "no change") and restarts only the API.
"""
from __future__ import annotations

import argparse
import json
import os
import sys
import threading
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


def _warm_in_background() -> tuple[threading.Thread, list]:
    """The models' first-run export and load, started before Elasticsearch: they use different
    processes (export steps run in children, the node is a JVM), so neither waits for the other."""
    result: list = []

    def warm() -> None:
        from indexer.enrich.build import warm_models

        try:
            result.append(warm_models())
        except Exception as exc:  # the ingest step tries again and reports it in context
            result.append(exc)

    thread = threading.Thread(target=warm, name="demo-warm-models", daemon=True)
    thread.start()
    return thread, result


def run_demo(args: argparse.Namespace) -> int:
    out = Path(args.out)
    t0 = time.monotonic()
    warming, warmed = _warm_in_background()
    _step("Elasticsearch: install (first run) and start")
    _run(["es", "start"])
    _step("Indices: templates, versioned indices and aliases")
    _run(["setup"])
    _step(f"Demo data: seed {args.seed}, {args.days} days -> {out}/")
    _run(["demo-data", "--seed", str(args.seed), "--days", str(args.days), "--out", str(out)])
    if warming.is_alive():
        _step("Models: finishing the first-run export (started with Elasticsearch)")
        waited = time.monotonic()
        warming.join()
        print(f"ready after {time.monotonic() - waited:.0f}s more", file=sys.stderr, flush=True)
    if warmed and isinstance(warmed[0], Exception):
        print(f"preparing the models failed ({warmed[0]}); the ingest step tries again", file=sys.stderr, flush=True)
    _step("Ingest every source (incremental; a re-run adds nothing)")
    _run(["ingest", str(out)])
    # The demo's history ends on a fixed date; judge it as of that evening rather than
    # today, or every source would look like it stopped delivering.
    as_of = _data_end(out)
    # a re-run as of the same time on the same data grows no alert and says "no change"
    _step(f"Detectors: evaluate every rule once, as of {as_of}")
    _run(["detectors", "run", "--once", "--at", as_of])
    api_ours = True
    if not args.no_api:
        _step("Search API: serve in the background (one this checkout started before is restarted)")
        _run(["serve", "--background"])
        api_ours = _api_is_ours()
    table, ok = reconcile(out)
    print(table, flush=True)
    print(f"\nDone in {time.monotonic() - t0:.0f}s.\n{where_next(api_ours=api_ours)}", flush=True)
    return 0 if ok else 1


FILE_SOURCE = {
    "tickets.jsonl": "zendesk",
    "reviews.csv": "appstore",
    "surveys.csv": "survey",
    "calls.jsonl": "calls",
    "community.jsonl": "jsonl",
    "chats.csv": "csv",
}


def _distinct_records(es, index: str, source: str) -> int:
    """Exact distinct source_record_id count (composite paging; cardinality is approximate)."""
    total, after = 0, None
    while True:
        comp = {"size": 5000, "sources": [{"r": {"terms": {"field": "source_record_id"}}}]}
        if after:
            comp["after"] = after
        res = es.search(index=index, size=0, query={"term": {"source": source}}, aggs={"r": {"composite": comp}})
        buckets = res["aggregations"]["r"]["buckets"]
        total += len(buckets)
        after = res["aggregations"]["r"].get("after_key")
        if not buckets or not after:
            return total


def _data_end(data_dir: Path) -> str:
    summary = json.loads((data_dir / "ground_truth" / "summary.json").read_text())
    return f"{summary['end_date']}T23:59:59Z"


def reconcile(data_dir: Path) -> tuple[str, bool]:
    """Compare what the generator wrote with what the index holds, per source.

    A record is accounted for when it is in the index (as one or more units), in the dead
    letters, or had no customer words (a blank survey verbatim). Returns (table, all_ok)."""
    from .config import get_settings
    from .es import client

    settings = get_settings()
    es = client(settings)
    names = settings.indices
    truth = data_dir / "ground_truth"
    summary = json.loads((truth / "summary.json").read_text())
    with_words: dict[str, set[str]] = {}
    segments: dict[str, int] = {}
    with open(truth / "units.jsonl", encoding="utf-8") as fh:
        for line in fh:
            row = json.loads(line)
            if row.get("speaker_role") == "customer":
                with_words.setdefault(row["source"], set()).add(str(row["record_id"]))
                segments[row["source"]] = segments.get(row["source"], 0) + 1
    es.indices.refresh(index=f"{names.feedback},{names.deadletter}")
    header = (f"{'file':16s} {'records':>8s} {'malformed':>9s} {'dead-let.':>9s} {'no words':>8s} {'expected':>8s} "
              f"{'indexed':>8s} {'units':>7s}  check")
    lines = ["", "VoxIndex demo summary: generated data vs the index", header, "-" * len(header)]
    all_ok = True
    totals = [0] * 6
    for fname, source in FILE_SOURCE.items():
        info = summary["files"][fname]
        dead = es.count(index=names.deadletter, query={"term": {"source": source}})["count"]
        expected = len(with_words.get(source, ()))
        empty = info["records"] - info["malformed"] - expected
        indexed = _distinct_records(es, names.feedback, source)
        units = es.count(index=names.feedback, query={"term": {"source": source}})["count"]
        ok = dead == info["malformed"] and indexed == expected
        all_ok &= ok
        for i, v in enumerate((info["records"], info["malformed"], dead, empty, expected, indexed)):
            totals[i] += v
        lines.append(
            f"{fname:16s} {info['records']:8d} {info['malformed']:9d} {dead:9d} {empty:8d} {expected:8d} {indexed:8d} {units:7d}  "
            + ("ok" if ok else "MISMATCH")
        )
    lines.append("-" * len(header))
    units_total = es.count(index=names.feedback)["count"]
    lines.append(
        f"{'total':16s} {totals[0]:8d} {totals[1]:9d} {totals[2]:9d} {totals[3]:8d} {totals[4]:8d} {totals[5]:8d} {units_total:7d}  "
        + ("ok" if all_ok else "MISMATCH")
    )
    lines.append(
        "records = malformed + no words + expected; every malformed record is a dead letter with its reason;\n"
        f"'units' counts feedback units after multi-topic splitting (ground truth: {sum(segments.values())} segments)."
    )
    return "\n".join(lines), all_ok


def _api_is_ours(settings=None) -> bool:
    """Whether this run's keys open the API on the configured port: the one this home's pidfile
    names does; one `serve --background` reused (another checkout, another home, or a foreground
    `voxindex serve`) is asked with this home's admin key."""
    from search_api import server
    from voxindex.config import get_settings

    s = settings or get_settings()
    if server.running_pid(server.default_pidfile(s)) is not None:
        return True
    key = server.saved_key(s, "admin")
    return key is not None and server.accepts(s.api_host, s.api_port, key)


def where_next(settings=None, api_ours: bool = True) -> str:
    """What to try after the demo, with this run's URL, index prefix, API address and keys file
    (a demo run with another prefix or port must not point at the default ones). When the API on
    that port was started elsewhere, this run's keys do not open it: say so instead of printing a
    request that answers 401."""
    from search_api import server
    from voxindex.config import get_settings

    s = settings or get_settings()
    es = s.es_url.rstrip("/")
    api = f"http://{s.api_host}:{s.api_port}"
    keys = os.path.relpath(server.keys_file(s))
    rows = [
        (f"curl -s '{es}/_cat/indices/{s.index_prefix}-*?v'", "the indices"),
        (".venv/bin/voxindex deadletters", "what was rejected and why"),
        (".venv/bin/voxindex eval", "quality metrics against the ground truth"),
    ]
    if api_ours:
        rows += [
            (f"curl -s -H \"Authorization: Bearer $(awk '/^admin/{{print $2}}' {keys})\" \\\n"
             f"       '{api}/v1/search?q=sync+fails+after+update'", "hybrid search with citations"),
            (f"{api}/ui/", f"the web view: sign in with a key from {keys} (viewer: no revenue)"),
        ]
    else:
        rows.append((f"VOXINDEX_API_PORT={s.api_port + 1} .venv/bin/voxindex serve --background",
                     f"serve this run on port {s.api_port + 1}: the API on {api} was started elsewhere "
                     f"(another checkout or home) and refuses the keys in {keys}"))
    rows.append((".venv/bin/voxindex detectors run", "keep detecting on a schedule"))
    return "Where to look next:\n" + "\n".join(f"  {cmd:<54}  {what}" for cmd, what in rows)


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
