"""`POST /v1/ingest` does not build a pipeline per request: the model stages are built once per
app (by the first request, once even when two arrive together) and shared; the stages that read
the people and accounts indices are read per request, so an erasure or a new account counts at once."""
from __future__ import annotations

import json
import threading
import time
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

import search_api.app as app_module
from indexer.pipeline import FunctionStage
from search_api.app import create_app
from search_api.auth import KeyStore

SOURCES = Path(__file__).resolve().parent / "fixtures" / "sources"


def test_api_ingest_builds_its_model_stages_once_per_app_and_its_index_views_per_request(es, settings, monkeypatch):
    built = {"models": 0, "state": 0}
    lock = threading.Lock()
    model_stage = FunctionStage("models", lambda units: units)

    def models(settings_, es_):
        with lock:
            built["models"] += 1
        time.sleep(0.2)  # a slow first build: concurrent first requests must wait for it, not repeat it
        return [model_stage]

    def state(settings_, es_):
        with lock:
            built["state"] += 1
        return [FunctionStage("state", lambda units: units)]

    monkeypatch.setattr(app_module, "model_stages", models)
    monkeypatch.setattr(app_module, "state_stages", state)
    app = create_app(settings, es)
    services = app.extensions["voxindex"]
    with ThreadPoolExecutor(4) as pool:
        pipelines = list(pool.map(lambda _: services.ingest_pipeline(), range(4)))
    assert built == {"models": 1, "state": 4}
    assert all(p.names() == ["state", "models"] and p.stages[1] is model_stage for p in pipelines)

    token = KeyStore(es, settings.indices).create("t-ingest", "admin")[0]
    record = json.loads((SOURCES / "tickets.jsonl").read_text().splitlines()[0])
    client = app.test_client()
    for _ in range(2):
        r = client.post("/v1/ingest", json={"connector": "zendesk", "records": [record]},
                        headers={"Authorization": f"Bearer {token}"})
        assert r.status_code == 200, r.json
    assert built == {"models": 1, "state": 6}
