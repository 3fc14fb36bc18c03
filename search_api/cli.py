"""`voxindex serve`, `voxindex api-keys` and `voxindex eval-search`."""
from __future__ import annotations

import argparse
import json
import sys
from pathlib import Path

SERVE_HELP = """\
Serve the search API with waitress (a production WSGI server).

  voxindex serve                          foreground on 127.0.0.1:8000
  voxindex serve --background             detached; pid in <home>/api.pid, log in <home>/logs/api.log
                                          (already running: restarted, so a re-run is safe)
  voxindex serve stop                     stop the detached server

On first start with no API keys, an admin and a viewer key are created and printed once (also
saved to <home>/api-keys.txt, mode 0600). Make more with `voxindex api-keys create`."""


def register(sub: argparse._SubParsersAction) -> None:
    p = sub.add_parser("serve", help="run the search API (waitress); `serve stop` stops a background one",
                       description=SERVE_HELP, formatter_class=argparse.RawDescriptionHelpFormatter)
    p.add_argument("action", nargs="?", choices=["stop"], help="stop the background server")
    p.add_argument("--host", default=None, help="bind address (default VOXINDEX_API_HOST or 127.0.0.1)")
    p.add_argument("--port", type=int, default=None, help="port (default VOXINDEX_API_PORT or 8000)")
    p.add_argument("--threads", type=int, default=8, help="waitress worker threads (default 8)")
    p.add_argument("--background", action="store_true", help="detach and write a pidfile")
    p.add_argument("--pidfile", default=None, help="pidfile path (default <home>/api.pid)")
    p.add_argument("--no-bootstrap", action="store_true", help=argparse.SUPPRESS)
    p.set_defaults(func=_serve)

    k = sub.add_parser("api-keys", help="create, list and revoke API keys (roles viewer|analyst|admin)",
                       description="API keys are stored hashed in the `apikeys` index; the plaintext is printed once.")
    ks = k.add_subparsers(dest="keys_command", metavar="ACTION", required=True)
    c = ks.add_parser("create", help="create a key and print it once")
    c.add_argument("--name", required=True, help="who or what uses the key (shown in the audit log)")
    c.add_argument("--role", required=True, choices=["viewer", "analyst", "admin"],
                   help="viewer: no revenue/person fields; analyst: everything but admin ops; admin: keys, ingest, alert transitions")
    c.add_argument("--sources", default="", help="comma-separated sources this key may see (default: all)")
    c.add_argument("--segments", default="", help="comma-separated account segments this key may see (default: all)")
    c.set_defaults(func=_keys_create)
    ls = ks.add_parser("list", help="list keys (never their secrets)")
    ls.add_argument("--json", action="store_true", help="print JSON")
    ls.set_defaults(func=_keys_list)
    rv = ks.add_parser("revoke", help="revoke a key by id, or every active key with that name")
    rv.add_argument("key", help="key id or name")
    rv.set_defaults(func=_keys_revoke)

    e = sub.add_parser("eval-search", help="nDCG@10 and recall@50 of keyword, vector and hybrid search",
                       description="Relevance of keyword, vector and hybrid search against the demo ground truth: "
                                   "hand-written queries per sub-theme (search_api/eval_queries.yaml), relevant = units "
                                   "with that ground-truth sub_theme. See search_api/evaluation.py for the method.")
    e.add_argument("--data", default="demo-data", metavar="DIR", help="directory with ground_truth/ (default ./demo-data)")
    e.add_argument("--corpus", choices=["auto", "live", "sample"], default="auto",
                   help="live: the ingested index; sample: a stratified sample of ground-truth texts in its own index; "
                        "auto: live when it holds the ground-truth units")
    e.add_argument("--per-sub-theme", type=int, default=150, help="sample size per sub-theme for --corpus sample")
    e.add_argument("--tune", action="store_true", help="also sweep RRF k and candidate windows for hybrid")
    e.add_argument("--json", metavar="OUT", help="also write every number as JSON to OUT")
    e.set_defaults(func=_eval)


def _settings_es():
    from voxindex.config import get_settings
    from voxindex.es import client, wait_until_up

    settings = get_settings()
    es = client(settings)
    wait_until_up(es, timeout=30)
    return settings, es


def _serve(args: argparse.Namespace) -> int:
    from voxindex.config import get_settings

    from . import server

    settings = get_settings()
    pidfile = Path(args.pidfile) if args.pidfile else server.default_pidfile(settings)
    if args.action == "stop":
        return 0 if server.stop(pidfile) else 1
    host = args.host or settings.api_host
    port = args.port or settings.api_port
    settings, es = _settings_es()
    server.ensure_api_indices(es, settings)
    if not args.no_bootstrap:
        server.bootstrap_keys(es, settings)
    if args.background:
        pid = server.running_pid(pidfile)
        plan = background_plan(pid, server.answers(host, port))
        if plan == "reuse":
            print(f"A VoxIndex API already answers on http://{host}:{port} (not started from {pidfile}: another "
                  "checkout or a foreground `voxindex serve`); reusing it. Stop it there to serve this one.")
            return 0
        if plan == "restart":
            # a re-run (the second `make demo`) must serve the current code and settings, not fail
            print(f"VoxIndex API already running (pid {pid}); restarting it")
            server.stop(pidfile)
        server.start_background(settings, host, port, pidfile)
        return 0
    server.serve_foreground(settings, host, port, threads=args.threads)
    return 0


def background_plan(our_pid: int | None, port_answers: bool) -> str:
    """What `serve --background` does: "restart" the server our pidfile names, "reuse" an API
    we did not start that already answers on the port, or "start" one."""
    if our_pid:
        return "restart"
    return "reuse" if port_answers else "start"


def _store():
    from . import server
    from .auth import KeyStore

    settings, es = _settings_es()
    server.ensure_api_indices(es, settings)
    return KeyStore(es, settings.indices)


def _split(text: str) -> list[str]:
    return [t.strip() for t in text.split(",") if t.strip()]


def _keys_create(args: argparse.Namespace) -> int:
    from voxindex.model import SEGMENTS, SOURCES

    sources, segments = _split(args.sources), _split(args.segments)
    for value, allowed, what in [(s, SOURCES, "source") for s in sources] + [(s, SEGMENTS, "segment") for s in segments]:
        if value not in allowed:
            raise ValueError(f"unknown {what} {value!r}; use one of {', '.join(allowed)}")
    token, record = _store().create(args.name, args.role, sources, segments, created_by="cli")
    scope = f" sources={','.join(sources)}" if sources else ""
    scope += f" segments={','.join(segments)}" if segments else ""
    print(f"created key {record.key_id} ({record.name}, {record.role}{scope}). It is shown once:")
    print(token)
    return 0


def _keys_list(args: argparse.Namespace) -> int:
    records = _store().list()
    if args.json:
        print(json.dumps([r.public() for r in records], indent=2))
        return 0
    print(f"{'key id':14s} {'name':20s} {'role':8s} {'scope':30s} {'created':22s} status")
    for r in records:
        scope = ";".join(filter(None, [",".join(r.sources), ",".join(r.segments)])) or "all"
        print(f"{r.key_id:14s} {r.name[:20]:20s} {r.role:8s} {scope[:30]:30s} {(r.created_at or '')[:19]:22s} "
              f"{'revoked' if r.revoked else 'active'}")
    return 0


def _keys_revoke(args: argparse.Namespace) -> int:
    ids = _store().revoke(args.key)
    if not ids:
        print(f"no active key with id or name {args.key!r}", file=sys.stderr)
        return 1
    print(f"revoked {', '.join(ids)} (running servers stop accepting it within 10 s)")
    return 0


def _eval(args: argparse.Namespace) -> int:
    from .evaluation import evaluate, format

    settings, es = _settings_es()
    metrics = evaluate(args.data, settings=settings, corpus=args.corpus, per_sub_theme=args.per_sub_theme,
                       tune=args.tune, es=es)
    print(format(metrics))
    if args.json:
        Path(args.json).write_text(json.dumps(metrics, indent=2))
        print(f"wrote {args.json}")
    return 0
