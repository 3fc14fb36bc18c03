"""`voxindex ingest`, `voxindex deadletters`, `voxindex cursors`."""
from __future__ import annotations

import argparse
import json
import sys

INGEST_HELP = """\
Pull feedback into Elasticsearch. Incremental (each source keeps a cursor) and idempotent
(re-running the same data writes nothing new). Malformed records are dead-lettered with a reason
and the run goes on; see them with `voxindex deadletters`.

  voxindex ingest demo-data                       every source file found in the directory
  voxindex ingest --source zendesk export.jsonl   one file with one connector
  voxindex ingest --source jsonl --map id=post_id,text=content posts.jsonl

Default file names: accounts.jsonl (accounts, always first), tickets.jsonl (zendesk),
reviews.csv (appstore), surveys.csv (survey), calls.jsonl (calls), community.jsonl (jsonl),
chats.csv (csv); people.csv is loaded by the identity module when present."""


def register(sub: argparse._SubParsersAction) -> None:
    from argparse import RawDescriptionHelpFormatter as Raw

    p = sub.add_parser("ingest", help="ingest a data directory or one source file", description=INGEST_HELP, formatter_class=Raw)
    p.add_argument("path", help="a data directory, or with --source a single file")
    p.add_argument(
        "--source",
        metavar="NAME",
        help="connector for a single file: accounts, zendesk, appstore, survey, calls, jsonl, csv",
    )
    p.add_argument("--sources", metavar="A,B", help="with a directory: only these sources (comma-separated)")
    p.add_argument("--map", metavar="KEY=COL,...", help="field map for the generic jsonl/csv connectors, e.g. id=post_id,text=content")
    p.add_argument("--channel", help="channel for the generic jsonl/csv connectors (default community / chat)")
    p.add_argument("--no-enrich", action="store_true", help="index units as parsed (no models): fastest, for checks and bulk loads")
    p.add_argument("--batch-size", type=int, metavar="N", help="records per batch; the cursor advances after each (default 200)")
    p.add_argument("--no-progress", action="store_true", help="no progress bar")
    p.add_argument("--json", action="store_true", help="print the summary as JSON instead of a table")
    p.set_defaults(func=_ingest)

    p = sub.add_parser(
        "deadletters",
        help="list records that could not be ingested, with the reason",
        description="List dead letters (malformed records, enrichment and index failures), newest first.",
    )
    p.add_argument("--source", metavar="NAME", help="only this source/connector")
    p.add_argument("--limit", type=int, default=20, help="how many to show (default 20)")
    p.add_argument("--json", action="store_true", help="one JSON object per line, redacted payload and replay pointer included")
    p.add_argument("--replay", action="store_true",
                   help="read the listed dead letters' records again from their source file and line and ingest them; "
                        "those that now index are removed")
    p.add_argument("--no-enrich", action="store_true", help="with --replay: index as parsed (no models)")
    p.set_defaults(func=_deadletters)

    p = sub.add_parser(
        "cursors",
        help="show or reset the connectors' cursors",
        description="Show where each connector stopped per source file. `voxindex cursors reset --source NAME` "
        "makes the next ingest re-read that source from the start (idempotency keeps it from duplicating).",
    )
    p.set_defaults(func=_cursors, cursors_command=None)
    csub = p.add_subparsers(dest="cursors_command", metavar="ACTION")
    r = csub.add_parser("reset", help="forget a connector's cursor(s)")
    r.add_argument("--source", metavar="NAME", required=True, help="the connector whose cursors to reset")
    r.add_argument("--path", help="only the cursor for this source file")
    r.set_defaults(func=_cursors)


def _client(settings):
    from voxindex.es import client, wait_until_up
    from voxindex.setup import setup_indices

    es = client(settings)
    wait_until_up(es, timeout=min(15.0, settings.ingest_outage_s))  # down at start: say so fast
    names = settings.indices
    if not all(es.indices.exists_alias(name=n) for n in (names.feedback, names.accounts, names.deadletter, names.state)):
        setup_indices(es, names)  # first run on a fresh cluster
    return es


def _ingest(args: argparse.Namespace) -> int:
    import logging
    from dataclasses import asdict
    from pathlib import Path

    from voxindex.config import get_settings

    from .ingest import IngestAborted, format_summaries, ingest_dir, ingest_path
    from .pipeline import Pipeline
    from .sources import get_connector
    from .sources.mapped import parse_field_map

    logging.basicConfig(level=logging.WARNING, format="%(levelname)s %(name)s: %(message)s", stream=sys.stderr)
    logging.getLogger("elastic_transport").setLevel(logging.ERROR)  # our retry loop reports outages
    settings = get_settings()
    if args.batch_size is not None and args.batch_size < 1:
        print("error: --batch-size must be at least 1", file=sys.stderr)
        return 2
    path = Path(args.path)
    es = _client(settings)
    pipeline = Pipeline() if args.no_enrich else None
    progress = not args.no_progress
    summaries = []
    try:
        if args.source:
            options = {}
            if args.map or args.channel:
                if args.source not in ("jsonl", "csv"):
                    print("error: --map and --channel apply to the generic jsonl and csv connectors only", file=sys.stderr)
                    return 2
                options = {"field_map": parse_field_map(args.map), "channel": args.channel}
            connector = get_connector(args.source, **options)
            if path.is_dir():
                path = path / connector.default_filename
            summaries.append(
                ingest_path(es, settings, connector, path, pipeline=pipeline, progress=progress, batch_size=args.batch_size)
            )
        else:
            if not path.is_dir():
                print(f"error: {path} is not a directory; for one file use --source NAME {path}", file=sys.stderr)
                return 2
            sources = [s.strip() for s in args.sources.split(",") if s.strip()] if args.sources else None
            summaries.extend(
                ingest_dir(es, settings, path, sources=sources, pipeline=pipeline, progress=progress, batch_size=args.batch_size).values()
            )
    except IngestAborted as exc:
        if exc.summary is not None:
            summaries.append(exc.summary)
        _print(summaries, args.json, format_summaries, asdict)
        print(f"error: {exc}", file=sys.stderr)
        return 3
    _print(summaries, args.json, format_summaries, asdict)
    dead = sum(s.dead_lettered for s in summaries)
    if dead:
        print(f"{dead} records dead-lettered; see `voxindex deadletters`", file=sys.stderr)
    return 0


def _print(summaries, as_json, format_summaries, asdict) -> None:
    if as_json:
        print(json.dumps([{**asdict(s), "indexed": s.indexed} for s in summaries], indent=2))
    elif summaries:
        print(format_summaries(summaries))


def _deadletters(args: argparse.Namespace) -> int:
    from voxindex.config import get_settings

    from .deadletter import list_dead_letters, pointer_status

    settings = get_settings()
    es = _client(settings)
    total, letters = list_dead_letters(es, settings, source=args.source, limit=args.limit)
    if args.replay:
        from .pipeline import Pipeline
        from .replay import replay

        result = replay(es, settings, letters, pipeline=Pipeline() if args.no_enrich else None)
        print(f"replayed {result.replayed} record(s): {result.resolved} dead letter(s) resolved, "
              f"{result.still_failing} still failing")
        if result.not_replayable:
            print(f"no source line to replay from for {len(result.not_replayable)}: {', '.join(result.not_replayable[:10])}"
                  " (records posted over the API are posted again by the client)")
        return 0 if result.still_failing == 0 else 1
    if args.json:
        for dl in letters:
            print(json.dumps(dl, ensure_ascii=False))
        return 0
    print(f"{total} dead letters" + (f" for {args.source}" if args.source else "") + (f", showing {len(letters)}" if total > len(letters) else ""))
    for dl in letters:
        payload = dl.get("payload") or ""
        payload = payload if len(payload) <= 100 else payload[:97] + "..."
        print(f"{dl.get('at', '')[:19]}  {dl.get('connector', ''):8s} {dl.get('stage', ''):8s} {dl.get('raw_ref', '')}")
        print(f"    reason : {dl.get('reason')}")
        print(f"    payload: {payload}" + ("  (PII redacted: " + ", ".join(dl["pii_types"]) + ")" if dl.get("pii_types") else ""))
        if dl.get("source_path"):
            where = f"line {dl['line']}" if dl.get("line") else f"record {dl.get('record_index')}"
            print(f"    replay : {dl['source_path']} {where} ({pointer_status(dl)} since dead-lettered)"
                  + (f", cursor {dl['cursor']}" if dl.get("cursor") else ""))
    return 0


def _cursors(args: argparse.Namespace) -> int:
    from voxindex.config import get_settings

    from .cursors import list_cursors, reset_cursors

    settings = get_settings()
    es = _client(settings)
    if args.cursors_command == "reset":
        gone = reset_cursors(es, settings, args.source, args.path)
        print(f"reset {gone} cursor(s) of {args.source}; its next ingest re-reads from the start")
        return 0
    rows = list_cursors(es, settings)
    if not rows:
        print("no cursors yet (nothing ingested under this index prefix)")
        return 0
    width = max(len(r["connector"]) for r in rows)
    for r in rows:
        print(f"{r['connector']:{width}s}  {r['cursor']}  run {r.get('run_id', '')}  {r['source_path']}")
    return 0
