"""Core commands: the local Elasticsearch and index setup."""
from __future__ import annotations

import argparse
import json


def register(sub: argparse._SubParsersAction) -> None:
    es = sub.add_parser("es", help="install, start, stop or inspect the local Elasticsearch node")
    es_sub = es.add_subparsers(dest="es_command", metavar="ACTION", required=True)
    for action, text in (
        ("install", "fetch the pinned integ-test-zip with Maven and unpack it under .voxindex/es"),
        ("start", "start a single node on VOXINDEX_ES_URL (default 127.0.0.1:9200) unless one answers"),
        ("stop", "stop the node VoxIndex started"),
        ("status", "print whether it answers, its version, modules and health as JSON"),
    ):
        p = es_sub.add_parser(action, help=text, description=text)
        p.set_defaults(func=_es)
        if action in ("start", "stop", "status"):
            p.add_argument("--secure", action="store_true",
                           help="a second, local node with x-pack security on (file-realm users, least-privilege roles)")
            p.add_argument("--port", type=int, default=9201, help="with --secure: its HTTP port (default 9201; transport +100)")
            p.add_argument("--prefix", help="with --secure: the index prefix its roles grant (default VOXINDEX_INDEX_PREFIX)")

    p = sub.add_parser("setup", help="create index templates, indices and aliases (idempotent)")
    p.set_defaults(func=_setup)

    p = sub.add_parser("reset", help="delete every index and template under the index prefix")
    p.add_argument("--yes", action="store_true", help="really delete")
    p.set_defaults(func=_reset)


def _es(args: argparse.Namespace) -> int:
    from . import esctl

    if getattr(args, "secure", False):
        return _es_secure(args)
    if args.es_command == "install":
        print(esctl.install())
    elif args.es_command == "start":
        esctl.start()
    elif args.es_command == "stop":
        esctl.stop()
    else:
        status = esctl.status()
        print(json.dumps(status, indent=2))
        return 0 if status["up"] else 1
    return 0


def _es_secure(args: argparse.Namespace) -> int:
    from . import es_secure

    node = es_secure.node_for(args.port)
    if args.es_command == "start":
        node = es_secure.start_secure(args.port, prefix=args.prefix)
        creds = es_secure.credentials(node)
        print(f"secured node up at {node.url} for prefix {creds['prefix']!r}; users and passwords in {node.credentials}")
        for role, user in creds["users"].items():
            print(f"  {role:18s} {user['username']}")
        print("run a process as one of them with VOXINDEX_ES_URL, VOXINDEX_ES_USERNAME and VOXINDEX_ES_PASSWORD")
    elif args.es_command == "stop":
        print("stopped" if es_secure.stop_secure(node) else "no secured node VoxIndex started on that port")
    else:
        up = node.credentials.exists() and es_secure.answers(node)
        print(json.dumps({"url": node.url, "up": up, "home": str(node.root)}, indent=2))
        return 0 if up else 1
    return 0


def _setup(args: argparse.Namespace) -> int:
    from .config import get_settings
    from .es import client, wait_until_up
    from .setup import setup_indices

    settings = get_settings()
    es = client(settings)
    wait_until_up(es, timeout=30)
    created = setup_indices(es, settings.indices)
    for kind, index in created.items():
        print(f"{settings.indices.alias(kind):32s} -> {index}")
    return 0


def _reset(args: argparse.Namespace) -> int:
    from .config import get_settings
    from .es import client
    from .setup import drop_indices

    settings = get_settings()
    if not args.yes:
        print(f"would delete every index matching {settings.indices.pattern()}; pass --yes")
        return 2
    drop_indices(client(settings), settings.indices)
    return 0
