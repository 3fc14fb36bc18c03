"""`voxindex ingest`, `voxindex deadletters`, `voxindex cursors`."""
from __future__ import annotations

import argparse
import json
import sys

INGEST_HELP = """\
Pull feedback into Elasticsearch. Incremental (each source keeps a cursor) and idempotent
(re-running the same data writes nothing new). Malformed records are dead-lettered with a reason
and the run goes on; see them with `voxindex deadletters`. The summary accounts for every record:
read = malformed + duplicate id + cursor-skip + empty + with units; the command exits 4 when it
does not add up.

  voxindex ingest                                 every source in voxindex.yaml (`voxindex init`)
  voxindex ingest demo-data                       every source file found in the directory
  voxindex ingest feedback.csv                    one file: connector and field map guessed, printed
  voxindex ingest --dry-run feedback.csv          how the first 20 records map; writes nothing
  voxindex ingest --source zendesk export.jsonl   one file with one connector
  voxindex ingest --source survey nps.csv         any NPS/CSAT export (kind from its scores, or --map survey=@nps)
  voxindex ingest --source csv --map text=text,created_at=tweet_created \\
      --time-format '%d-%m-%Y %H.%M' --id-from text,created_at tweets.csv

Default file names: accounts.jsonl (accounts, always first), tickets.jsonl (zendesk),
reviews.csv (appstore), surveys.csv (survey), calls.jsonl (calls), community.jsonl (jsonl),
chats.csv (csv); people.csv is loaded by the identity module when present. Files may be gzip'd,
UTF-8/UTF-16 (with or without BOM) or cp1252, comma-, tab-, semicolon- or pipe-separated;
JSON may be one object per line or an array; an Excel workbook (.xlsx) is read from its first
sheet with a header row, like a CSV of it."""

EXIT_ABORTED = 3
EXIT_MISMATCH = 4


def register(sub: argparse._SubParsersAction) -> None:
    from argparse import RawDescriptionHelpFormatter as Raw

    p = sub.add_parser("ingest", help="ingest configured sources, a data directory or one file", description=INGEST_HELP, formatter_class=Raw)
    p.add_argument("path", nargs="?", help="a data directory or one file; none: every source in voxindex.yaml")
    p.add_argument(
        "--source",
        metavar="NAME",
        help="connector for a single file: accounts, zendesk, appstore, survey, calls, jsonl, csv (default: from the file name)",
    )
    p.add_argument("--sources", metavar="A,B", help="with a directory or voxindex.yaml: only these sources (comma-separated)")
    p.add_argument("--map", metavar="KEY=COL,...", help="field map for the jsonl, csv and survey connectors, e.g. id=post_id,text=content; several answer "
                   "columns as text=A+B; a column whose name holds a comma in double quotes; survey=@nps or "
                   "@csat for a survey export of one kind (default: guessed from the header)")
    p.add_argument("--id-from", metavar="COLS", help="derive each record's id from these columns or map keys (e.g. text,created_at) when the export has no unique id")
    p.add_argument("--channel", help="channel for the generic jsonl/csv connectors (default community / chat)")
    p.add_argument("--time-format", metavar="FMT", action="append", help="strftime pattern for timestamps, e.g. '%%d-%%m-%%Y %%H.%%M'; repeat to try several in order")
    p.add_argument("--timezone", metavar="TZ", help="zone for timestamps without one (default VOXINDEX_TIMEZONE, UTC)")
    p.add_argument("--encoding", help="file encoding when detection is wrong (utf-8, utf-16, cp1252, ...)")
    p.add_argument("--delimiter", help="delimiter when sniffing is wrong: comma, tab, semicolon, pipe or one character")
    p.add_argument("--sheet", metavar="NAME", help="an Excel workbook's sheet to read (default: the first visible sheet with a header row)")
    p.add_argument("--dry-run", action="store_true", help="parse the first 20 records and print how they map; write nothing")
    p.add_argument("--schedule", action="store_true", help="keep running: ingest each voxindex.yaml source now and then on its cron `schedule`")
    p.add_argument("--config", metavar="FILE", help="deployment file (default $VOXINDEX_CONFIG, else ./voxindex.yaml)")
    p.add_argument("--no-enrich", action="store_true", help="index units as parsed (no models): fastest, for checks and bulk loads")
    p.add_argument("--batch-size", type=int, metavar="N", help="records per batch; the cursor advances after each (default VOXINDEX_INGEST_BATCH, 1000)")
    p.add_argument("--no-progress", action="store_true", help="no progress bar or progress lines")
    p.add_argument("--json", action="store_true", help="print the summary as JSON instead of a table")
    p.set_defaults(func=_ingest)

    p = sub.add_parser(
        "init",
        help="write a commented starter voxindex.yaml (sources, taxonomy, rules, Elasticsearch)",
        description="Write a commented starter deployment file. Edit its sources, then `voxindex ingest --dry-run` and `voxindex ingest`.",
    )
    p.add_argument("--path", default="voxindex.yaml", help="where to write it (default ./voxindex.yaml)")
    p.add_argument("--force", action="store_true", help="overwrite an existing file")
    p.set_defaults(func=_init)

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


def _err(message: str) -> None:
    print(f"error: {message}", file=sys.stderr)


def _flag_connector(args, path, settings):
    """The connector for one file named on the command line, configured by the flags."""
    from .sources import connector_for_file, make_connector
    from .sources.mapped import parse_field_map

    name = args.source or connector_for_file(path)
    id_from = [c.strip() for c in args.id_from.split(",") if c.strip()] if args.id_from else None
    return make_connector(
        name, field_map=parse_field_map(args.map), id_from=id_from, channel=args.channel,
        time_format=args.time_format, timezone=args.timezone or settings.timezone,
        encoding=args.encoding, delimiter=args.delimiter, sheet=args.sheet,
    )


def _configured(deployment, names, settings):
    """(source config, connector, file) for every file of every configured source."""
    from .sources import make_connector

    wanted = deployment.sources if not names else [deployment.source(n) for n in names]
    jobs = []
    for src in wanted:
        files = src.files(deployment.base)
        if not files:
            raise FileNotFoundError(f"{deployment.path}: sources.{src.name}.path {src.path!r} matches no file")
        for path in files:
            connector = make_connector(
                src.connector, field_map=src.field_map, id_from=src.id_from, channel=src.channel,
                time_format=src.time_format, timezone=src.timezone or settings.timezone,
                encoding=src.encoding, delimiter=src.delimiter, sheet=src.sheet,
            )
            jobs.append((src, connector, path))
    # accounts before feedback, whatever the file order: units take the account as it was
    return sorted(jobs, key=lambda job: job[0].connector != "accounts")


def _ingest(args: argparse.Namespace) -> int:
    import os
    from pathlib import Path

    if args.config:
        os.environ["VOXINDEX_CONFIG"] = args.config
    from voxindex.config import get_settings
    from voxindex.deployment import load_deployment

    from .pipeline import Pipeline
    from .sources.mapped import MappingError

    settings = get_settings()
    if args.batch_size is not None and args.batch_size < 1:
        _err("--batch-size must be at least 1")
        return 2
    sources = [s.strip() for s in args.sources.split(",") if s.strip()] if args.sources else None
    try:
        deployment = None
        if args.schedule and args.path is not None:
            _err("--schedule runs the sources of voxindex.yaml; give no path")
            return 2
        if args.path is None:
            deployment = load_deployment(named=settings.config_file)
            if not deployment.sources:
                where = deployment.path or "./voxindex.yaml"
                _err(f"nothing to ingest: give a directory or file, or list sources in {where} (write a starter with `voxindex init`)")
                return 2
            jobs = _configured(deployment, sources, settings)
        else:
            path = Path(args.path)
            if path.is_dir() and not args.source:
                if args.dry_run:
                    _err("--dry-run reads one file; name it (e.g. demo-data/chats.csv)")
                    return 2
                jobs = None
            else:
                if args.source and path.is_dir():
                    from .sources import get_connector

                    path = path / get_connector(args.source).default_filename
                if not path.is_file():
                    _err(f"{path}: no such file")
                    return 2
                jobs = [(None, _flag_connector(args, path, settings), path)]
        if args.dry_run:
            return _dry_run(jobs)
        if not args.no_enrich:  # a broken taxonomy file stops the run before any index is created
            from .enrich.taxonomy import load_taxonomy

            load_taxonomy(settings.taxonomy_path)
    except (MappingError, ValueError, FileNotFoundError) as exc:
        _err(str(exc))
        return 2
    if not args.no_enrich and settings.encoder == "torch":
        from indexer.encoder import require_torch

        try:  # before the indices are created: a refused run leaves nothing behind
            require_torch("VOXINDEX_ENCODER=torch")
        except RuntimeError as exc:
            _err(str(exc))
            return 2

    es = _client(settings)
    pipeline = Pipeline() if args.no_enrich else None
    if jobs is None:
        return _report(_run_dir(es, settings, Path(args.path), sources, pipeline, args), args)
    if pipeline is None and any(c.name != "accounts" for _, c, _ in jobs):
        from .enrich.build import build_pipeline

        pipeline = build_pipeline(settings, es)  # built once: models load once
    if args.schedule:
        return _schedule(es, settings, deployment, sources, pipeline, args)
    return _report(_run_jobs(es, settings, jobs, pipeline, args), args)


def _run_dir(es, settings, path, sources, pipeline, args):
    from .ingest import IngestAborted, ingest_dir

    refused: list[str] = []  # a file refused does not stop the others (as with voxindex.yaml)
    try:
        summaries = ingest_dir(es, settings, path, sources=sources, pipeline=pipeline, progress=not args.no_progress,
                               batch_size=args.batch_size, refused=refused)
    except IngestAborted as exc:
        return [exc.summary] if exc.summary is not None else [], [(str(exc), EXIT_ABORTED)]
    return list(summaries.values()), [(message, 2) for message in refused]


def _run_jobs(es, settings, jobs, pipeline, args):
    """Every file in turn; a source whose mapping is refused does not stop the others."""
    from .ingest import FILE_REFUSALS, IngestAborted, ingest_path

    summaries, errors = [], []
    announce = lambda message: print(message, file=sys.stderr, flush=True)  # noqa: E731
    for _, connector, path in jobs:
        try:
            summaries.append(
                ingest_path(es, settings, connector, path, pipeline=pipeline, progress=not args.no_progress,
                            batch_size=args.batch_size, announce=announce)
            )
        except FILE_REFUSALS as exc:  # this file; the others still run
            errors.append((str(exc), 2))
        except IngestAborted as exc:  # Elasticsearch is gone: the next source would fail too
            if exc.summary is not None:
                summaries.append(exc.summary)
            errors.append((str(exc), EXIT_ABORTED))
            break
    return summaries, errors


def _report(result, args) -> int:
    from dataclasses import asdict
    from pathlib import Path

    from .ingest import format_summaries

    summaries, errors = result
    _print(summaries, args.json, format_summaries, asdict)
    for s in summaries:
        for note in s.notes:
            print(f"note: {s.source} {Path(s.path).name}: {note}", file=sys.stderr)
    dead = sum(s.dead_lettered for s in summaries)
    if dead:
        print(f"{dead} records dead-lettered; see `voxindex deadletters`", file=sys.stderr)
    broken = [s for s in summaries if not s.reconciles]
    for s in summaries:
        print(s.reconciliation(), file=sys.stderr if (s in broken or args.json) else sys.stdout)
    for message, _ in errors:
        _err(message)
    if errors:
        return max(code for _, code in errors)
    if broken:
        _err(f"{len(broken)} source(s) do not reconcile: records were lost between reading and indexing; "
             "this is a bug, please report it with the lines above")
        return EXIT_MISMATCH
    return 0


def _schedule(es, settings, deployment, names, pipeline, args) -> int:
    """Run each configured source now, then on its cron `schedule`, until interrupted."""
    from apscheduler.schedulers.blocking import BlockingScheduler

    from voxindex.deployment import cron_trigger

    wanted = [s for s in deployment.sources if (not names or s.name in names) and s.schedule]
    if not wanted:
        _err(f"no source in {deployment.path} has a `schedule`")
        return 2

    def tick(name: str) -> None:
        _report(_run_jobs(es, settings, _configured(deployment, [name], settings), pipeline, args), args)

    scheduler = BlockingScheduler(timezone="UTC")
    for src in wanted:
        tick(src.name)
        scheduler.add_job(tick, cron_trigger(src.schedule), args=[src.name], id=src.name, max_instances=1, coalesce=True)
        print(f"scheduled {src.name}: {src.schedule} (UTC)", file=sys.stderr)
    try:
        scheduler.start()
    except (KeyboardInterrupt, SystemExit):
        pass
    return 0


def _dry_run(jobs) -> int:
    from .dryrun import dry_run

    ok = True
    for i, (_, connector, path) in enumerate(jobs):
        if i:
            print()
        report, good = dry_run(connector, path)
        print(report)
        ok &= good
    return 0 if ok else 1


def _init(args: argparse.Namespace) -> int:
    from pathlib import Path

    from voxindex.deployment import STARTER

    path = Path(args.path)
    if path.exists() and not args.force:
        _err(f"{path} exists; edit it, or pass --force to overwrite it")
        return 2
    path.write_text(STARTER, encoding="utf-8")
    print(f"wrote {path}: edit its sources, then `voxindex ingest --dry-run` and `voxindex ingest`")
    return 0


def _print(summaries, as_json, format_summaries, asdict) -> None:
    if as_json:
        print(json.dumps([{**asdict(s), "indexed": s.indexed} for s in summaries], indent=2))
    elif summaries:
        print(format_summaries(summaries))


def _deadletters(args: argparse.Namespace) -> int:
    from voxindex.config import get_settings

    from .deadletter import list_dead_letters, pointer_status, pointer_text

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
            print(f"    replay : {dl['source_path']} {pointer_text(dl)} ({pointer_status(dl)} since dead-lettered)"
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
