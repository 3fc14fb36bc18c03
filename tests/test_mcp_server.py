"""`voxindex mcp` driven by the MCP SDK's own client over stdio: the tools are listed with their
input schemas, a search answers with citations, a viewer key never receives revenue, and every
tool call is an audited API request marked client=mcp/<tool>."""
from __future__ import annotations

import json
import os
import sys
import uuid
from dataclasses import replace
from datetime import datetime, timedelta, timezone

import anyio
import mcp  # noqa: F401  (a dependency in setup.cfg: missing, these tests fail instead of skipping)
import pytest
from elasticsearch.helpers import bulk

from search_api.auth import KeyStore
from voxindex.model import AccountContext, FeedbackUnit, Provenance, Scored, TaxonomyLabels, stable_id
from voxindex.setup import drop_indices, setup_indices

REPO = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
END = datetime(2026, 11, 20, tzinfo=timezone.utc)
TEXTS = [
    ("enterprise", "access", "login-sso", "negative", "SSO login with Okta fails every morning for our whole team"),
    ("enterprise", "reliability", "sync-failure", "negative", "Sync stopped working after the update, files are missing"),
    ("enterprise", "access", "login-sso", "negative", "Single sign-on keeps kicking us out since version 4.8"),
    ("smb", "billing", "pricing", "negative", "The price went up again and we are a tiny team"),
    ("smb", "praise", "praise", "positive", "Love the new dashboard, great work"),
]


def unit(i, segment, theme, sub, sentiment, text):
    rid = f"40{i:03d}"
    return FeedbackUnit(
        unit_id=stable_id("zendesk", rid, "c1", 0), source_record_id=rid, source="zendesk", channel="ticket",
        connector="zendesk", text=text, created_at=END - timedelta(days=i + 1), person_id=f"p_{i}",
        account_id=f"acc_{segment}", provenance=Provenance(raw_ref=f"tickets.jsonl#L{i + 1}", record_part="c1"),
        account=AccountContext(account_id=f"acc_{segment}", name=f"{segment.title()} Co", segment=segment,
                               arr=250000.0 if segment == "enterprise" else 9000.0, rollup_arr=300000.0, plan="pro", region="EU"),
        taxonomy=TaxonomyLabels(theme=[theme], sub_theme=[sub], primary_theme=theme, primary_sub_theme=sub),
        sentiment=Scored(sentiment, 0.9), intent=Scored("complaint", 0.8), severity=Scored("medium", 0.7),
    )


@pytest.fixture(scope="module")
def corpus(es, base_settings):
    settings = replace(base_settings, index_prefix=f"vxt-mcp-{uuid.uuid4().hex[:6]}")
    setup_indices(es, settings.indices)
    bulk(es, ({"_index": settings.indices.feedback_write, "_id": u.unit_id, "_source": u.to_doc()}
              for u in (unit(i, *t) for i, t in enumerate(TEXTS))))
    es.indices.refresh(index=settings.indices.feedback)
    keys = KeyStore(es, settings.indices)
    tokens = {"viewer": keys.create("mcp-viewer", "viewer")[0], "analyst": keys.create("mcp-analyst", "analyst")[0]}
    yield settings, tokens
    drop_indices(es, settings.indices)


def session(settings, token, calls):
    """Spawn `python -m search_api.mcp_server` and run `calls(client)` against it."""
    from mcp import Client
    from mcp.client.stdio import StdioServerParameters

    env = {**os.environ, "PYTHONPATH": REPO, "VOXINDEX_INDEX_PREFIX": settings.index_prefix,
           "VOXINDEX_MCP_API_KEY": token, "VOXINDEX_TORCH_THREADS": "1", "OMP_NUM_THREADS": "1"}
    params = StdioServerParameters(command=sys.executable, args=["-m", "search_api.mcp_server"], env=env, cwd=REPO)

    async def main():
        async with Client(params) as client:
            return await calls(client)

    return anyio.run(main)


def keys_in(obj):
    if isinstance(obj, dict):
        for k, v in obj.items():
            yield k
            yield from keys_in(v)
    elif isinstance(obj, list):
        for v in obj:
            yield from keys_in(v)


def payload(result):
    assert result.content and result.content[0].type == "text"
    return json.loads(result.content[0].text)


def test_viewer_session_lists_tools_searches_with_citations_and_never_sees_revenue(corpus, es):
    settings, tokens = corpus

    async def calls(client):
        listed = await client.list_tools()
        search = await client.call_tool("search_feedback", {"q": "sso login sign-on", "mode": "keyword", "segment": ["enterprise"]})
        themes = await client.call_tool("list_themes", {"segment": ["enterprise"], "sentiment": ["negative"],
                                                        "to": "2026-11-20T00:00:00Z"})
        account = await client.call_tool("account_summary", {"account_id": "acc_enterprise"})
        unit_id = payload(search)["results"][0]["unit_id"]
        one = await client.call_tool("get_unit", {"unit_id": unit_id})
        bad = await client.call_tool("search_feedback", {"segment": ["galactic"]})
        return listed, search, themes, account, one, bad

    listed, search, themes, account, one, bad = session(settings, tokens["viewer"], calls)
    tools = {t.name: t for t in listed.tools}
    assert {"search_feedback", "get_unit", "list_themes", "theme_trends", "theme_impact", "account_summary",
            "list_alerts"} <= set(tools)
    schema = tools["search_feedback"].input_schema
    assert schema["type"] == "object" and schema["additionalProperties"] is False
    assert "enterprise" in schema["properties"]["segment"]["items"]["enum"]
    assert tools["get_unit"].input_schema["required"] == ["unit_id"]
    assert all(len(t.description) > 80 for t in listed.tools)

    hits = payload(search)["results"]
    assert not search.is_error and len(hits) == 2
    assert all(h["citation"]["source_record_id"] and h["citation"]["raw_ref"].startswith("tickets.jsonl#L") for h in hits)
    assert all(h["account"]["segment"] == "enterprise" for h in hits)
    assert payload(themes)["themes"][0]["theme"] == "access"
    assert payload(one)["citation"]["source_record_id"] == hits[0]["citation"]["source_record_id"]
    for result in (search, themes, account, one):
        assert not any("arr" in k.split("_") or k == "renewal_date" or k == "person_id" for k in keys_in(payload(result)))
    assert bad.is_error and "galactic" in bad.content[0].text

    es.indices.refresh(index=settings.indices.alias("audit"))
    docs = [h["_source"] for h in es.search(index=settings.indices.alias("audit"), size=50,
                                            query={"term": {"key_name": "mcp-viewer"}})["hits"]["hits"]]
    notes = sorted(d["detail"].split("client=")[-1] for d in docs)
    assert notes == ["mcp/account_summary", "mcp/get_unit", "mcp/list_themes", "mcp/search_feedback", "mcp/search_feedback"]
    assert {d["path"] for d in docs} >= {"/v1/search", "/v1/themes", "/v1/accounts/acc_enterprise"}


def test_the_same_tools_with_an_analyst_key_do_carry_revenue(corpus):
    settings, tokens = corpus

    async def calls(client):
        return await client.call_tool("search_feedback", {"q": "sync", "mode": "keyword"})

    hits = payload(session(settings, tokens["analyst"], calls))["results"]
    assert hits and hits[0]["account"]["arr"] == 250000.0


@pytest.mark.slow  # a uvicorn server process: ~1 min on a loaded machine
def test_streamable_http_transport_serves_the_same_tools(corpus):
    import socket
    import subprocess
    import time

    from mcp import Client

    settings, tokens = corpus
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        port = s.getsockname()[1]
    env = {**os.environ, "PYTHONPATH": REPO, "VOXINDEX_INDEX_PREFIX": settings.index_prefix,
           "VOXINDEX_MCP_API_KEY": tokens["viewer"]}
    proc = subprocess.Popen([sys.executable, "-m", "voxindex.cli", "mcp", "--http", "--port", str(port)], env=env, cwd=REPO,
                            stdout=subprocess.DEVNULL, stderr=subprocess.PIPE)
    try:
        deadline = time.monotonic() + 90
        while time.monotonic() < deadline:
            assert proc.poll() is None, proc.stderr.read().decode()
            try:
                socket.create_connection(("127.0.0.1", port), timeout=1).close()
                break
            except OSError:
                time.sleep(0.5)

        async def main():
            async with Client(f"http://127.0.0.1:{port}/mcp") as client:
                tools = await client.list_tools()
                found = await client.call_tool("search_feedback", {"q": "price", "mode": "keyword"})
                return tools, found

        tools, found = anyio.run(main)
        assert len(tools.tools) == 7
        hits = payload(found)["results"]
        assert hits and hits[0]["citation"]["source_record_id"] and "arr" not in hits[0]["account"]
    finally:
        proc.terminate()
        proc.wait(timeout=20)
