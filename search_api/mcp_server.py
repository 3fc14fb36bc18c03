"""`voxindex mcp`: a Model Context Protocol server over the search API, for AI assistants.

One code path: every tool is a request to the Flask app's own route, made in-process with the
configured API key (`VOXINDEX_MCP_API_KEY`), so authentication, scopes, roles, redaction,
validation and the audit record are exactly the HTTP API's. Tool input schemas are generated
from the same parameter declarations that validate the routes. The header
`X-VoxIndex-Client: mcp/<tool>` marks the audit record as an MCP tool call. The tools only
reshape (shorten) what the API returned; they never add a field the API did not send.
"""
from __future__ import annotations

import json
import logging
import sys
from dataclasses import dataclass, field
from typing import Any, Callable
from urllib.parse import quote

log = logging.getLogger("voxindex.mcp")
CLIENT_HEADER = "X-VoxIndex-Client"
SERVER_NAME = "voxindex"
INSTRUCTIONS = (
    "VoxIndex holds customer feedback (support tickets, app reviews, NPS/CSAT surveys, call transcripts, "
    "community posts, in-app chat) split into attributable units, each classified by theme, sub-theme, "
    "sentiment, severity and intent and joined to its account (segment, plan, region). Use search_feedback "
    "for examples and quotes (cite unit_id and the citation), list_themes for what customers talk about most, "
    "theme_trends for what changed, theme_impact for what drags NPS/CSAT down, account_summary for one "
    "customer, list_alerts for detected incidents. Revenue fields appear only when the key may see them."
)


def _compact_unit(u: dict) -> dict:
    """A search hit as an assistant needs it: the words, the labels, the account, the citation."""
    tax = u.get("taxonomy") or {}
    prov = u.get("provenance") or {}
    out = {
        "unit_id": u.get("unit_id"),
        "text": u.get("text"),
        "created_at": u.get("created_at"),
        "source": u.get("source"),
        "themes": tax.get("theme") or [],
        "sub_themes": tax.get("sub_theme") or [],
        "sentiment": (u.get("sentiment") or {}).get("label"),
        "severity": (u.get("severity") or {}).get("label"),
        "intent": (u.get("intent") or {}).get("label"),
        "account": u.get("account") or None,  # as the API redacted it for this key
        "citation": {
            "source": u.get("source"),
            "source_record_id": u.get("source_record_id"),
            "record_part": prov.get("record_part"),
            "raw_ref": prov.get("raw_ref"),
            "source_url": prov.get("source_url"),
            "unit": f"/v1/units/{u.get('unit_id')}",
        },
    }
    if u.get("rating") is not None:
        out["rating"] = u["rating"]
    if u.get("_highlight"):
        out["highlight"] = u["_highlight"]
    return out


def shape_search(body: dict) -> dict:
    total = body.get("total")
    return {"total": total.get("value") if isinstance(total, dict) else total, "mode": body.get("mode"),
            "results": [_compact_unit(u) for u in body.get("results") or []], "next_cursor": body.get("next")}


def shape_themes(body: dict) -> dict:
    themes = []
    for t in body.get("themes") or []:
        t = dict(t)
        trend = t.pop("trend", None) or {}
        t["slope_per_day"] = trend.get("slope_per_day")
        themes.append(t)
    return {"window": body.get("window"), "themes": themes}


def same(body: dict) -> dict:
    return body


@dataclass(frozen=True)
class ToolSpec:
    name: str
    description: str
    rule: str  # the API route this tool calls
    params: tuple[str, ...] | None = None  # the route's params exposed (None: all)
    fixed: dict = field(default_factory=dict)  # sent on every call
    shape: Callable[[dict], dict] = same
    title: str = ""


FILTERS = ("from", "to", "source", "channel", "theme", "sub_theme", "sentiment", "severity", "intent", "segment", "plan",
           "region", "account", "app_version")
TOOLS: tuple[ToolSpec, ...] = (
    ToolSpec(
        "search_feedback",
        "Search customer feedback units (hybrid keyword + semantic by default) with optional filters, and return "
        "the matching units with their text, labels, account and a citation to the raw record. Use it for "
        "examples, quotes and evidence ('what do enterprise customers say about SSO since 4.8?'). Filters take "
        "lists; from/to are ISO-8601 dates. Without q the filtered units are listed newest first. Page with cursor.",
        "/v1/search", ("q", "mode", *FILTERS, "dedupe", "sort", "size", "cursor"), {"facets": "false"}, shape_search,
        "Search customer feedback"),
    ToolSpec(
        "get_unit",
        "Fetch one feedback unit by unit_id with its full citation (source record id, part, raw reference, URL), "
        "the conversation context around it and the other units of the same record. Use after search_feedback "
        "to read or quote a unit in context.",
        "/v1/units/<unit_id>", title="Get one feedback unit"),
    ToolSpec(
        "list_themes",
        "Rank taxonomy themes by how much customers talk about them in a window (default the last 30 days up to "
        "the newest feedback): per theme the unit count, distinct accounts, sentiment mix, sub-themes, daily "
        "slope, and ARR affected when the key may see revenue. Use for 'what do <segment> customers complain "
        "about most this month' (e.g. segment=['enterprise'], sentiment=['negative']).",
        "/v1/themes", shape=shape_themes, title="Top themes"),
    ToolSpec(
        "theme_trends",
        "What changed: risers and fallers by sub_theme (or theme), this window against the previous one of the "
        "same length, with a Poisson z-test and p-value per row. window is like '7d' or '30d'.",
        "/v1/trends", title="What changed (risers and fallers)"),
    ToolSpec(
        "theme_impact",
        "How much each theme or sub-theme moves a score: for NPS (metric=nps), CSAT (csat) or app-store stars "
        "(stars), the score with and without the responses that mention it, the impact (difference, negative = "
        "drags the score down) with a 95% interval, the count, net sentiment (% positive - % negative), and the "
        "change against the previous window. Rows come most negative impact first; each links to its units. "
        "Filter by segment/plan/region to ask 'what drags enterprise NPS down'.",
        "/v1/impact", title="Theme impact on NPS/CSAT"),
    ToolSpec(
        "account_summary",
        "One customer account's feedback: unit count, sentiment/severity/intent mix, top themes and sub-themes, "
        "recent units, and a transparent 0-100 risk score with its parts. account_id is the CRM account id "
        "(e.g. from a search result's account.account_id).",
        "/v1/accounts/<account_id>", title="Account summary"),
    ToolSpec(
        "list_alerts",
        "Detector alerts (spikes, slow trends, flatlines, risky accounts, score-impact regressions) with state, "
        "owner, why they fired, impact and evidence unit ids. Filter by state (open, acknowledged, assigned, "
        "resolved) and owner.",
        "/v1/alerts", title="Alerts"),
)


def _endpoints() -> dict[str, Any]:
    from .routes import build_registry

    return {ep.rule: ep for ep in build_registry().endpoints}


def input_schema(spec: ToolSpec, endpoints: dict[str, Any]) -> dict:
    """JSON schema from the route's own Param declarations (what the route validates)."""
    ep = endpoints[spec.rule]
    props: dict[str, Any] = {}
    required: list[str] = []
    for p in ep.path_params:
        props[p.name] = {**p.schema(), "description": p.description}
        required.append(p.name)
    for p in ep.params:
        if spec.params is not None and p.name not in spec.params:
            continue
        if p.name in spec.fixed:
            continue
        props[p.name] = {**p.schema(), "description": p.description}
        if p.required:
            required.append(p.name)
    schema: dict[str, Any] = {"type": "object", "properties": props, "additionalProperties": False}
    if required:
        schema["required"] = required
    return schema


def _query_value(value: Any) -> Any:
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, list):
        return [_query_value(v) for v in value]
    return str(value)


@dataclass
class ToolResult:
    ok: bool
    status: int
    body: dict


class ApiBridge:
    """Calls the API's routes in-process with one API key. No permission logic of its own."""

    def __init__(self, app, api_key: str):
        self.client = app.test_client()
        self.api_key = api_key
        self.endpoints = _endpoints()
        self.specs = {s.name: s for s in TOOLS}

    def schemas(self) -> dict[str, dict]:
        return {s.name: input_schema(s, self.endpoints) for s in TOOLS}

    def call(self, name: str, arguments: dict | None) -> ToolResult:
        spec = self.specs.get(name)
        if spec is None:
            return ToolResult(False, 404, {"error": {"message": f"unknown tool {name!r}"}})
        args = dict(arguments or {})
        ep = self.endpoints[spec.rule]
        path = spec.rule
        for p in ep.path_params:
            value = args.pop(p.name, None)
            if not isinstance(value, str) or not value:
                return ToolResult(False, 400, {"error": {"message": f"{p.name}: required"}})
            path = path.replace(f"<{p.name}>", quote(value, safe=""))
        allowed = set(input_schema(spec, self.endpoints)["properties"])
        unknown = sorted(set(args) - allowed)
        if unknown:
            return ToolResult(False, 400, {"error": {"message": f"unknown argument(s): {', '.join(unknown)}",
                                                     "allowed": sorted(allowed)}})
        query = {k: _query_value(v) for k, v in args.items() if v is not None}
        query.update(spec.fixed)
        resp = self.client.get(path, query_string=query, headers={
            "Authorization": f"Bearer {self.api_key}", CLIENT_HEADER: f"mcp/{name}"})
        body = resp.get_json(silent=True)
        if not isinstance(body, dict):
            body = {"error": {"message": f"unexpected answer ({resp.status_code})"}}
        if resp.status_code != 200:
            return ToolResult(False, resp.status_code, body)
        return ToolResult(True, 200, spec.shape(body))


def build_server(bridge: ApiBridge):
    import anyio
    import mcp_types as types
    from mcp.server import Server

    schemas = bridge.schemas()
    tools = [types.Tool(name=s.name, title=s.title or None, description=s.description, input_schema=schemas[s.name],
                        annotations=types.ToolAnnotations(read_only_hint=True, destructive_hint=False,
                                                          idempotent_hint=True, open_world_hint=False))
             for s in TOOLS]

    async def list_tools(ctx, params) -> types.ListToolsResult:
        return types.ListToolsResult(tools=tools)

    async def call_tool(ctx, params) -> types.CallToolResult:
        result = await anyio.to_thread.run_sync(bridge.call, params.name, params.arguments)
        text = json.dumps(result.body, ensure_ascii=False, default=str)
        return types.CallToolResult(content=[types.TextContent(type="text", text=text)],
                                    structured_content=result.body, is_error=not result.ok)

    from voxindex import __version__ as version

    return Server(SERVER_NAME, version=version, instructions=INSTRUCTIONS, on_list_tools=list_tools,
                  on_call_tool=call_tool)


def make_bridge(settings=None) -> ApiBridge:
    from voxindex.config import get_settings

    from .app import create_app

    settings = settings or get_settings()
    if not settings.mcp_api_key:
        raise SystemExit("voxindex mcp: set VOXINDEX_MCP_API_KEY to an API key "
                         "(`voxindex api-keys create --name claude-desktop --role viewer`); every tool call uses it")
    return ApiBridge(create_app(settings), settings.mcp_api_key)


def run_stdio(settings=None) -> None:
    import anyio
    from mcp.server.stdio import stdio_server

    server = build_server(make_bridge(settings))

    async def main() -> None:
        async with stdio_server() as (read, write):
            await server.run(read, write, server.create_initialization_options())

    anyio.run(main)


def run_http(host: str, port: int, settings=None) -> None:
    import uvicorn

    server = build_server(make_bridge(settings))
    app = server.streamable_http_app(host=host)
    print(f"voxindex mcp: streamable HTTP on http://{host}:{port}/mcp", file=sys.stderr)
    uvicorn.run(app, host=host, port=port, log_level="warning")


if __name__ == "__main__":  # the same as `voxindex mcp` (logging set up by the command line)
    from voxindex.cli import main

    sys.exit(main(["mcp"]))
