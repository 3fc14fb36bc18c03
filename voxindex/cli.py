"""`voxindex` command line. Each area owns its commands in its own module, listed once in
COMMAND_MODULES; logging is set up here, once, for every command. Heavy imports stay inside the
command functions so `voxindex --help` is instant."""
from __future__ import annotations

import argparse
import logging
import sys

from .subcommands import explain, register_modules

# Each module exposes register(subparsers). Order is the order of `voxindex --help`.
COMMAND_MODULES = (
    "voxindex.commands",  # es, setup, reset
    "voxindex.demo",  # demo
    "indexer.demo.cli",  # demo-data
    "indexer.cli",  # ingest, init, deadletters, cursors
    "indexer.evals.cli",  # eval
    "voxindex.bench",  # bench: the group every area adds its benchmark to (BENCH_MODULES there)
    "indexer.enrich.cli",  # taxonomy
    "indexer.models.cli",  # train
    "indexer.identity.cli",  # identity, erase
    "detectors.cli",  # detectors (validate-fixes included), watches
    "search_api.cli",  # serve, api-keys, eval-search
    "search_api.mcp_cli",  # mcp
    "dashboards.cli",  # kibana, report
)

LOG_FORMAT = "%(asctime)s %(levelname)s %(name)s: %(message)s"
LOG_LEVELS = ("DEBUG", "INFO", "WARNING", "ERROR")
# a command that reports through its log (the detector scheduler logs every alert) says so with
# p.set_defaults(log_level_default="INFO"); all others are quiet unless something is wrong
DEFAULT_LOG_LEVEL = "WARNING"

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
    parser.add_argument("--log-level", type=str.upper, choices=LOG_LEVELS, default=None,
                        help="log level for this run (default VOXINDEX_LOG_LEVEL, else WARNING; INFO for `detectors run`)")
    sub = parser.add_subparsers(dest="command", metavar="COMMAND")
    register_modules(sub, COMMAND_MODULES)
    explain(parser)
    return parser


class _Stderr(logging.StreamHandler):
    """Writes to the sys.stderr of the moment, so a caller that swaps it (tests) gets the lines."""

    def __init__(self) -> None:
        super().__init__()
        self.setFormatter(logging.Formatter(LOG_FORMAT))

    @property
    def stream(self):  # type: ignore[override]
        return sys.stderr

    @stream.setter
    def stream(self, value) -> None:
        pass


def setup_logging(level_name: str) -> None:
    """One format, on stderr, at one level for the whole run."""
    level = logging.getLevelName(level_name.upper())
    if not isinstance(level, int):
        raise ValueError(f"VOXINDEX_LOG_LEVEL={level_name!r}: one of {', '.join(LOG_LEVELS)}")
    root = logging.getLogger()
    if not any(isinstance(h, _Stderr) for h in root.handlers):
        root.addHandler(_Stderr())
    root.setLevel(level)
    # Elasticsearch's client logs every request at INFO and every retry at WARNING; our own retry
    # loops report outages, so its lines show only when debugging
    logging.getLogger("elastic_transport").setLevel(level if level <= logging.DEBUG else logging.ERROR)


_depth = 0  # commands the demo runs in-process share the logging of the command line that started them


def main(argv: list[str] | None = None) -> int:
    global _depth
    from .config import read_setting

    parser = build_parser()
    args = parser.parse_args(argv)
    if not getattr(args, "func", None):
        parser.print_help()
        return 2
    _depth += 1
    try:
        if _depth == 1:
            setup_logging(args.log_level or read_setting("log_level") or getattr(args, "log_level_default", DEFAULT_LOG_LEVEL))
        result = args.func(args)
    except KeyboardInterrupt:
        print("interrupted", file=sys.stderr)
        return 130
    except Exception as exc:  # a clear one-line error; VOXINDEX_DEBUG=1 shows the traceback
        if read_setting("debug"):
            raise
        print(f"error: {exc}", file=sys.stderr)
        return 1
    finally:
        _depth -= 1
    return int(result or 0)


if __name__ == "__main__":
    sys.exit(main())
