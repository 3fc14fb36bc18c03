"""VoxIndex runs against an Elasticsearch node with x-pack security on: a second, secured node
(own port, config and data; the node on 9200 is never touched) is started, the indexer ingests,
the detectors evaluate and the API searches, each as its own least-privilege user, and the API
user is refused what it does not need (`people`, `deadletter`)."""
from __future__ import annotations

import socket
import time
import uuid
from dataclasses import replace
from pathlib import Path

import pytest

FIXTURES = Path(__file__).resolve().parent.parent / "fixtures"

pytestmark = pytest.mark.slow  # a second node takes 1-2 min to start here (README: Security)


def _free_port() -> int:
    """An http port whose transport port (+100) is free too, away from the node on 9200/9300."""
    for port in range(9201, 9290):
        free = True
        for p in (port, port + 100):
            with socket.socket() as sock:
                if sock.connect_ex(("127.0.0.1", p)) == 0:
                    free = False
        if free:
            return port
    raise RuntimeError("no free port pair in 9201-9389 for the secured node")


@pytest.fixture(scope="module")
def secured(base_settings, es):
    import shutil

    from voxindex.es import ping
    from voxindex.es_secure import node_for, start_secure, stop_secure

    port = _free_port()
    prefix = f"vxs-{uuid.uuid4().hex[:6]}"
    shutil.rmtree(node_for(port, base_settings).root, ignore_errors=True)  # a fresh node, not a leftover
    started = time.monotonic()
    node = start_secure(port, base_settings, prefix=prefix)  # raises with the node's log when it cannot start
    startup_s = time.monotonic() - started
    try:
        yield node, startup_s
    finally:
        stop_secure(node)
        shutil.rmtree(node.root, ignore_errors=True)
        assert ping(es), "the node on 9200 must keep running"


def _as(base_settings, node, role):
    from voxindex.es import client
    from voxindex.es_secure import user_settings

    settings = user_settings(node, role, base_settings)
    return settings, client(settings)


def test_ingest_detectors_and_search_run_as_least_privilege_users_on_a_secured_node(secured, base_settings, capsys):
    from elasticsearch import AuthenticationException, AuthorizationException

    from detectors.rules import load_rules
    from detectors.runner import run_once
    from indexer.ingest import ingest_dir
    from indexer.pipeline import Pipeline
    from search_api.app import ApiOptions, create_app
    from search_api.auth import KeyStore
    from voxindex.es import client
    from voxindex.setup import setup_indices

    node, startup_s = secured
    # security is really on: no credentials, no data
    with pytest.raises(AuthenticationException):
        client(replace(base_settings, es_url=node.url)).search(index="*")
    ix_settings, ix = _as(base_settings, node, "voxindex_indexer")
    setup_indices(ix, ix_settings.indices)
    summaries = ingest_dir(ix, ix_settings, FIXTURES / "sources", pipeline=Pipeline(), progress=False)
    assert all(s.status == "completed" for s in summaries.values()), summaries
    ix.indices.refresh(index=ix_settings.indices.pattern())
    assert ix.count(index=ix_settings.indices.feedback)["count"] > 0
    assert ix.count(index=ix_settings.indices.deadletter)["count"] > 0, "the fixtures hold malformed records"

    det_settings, det = _as(base_settings, node, "voxindex_detector")
    rules, _ = load_rules()
    result = run_once(det, det_settings, rules, notify=False)
    assert result.errors == [], result.errors

    api_settings, api = _as(base_settings, node, "voxindex_api")
    token = KeyStore(ix, ix_settings.indices).create("secured-analyst", "analyst")[0]
    app = create_app(api_settings, api, embed=lambda text: [0.0] * 384,
                     options=ApiOptions(rate_per_s=1000, burst=1000)).test_client()
    r = app.get("/v1/search?q=sync&mode=keyword", headers={"Authorization": f"Bearer {token}"})
    assert r.status_code == 200, r.json
    assert r.json["results"], "the ingested fixtures match 'sync'"
    api.indices.refresh(index=api_settings.indices.feedback)  # maintenance is granted
    with pytest.raises(AuthorizationException):
        api.search(index=api_settings.indices.people)
    with pytest.raises(AuthorizationException):
        api.search(index=api_settings.indices.deadletter)
    with pytest.raises(AuthorizationException):
        api.search(index=api_settings.indices.audit)  # it appends audit records, never reads them
    with pytest.raises(AuthorizationException):
        det.search(index=det_settings.indices.people)
    with capsys.disabled():
        print(f"\nsecured node on {node.url}: started in {startup_s:.0f}s (heap 512m)")


def test_the_api_role_cannot_read_people_or_dead_letters():
    """The role bodies themselves (pure): what the API user may read and append to."""
    from voxindex.es_secure import role_definitions

    roles = role_definitions("vx")
    readable = {n for p in roles["voxindex_api"]["indices"] if "read" in p["privileges"] for n in p["names"]}
    assert readable == {"vx-feedback*", "vx-accounts*", "vx-alerts*", "vx-watches*", "vx-apikeys*", "vx-state*"}
    appended = [p for p in roles["voxindex_api"]["indices"] if "vx-audit*" in p["names"]]
    assert appended and set(appended[0]["privileges"]) == {"create_doc", "index"}
    assert not any("vx-people*" in p["names"] for p in roles["voxindex_api"]["indices"])
    assert not any("vx-people*" in p["names"] or "vx-deadletter*" in p["names"] for p in roles["voxindex_detector"]["indices"])
