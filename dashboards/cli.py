"""`voxindex kibana ...` and `voxindex report ...`."""
from __future__ import annotations

import argparse
import sys
from pathlib import Path

AUDIENCES = ("engineering", "support", "product", "success", "leadership")


def register(sub: argparse._SubParsersAction) -> None:
    _register_kibana(sub)
    _register_report(sub)


# ---------------------------------------------------------------- kibana


def _register_kibana(sub: argparse._SubParsersAction) -> None:
    kb = sub.add_parser("kibana", help="import/export the Kibana data views, Lens visualizations and dashboards",
                        description="Kibana 8.x saved objects live in kibana/*.ndjson.")
    kb_sub = kb.add_subparsers(dest="kibana_command", metavar="ACTION", required=True)
    p = kb_sub.add_parser("import", help="POST kibana/*.ndjson to /api/saved_objects/_import?overwrite=true")
    _kibana_conn(p)
    p.set_defaults(func=_kibana_import)
    p = kb_sub.add_parser("export", help="export the VoxIndex dashboards (with references) into NDJSON files")
    _kibana_conn(p)
    p.add_argument("--out", type=Path, default=None, help="folder to write (default: kibana/)")
    p.set_defaults(func=_kibana_export)
    p = kb_sub.add_parser("build", help="regenerate kibana/*.ndjson and kibana/queries.json from dashboards/kibana_objects.py")
    p.add_argument("--out", type=Path, default=None, help="folder to write (default: kibana/)")
    p.set_defaults(func=_kibana_build)


def _kibana_conn(p: argparse.ArgumentParser) -> None:
    p.add_argument("--url", required=True, help="Kibana base URL, e.g. http://localhost:5601")
    p.add_argument("--api-key", default=None, help="Kibana API key (sent as `Authorization: ApiKey ...`)")
    p.add_argument("--space", default=None, help="Kibana space id (default space when omitted)")


def _kibana_import(args: argparse.Namespace) -> int:
    from .kibana import import_objects

    result = import_objects(args.url, api_key=args.api_key, space=args.space)
    print(f"imported {result.success_count} saved objects into {args.url}" + (f" (space {args.space})" if args.space else ""))
    for err in result.errors:
        print(f"  error: {err.get('type')}/{err.get('id')}: {err.get('error')}", file=sys.stderr)
    return 0 if result.success else 1


def _kibana_export(args: argparse.Namespace) -> int:
    from .kibana import export_objects
    from .kibana_objects import KIBANA_DIR

    counts = export_objects(args.url, out_dir=args.out or KIBANA_DIR, api_key=args.api_key, space=args.space)
    for name, n in counts.items():
        print(f"{name}: {n} objects")
    return 0


def _kibana_build(args: argparse.Namespace) -> int:
    from .kibana_objects import KIBANA_DIR, write_all

    for path in write_all(args.out or KIBANA_DIR):
        print(path)
    return 0


# ---------------------------------------------------------------- reports


def _report_options(p: argparse.ArgumentParser, many: bool = False) -> None:
    if many:
        p.add_argument("--audience", action="append", choices=AUDIENCES, required=True,
                       help="who the report is for (repeat for several)")
    else:
        p.add_argument("--audience", choices=AUDIENCES, help="who the report is for")
    p.add_argument("--format", choices=("html", "md", "email"), default="html",
                   help="html page, Markdown, or a full MIME email (html + text parts)")
    p.add_argument("--base-url", default=None,
                   help="where links point (default http://VOXINDEX_API_HOST:VOXINDEX_API_PORT)")
    p.add_argument("--send-to", action="append", default=None, metavar="EMAIL", help="email the report to this address")
    p.add_argument("--smtp", default="127.0.0.1:25", metavar="HOST:PORT", help="SMTP relay for --send-to (default 127.0.0.1:25)")
    p.add_argument("--sender", default="voxindex@localhost", help="From: address for emailed reports")


def _register_report(sub: argparse._SubParsersAction) -> None:
    p = sub.add_parser(
        "report", help="weekly stakeholder reports (engineering, support, product, success, leadership)",
        description="Render a weekly Voice-of-Customer report for one audience. Every number links to the "
                    "units behind it. Example: voxindex report --audience product --week 2026-W47 --format md",
    )
    _report_options(p)
    p.add_argument("--week", default=None, help="ISO week like 2026-W47 (default: the last complete week)")
    p.add_argument("--out", type=Path, default=None, help="write to this file (default: stdout)")
    p.set_defaults(func=_report)
    rsub = p.add_subparsers(dest="report_command", metavar="ACTION")
    s = rsub.add_parser("schedule", help="run reports on a cron schedule (APScheduler, blocks until Ctrl-C)",
                        description="Example: voxindex report schedule --cron 'mon 8:00' --audience leadership "
                                    "--send-to vp@example.com --smtp mail:25")
    _report_options(s, many=True)
    s.add_argument("--cron", required=True, help="'DOW H:MM' (e.g. 'mon 8:00') or a 5-field crontab expression")
    s.add_argument("--out-dir", type=Path, default=None, help="also write each report here")
    s.add_argument("--timezone", default="UTC", help="timezone the cron runs in (default UTC)")
    s.set_defaults(func=_report_schedule)


def _report(args: argparse.Namespace) -> int:
    if not args.audience:
        print("error: --audience is required (engineering, support, product, success or leadership)", file=sys.stderr)
        return 2
    from voxindex.config import get_settings
    from voxindex.es import client

    from .reports import deliver, parse_week, produce

    settings = get_settings()
    es = client(settings)
    start = parse_week(args.week) if args.week else None
    report = produce(es, settings, args.audience, week_start=start, fmt=args.format, base_url=args.base_url)
    if args.out:
        args.out.parent.mkdir(parents=True, exist_ok=True)
        args.out.write_text(report.body)
        print(f"wrote {args.out}", file=sys.stderr)
    elif not args.send_to:
        sys.stdout.write(report.body)
    if args.send_to:
        how = deliver(report, args.send_to, args.smtp, sender=args.sender)
        print(f"sent '{report.subject}' to {', '.join(args.send_to)} via {how}", file=sys.stderr)
    return 0


def _report_schedule(args: argparse.Namespace) -> int:
    from .reports import run_schedule

    run_schedule(args)
    return 0
