"""`voxindex` command line. Each area registers its own subcommands; heavy imports stay
inside the command functions so `voxindex --help` is instant."""
from __future__ import annotations

import argparse
import importlib
import sys

# Each module exposes register(subparsers). Order is the order of `voxindex --help`.
COMMAND_MODULES = (
    "voxindex.commands",
    "voxindex.demo",
    "indexer.demo.cli",
    "indexer.cli",
    "indexer.evals.cli",
    "indexer.models.cli",
    "indexer.identity.cli",
    "detectors.cli",
    "search_api.cli",
    "search_api.mcp_cli",
    "dashboards.cli",
)

DESCRIPTION = """\
VoxIndex turns support tickets, reviews, surveys, call transcripts and community posts into
structured, searchable feedback units in Elasticsearch, then detects spikes and serves search.

Typical flow:
  voxindex es start                      install (first time) and start the local Elasticsearch
  voxindex setup                         create index templates, indices and aliases
  voxindex demo-data --out demo-data     write a realistic multi-source demo dataset
  voxindex ingest demo-data              pull every source into the index (incremental, idempotent)
  voxindex detectors run --once          run every detector rule now
  voxindex serve                         the search API on 127.0.0.1:8000

Configuration comes from VOXINDEX_* environment variables and, when present, voxindex.yaml
(`voxindex init` writes a starter; see README and docs/bring-your-own-data.md)."""


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(
        prog="voxindex", description=DESCRIPTION, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    from . import __version__

    parser.add_argument("--version", action="version", version=f"voxindex {__version__}")
    sub = parser.add_subparsers(dest="command", metavar="COMMAND")
    for name in COMMAND_MODULES:
        try:
            module = importlib.import_module(name)
        except ModuleNotFoundError as exc:
            if exc.name and name.startswith(exc.name):
                continue  # that area is not built yet
            raise
        module.register(sub)
    return parser


def main(argv: list[str] | None = None) -> int:
    parser = build_parser()
    args = parser.parse_args(argv)
    if not getattr(args, "func", None):
        parser.print_help()
        return 2
    try:
        result = args.func(args)
    except KeyboardInterrupt:
        print("interrupted", file=sys.stderr)
        return 130
    except Exception as exc:  # a clear one-line error; VOXINDEX_DEBUG=1 shows the traceback
        from .config import read_setting

        if read_setting("debug"):
            raise
        print(f"error: {exc}", file=sys.stderr)
        return 1
    return int(result or 0)


if __name__ == "__main__":
    sys.exit(main())
