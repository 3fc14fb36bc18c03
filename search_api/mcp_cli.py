"""`voxindex mcp`: registered apart from `search_api.cli` so the MCP SDK loads only when used."""
from __future__ import annotations

import argparse

HELP = """\
Serve the search API to AI assistants over the Model Context Protocol (stdio by default).
Every tool call is an API request made with VOXINDEX_MCP_API_KEY: that key's role and scopes
apply (a viewer key never sees revenue), and each call is audited with client=mcp/<tool>."""


def register(sub: argparse._SubParsersAction) -> None:
    p = sub.add_parser("mcp", help="MCP server for AI assistants (stdio; --http for streamable HTTP)", description=HELP,
                       formatter_class=argparse.RawDescriptionHelpFormatter)
    p.add_argument("--http", action="store_true", help="serve streamable HTTP on --host:--port/mcp instead of stdio")
    p.add_argument("--host", default="127.0.0.1", help="HTTP bind address (default 127.0.0.1)")
    p.add_argument("--port", type=int, default=8765, help="HTTP port (default 8765)")
    p.set_defaults(func=_run)


def _run(args: argparse.Namespace) -> int:
    from .mcp_server import run_http, run_stdio

    if args.http:
        run_http(args.host, args.port)
    else:
        run_stdio()
    return 0
