"""`voxindex detectors ...` (the closed loop's `validate-fixes` included) and `voxindex watches ...`."""
from __future__ import annotations

import argparse
import json
import sys

from .bench import add_bench_parser

RULES_HELP = "rules directory (default: rules/ in the repository); routing.yaml there routes owners"


def register(sub: argparse._SubParsersAction) -> None:
    det = sub.add_parser("detectors", help="run, validate and backtest detector rules (spikes, trends, flatlines...)",
                         description="Detector rules live in YAML, one rule per file (see rules/).")
    dsub = det.add_subparsers(dest="detectors_command", metavar="ACTION", required=True)

    p = dsub.add_parser("run", help="schedule every rule (each on its own interval/cron), or evaluate once",
                        description="Without --once: a blocking scheduler runs each rule on its schedule until Ctrl-C. "
                                    "With --once: evaluate all rules now (or as of --at) and exit. Alerts are logged "
                                    "and written to the alerts index.")
    p.set_defaults(log_level_default="INFO")  # the scheduler reports each alert and evaluation in its log
    p.add_argument("--once", action="store_true", help="evaluate every rule once and exit")
    p.add_argument("--at", help="evaluate as of this ISO time (with --once), e.g. 2026-09-01T00:00:00Z")
    p.add_argument("--rules", default=None, help=RULES_HELP)
    p.add_argument("--no-notify", action="store_true", help="write alerts but call no alerters")
    p.set_defaults(func=_run)

    p = dsub.add_parser("validate", help="check every rule file; errors name the file and the field")
    p.add_argument("dir", nargs="?", default=None, help="rules directory (default rules/)")
    p.set_defaults(func=_validate)

    p = dsub.add_parser("backtest", help="replay the rules over history and score them against ground truth",
                        description="Evaluates every rule as of each step between --from and --to (only data created "
                                    "before each step counts) into a scratch alerts index, then prints incident recall, "
                                    "false alarms per simulated week and detection delay per incident from "
                                    "DATA/ground_truth/incidents.json. The data must already be ingested.")
    p.add_argument("--from", dest="start", help="first evaluation time (default: 14 days after the first unit)")
    p.add_argument("--to", dest="end", help="last evaluation time (default: the last unit)")
    p.add_argument("--step", default="1d", help="evaluation step, e.g. 6h or 1d (default 1d)")
    p.add_argument("--data", default="demo-data", help="data directory holding ground_truth/ (default demo-data)")
    p.add_argument("--rules", default=None, help=RULES_HELP)
    p.add_argument("--json", action="store_true", help="print the report as JSON")
    p.set_defaults(func=_backtest)

    p = dsub.add_parser("alerts", help="list alerts (highest impact first)")
    p.add_argument("--state", help="open, acknowledged, assigned, resolved, validated (comma-separated)")
    p.add_argument("--owner")
    p.add_argument("--size", type=int, default=20)
    p.add_argument("--json", action="store_true")
    p.set_defaults(func=_alerts)

    p = dsub.add_parser("transition", help="ack / assign / resolve / fix / validate / reopen / silence an alert")
    p.add_argument("alert_id")
    p.add_argument("action", choices=["ack", "assign", "resolve", "fix", "validate", "reopen", "silence"])
    p.add_argument("--actor", default=None, help="who (default: $USER)")
    p.add_argument("--assignee")
    p.add_argument("--note", help="free text; for silence a leading duration sets its length, e.g. '3d until 4.8.3'")
    p.add_argument("--ticket", help="external ticket key, e.g. SYNC-123")
    p.set_defaults(func=_transition)

    p = dsub.add_parser("silence", help="silence a whole rule (or one dedup key) for a while")
    g = p.add_mutually_exclusive_group(required=True)
    g.add_argument("--rule")
    g.add_argument("--key", help="an alert's dedup_key")
    p.add_argument("--for", dest="duration", default="1d", help="how long (default 1d)")
    p.add_argument("--note")
    p.set_defaults(func=_silence)

    add_bench_parser(dsub, "bench")  # also `voxindex bench detectors`

    p = dsub.add_parser(
        "validate-fixes", help="check that fixed alerts' theme volume really fell; mark validated or reopened",
        description="For every alert in state `fixed` whose post-fix window has elapsed, compare the daily "
                    "volume of its theme/sub-theme in the N days after the fix with the N days before "
                    "detection (one-sided Poisson test). Still elevated -> reopened; otherwise validated.",
    )
    p.add_argument("--days", type=int, default=7, help="window N in days before detection and after the fix (default 7)")
    p.add_argument("--alpha", type=float, default=0.05, help="significance level of the Poisson test (default 0.05)")
    p.add_argument("--dry-run", action="store_true", help="print verdicts without changing alerts")
    p.add_argument("--alert-id", action="append", default=None, help="only these alerts")
    p.set_defaults(func=_validate_fixes)

    w = sub.add_parser("watches", help="saved queries matched against every batch as it is indexed",
                       description="A watch fires an alert (one per watch and unit) the moment a matching unit is "
                                   "indexed. Percolator engine where the cluster has it, batch _msearch otherwise.")
    wsub = w.add_subparsers(dest="watches_command", metavar="ACTION", required=True)
    p = wsub.add_parser("add", help="add or replace a watch")
    p.add_argument("--name", required=True)
    p.add_argument("--query", help="keywords, all required by default; simple query string syntax: 'sync +(stuck | failed) -android'")
    for flag in ("theme", "sub-theme", "segment", "source", "app-version", "sentiment", "intent", "severity",
                 "region", "plan", "product-area", "account"):
        p.add_argument(f"--{flag}", help="one value or comma-separated values")
    p.add_argument("--min-arr", type=float, help="only accounts with ARR at least this")
    p.add_argument("--owner", help="team or person that owns the alerts")
    p.add_argument("--realert", default="7d", help="same watch+unit does not alert again within this (default 7d)")
    p.add_argument("--webhook", help="POST alerts to this URL")
    p.add_argument("--slack", help="Slack incoming-webhook URL")
    p.set_defaults(func=_watch_add)
    p = wsub.add_parser("list", help="list watches")
    p.add_argument("--json", action="store_true")
    p.set_defaults(func=_watch_list)
    p = wsub.add_parser("test", help="would a watch match this unit? (nothing is indexed)")
    p.add_argument("name")
    g = p.add_mutually_exclusive_group(required=True)
    g.add_argument("--unit-json", help="a JSON file with one feedback unit document")
    g.add_argument("--text", help="just a text (a customer unit with no other fields)")
    p.set_defaults(func=_watch_test)
    p = wsub.add_parser("delete", help="delete a watch")
    p.add_argument("name")
    p.set_defaults(func=_watch_delete)


def _client():
    from voxindex.config import get_settings
    from voxindex.es import client, wait_until_up

    settings = get_settings()
    es = client(settings)
    wait_until_up(es, timeout=30)
    return es, settings


def _rules_dir(value):
    from voxindex.config import get_settings

    from .rules import DEFAULT_RULES_DIR

    return value or get_settings().rules_dir or DEFAULT_RULES_DIR


def _run(args) -> int:
    from voxindex.model import parse_time

    from .rules import load_rules
    from .runner import load_routing_for, run_once, serve

    rules_dir = _rules_dir(args.rules)
    rules, _ = load_rules(rules_dir)
    routing = load_routing_for(rules_dir)
    es, settings = _client()
    if args.at and not args.once:
        raise ValueError("--at only makes sense with --once")
    if not args.once:
        serve(es, settings, rules, routing, notify=not args.no_notify)
        return 0
    res = run_once(es, settings, rules, parse_time(args.at, "--at") if args.at else None, routing=routing,
                   notify=not args.no_notify)
    for a in res.created + res.grown:
        print(f"{'NEW  ' if a in res.created else 'GROWN'} {a['alert_id']} score={a['impact']['score']:5.1f} "
              f"owner={a.get('owner') or '-'} {a['title']} — {a['why']}")
    print(f"{res.summary()}; {len(res.errors)} rule errors, {res.retried} failed deliveries retried OK", file=sys.stderr)
    for err in res.errors:
        print(f"error: {err}", file=sys.stderr)
    return 1 if res.errors else 0


def _validate(args) -> int:
    from .lifecycle import load_routing
    from .rules import ROUTING_FILE, load_rules

    rules_dir = _rules_dir(args.dir)
    rules, errors = load_rules(rules_dir, strict=False)
    for r in rules:
        print(f"ok   {r.path}: {r.name} ({r.type}, {r.schedule.describe()})")
    try:
        load_routing(f"{rules_dir}/{ROUTING_FILE}")
    except ValueError as exc:
        errors.append(str(exc))
    for e in errors:
        print(f"FAIL {e}", file=sys.stderr)
    print(f"{len(rules)} valid, {len(errors)} invalid", file=sys.stderr)
    return 1 if errors else 0


def _backtest(args) -> int:
    from .backtest import format_report, run_backtest
    from .rules import load_rules
    from .runner import load_routing_for

    rules_dir = _rules_dir(args.rules)
    rules, _ = load_rules(rules_dir)
    es, settings = _client()
    report = run_backtest(es, settings, rules, data_dir=args.data, start=args.start, end=args.end, step=args.step,
                          routing=load_routing_for(rules_dir))
    print(json.dumps(report, indent=2, default=str) if args.json else format_report(report))
    return 0


def _alerts(args) -> int:
    from .lifecycle import list_alerts

    es, settings = _client()
    alerts = list_alerts(es, settings.indices, state=args.state, owner=args.owner, size=args.size)
    if args.json:
        print(json.dumps(alerts, indent=2))
        return 0
    for a in alerts:
        print(f"{a['alert_id']} {a['state']:12s} {a['impact']['score']:5.1f} {a.get('owner') or '-':14s} {a['title']}")
    return 0


def _transition(args) -> int:
    import getpass

    from .lifecycle import transition

    es, settings = _client()
    alert = transition(es, settings.indices, args.alert_id, args.action, args.actor or getpass.getuser(),
                       assignee=args.assignee, note=args.note, external_ticket=args.ticket)
    print(f"{alert['alert_id']} is {alert['state']}" + (f", silenced until {alert['silenced_until']}" if args.action == "silence" else ""))
    return 0


def _silence(args) -> int:
    import getpass

    from voxindex.model import utcnow

    from .lifecycle import silence
    from .rules import parse_duration

    es, settings = _client()
    until = utcnow() + parse_duration(args.duration)
    doc = silence(es, settings.indices, until=until, actor=getpass.getuser(), rule=args.rule, dedup_key=args.key, note=args.note)
    print(f"silenced {doc['dedup_key']} until {doc['silenced_until']}")
    return 0


def _split(value):
    return [v.strip() for v in value.split(",") if v.strip()] if value else []


def _watch_add(args) -> int:
    from .watches import WatchSpec, add_watch

    alerts = []
    if args.webhook:
        alerts.append({"type": "webhook", "url": args.webhook})
    if args.slack:
        alerts.append({"type": "slack", "webhook_url": args.slack})
    spec = WatchSpec(
        name=args.name, query=args.query, theme=_split(args.theme), sub_theme=_split(args.sub_theme),
        segment=_split(args.segment), source=_split(args.source), app_version=_split(args.app_version),
        sentiment=_split(args.sentiment), intent=_split(args.intent), severity=_split(args.severity),
        region=_split(args.region), plan=_split(args.plan), product_area=_split(args.product_area),
        account=_split(args.account), min_arr=args.min_arr, owner=args.owner, realert=args.realert, alerts=alerts,
    ).validate()
    es, settings = _client()
    doc = add_watch(es, settings.indices, spec)
    print(f"watch {doc['name']} saved: {doc['query_json']}")
    return 0


def _watch_list(args) -> int:
    from .watches import list_watches

    es, settings = _client()
    watches = list_watches(es, settings.indices)
    if args.json:
        print(json.dumps(watches, indent=2))
        return 0
    for w in watches:
        spec = w.get("spec") or {}
        conds = {k: v for k, v in spec.items() if v and k not in ("name", "alerts", "active", "customers_only", "realert")}
        print(f"{w['name']:24s} {'active' if w.get('active') else 'paused':7s} {json.dumps(conds)}")
    if not watches:
        print("no watches yet; add one with `voxindex watches add --name N --query '...'`", file=sys.stderr)
    return 0


def _watch_test(args) -> int:
    from pathlib import Path

    from .watches import test_watch

    unit = json.loads(Path(args.unit_json).read_text()) if args.unit_json else {"text": args.text}
    es, settings = _client()
    matched = test_watch(es, settings.indices, args.name, unit)
    print("MATCH" if matched else "no match")
    return 0 if matched else 3


def _watch_delete(args) -> int:
    from .watches import delete_watch

    es, settings = _client()
    if not delete_watch(es, settings.indices, args.name):
        print(f"no watch named {args.name!r}", file=sys.stderr)
        return 1
    print(f"deleted {args.name}")
    return 0


def _validate_fixes(args: argparse.Namespace) -> int:
    from voxindex.config import get_settings
    from voxindex.es import client

    from .closed_loop import validate_fixes

    settings = get_settings()
    verdicts = validate_fixes(client(settings), settings.indices, days=args.days, alpha=args.alpha,
                              apply=not args.dry_run, alert_ids=args.alert_id)
    for v in verdicts:
        print(v.summary())
    if not verdicts:
        print("no fixed alerts whose post-fix window has elapsed")
    return 0
