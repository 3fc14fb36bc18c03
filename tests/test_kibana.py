"""Kibana saved objects: valid, self-consistent, mapped to real fields, and their queries return
data on a real Elasticsearch; `voxindex kibana import` speaks the import API over real HTTP."""
from __future__ import annotations

import json
import threading
from collections import Counter
from email.parser import BytesParser
from email.policy import HTTP
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path

import pytest
from dashdata import run_cli as main

from dashboards import kibana, kibana_objects
from dashboards.kibana_objects import DATA_VIEWS, FILES, KIBANA_DIR

REPO = Path(__file__).resolve().parent.parent
LENS_TO_ES = {"terms": "terms", "date_histogram": "date_histogram", "sum": "sum", "unique_count": "cardinality",
              "average": "avg", "count": None}
BUCKET_AGGS = {"terms", "date_histogram", "histogram", "filters", "range", "composite"}


def _objects():
    return kibana.load_objects()


def _mapping_fields(kind: str) -> set[str]:
    return kibana.mapping_fields(json.loads((REPO / "mappings" / f"{kind}.json").read_text())["mappings"])


def _walk_aggs(aggs: dict) -> list[tuple[str, str | None]]:
    out = []
    for body in aggs.values():
        agg_type = next(k for k in body if k not in ("aggs", "aggregations", "meta"))
        out.append((agg_type, body[agg_type].get("field")))
        out.extend(_walk_aggs(body.get("aggs", {})))
    return out


def test_every_line_is_a_saved_object_with_type_id_and_attributes():
    for name in FILES:
        lines = [line for line in (KIBANA_DIR / name).read_text().splitlines() if line.strip()]
        assert lines, f"{name} is empty"
        for line in lines:
            obj = json.loads(line)
            assert obj["type"] and obj["id"] and isinstance(obj["attributes"], dict), line[:120]
    ids = [(o["type"], o["id"]) for o in _objects()]
    assert len(ids) == len(set(ids)), "duplicate saved object ids"


def test_shipped_files_are_what_the_builder_produces():
    built = kibana_objects.build_all()
    for name, objects in built.items():
        assert (KIBANA_DIR / name).read_text() == "".join(json.dumps(o, sort_keys=True) + "\n" for o in objects), (
            f"{name} is stale: run `voxindex kibana build`")
    assert json.loads((KIBANA_DIR / "queries.json").read_text()) == kibana_objects.sidecar()


def test_data_views_the_readme_promises():
    views = {o["attributes"]["title"]: o for o in _objects() if o["type"] == "index-pattern"}
    assert views["voxindex-feedback"]["attributes"]["timeFieldName"] == "created_at"
    assert "voxindex-alerts" in views


def test_three_dashboards_with_resolving_references():
    objects = _objects()
    known = {(o["type"], o["id"]) for o in objects}
    dashboards = {o["attributes"]["title"]: o for o in objects if o["type"] == "dashboard"}
    assert set(dashboards) == {"Support lead overview", "Theme drill-down", "Release health"}
    for obj in objects:
        for ref in obj["references"]:
            assert (ref["type"], ref["id"]) in known, f"{obj['id']} references missing {ref}"
    for dash in dashboards.values():
        panels = json.loads(dash["attributes"]["panelsJSON"])
        ref_names = {r["name"] for r in dash["references"]}
        assert panels and all(p["panelRefName"] in ref_names for p in panels)


def test_every_field_used_exists_in_the_mappings():
    objects = _objects()
    dv_kind = {dv_id: dv["kind"] for dv_id, dv in DATA_VIEWS.items()}
    for obj in objects:
        if obj["type"] == "index-pattern":
            kind = dv_kind[obj["id"]]
        elif obj["type"] == "lens":
            kind = dv_kind[obj["references"][0]["id"]]
        else:
            continue
        missing = kibana.fields_used(obj) - _mapping_fields(kind)
        assert not missing, f"{obj['id']} uses fields not in mappings/{kind}.json: {missing}"


def test_sidecar_query_matches_each_lens_visualization():
    sidecar = json.loads((KIBANA_DIR / "queries.json").read_text())
    lenses = [o for o in _objects() if o["type"] == "lens"]
    assert set(sidecar) == {o["id"] for o in lenses}
    for lens in lenses:
        entry = sidecar[lens["id"]]
        assert entry["data_view"] == lens["references"][0]["id"]
        columns = kibana.lens_columns(lens)
        expected = Counter((LENS_TO_ES[c["operationType"]], c.get("sourceField")) for c in columns
                           if LENS_TO_ES[c["operationType"]])
        got = _walk_aggs(entry["request"]["aggs"])
        assert Counter(got) == expected, lens["id"]
        # the bucket nesting follows Lens' column order
        buckets = [(LENS_TO_ES[c["operationType"]], c["sourceField"]) for c in columns if c["isBucketed"]]
        assert [g for g in got if g[0] in BUCKET_AGGS] == buckets
        if any(c["operationType"] == "count" for c in columns):
            assert buckets, "a count needs a bucket to report doc_count"
        # a KQL filter in Lens has an equivalent query in the sidecar, on the same fields
        kql = lens["attributes"]["state"]["query"]["query"]
        if kql:
            assert kibana.kql_fields(kql) <= set(json.dumps(entry["request"]["query"]).replace('"', " ").split())


def _first_buckets(result: dict) -> list:
    aggs = result["aggregations"]
    first = next(iter(aggs.values()))
    return first["buckets"]


def test_each_visualization_query_returns_buckets_on_demo_like_data(es, settings):
    from dashdata import load_demo

    load_demo(es, settings)
    sidecar = json.loads((KIBANA_DIR / "queries.json").read_text())
    for vis_id, entry in sidecar.items():
        index = settings.indices.alias(entry["index_kind"])
        result = es.search(index=index, body=entry["request"])
        buckets = _first_buckets(result)
        assert buckets and sum(b["doc_count"] for b in buckets) > 0, f"{vis_id} returned no data"


class _FakeKibana(BaseHTTPRequestHandler):
    seen: list[dict] = []

    def do_POST(self):  # noqa: N802 - http.server's naming
        body = self.rfile.read(int(self.headers["Content-Length"]))
        ctype = self.headers.get("Content-Type", "")
        record = {"path": self.path, "headers": dict(self.headers), "ok": True, "count": 0}
        if self.headers.get("kbn-xsrf") is None or not ctype.startswith("multipart/form-data"):
            record["ok"] = False
        else:
            msg = BytesParser(policy=HTTP).parsebytes(f"Content-Type: {ctype}\r\n\r\n".encode() + body)
            parts = [p for p in msg.iter_parts() if p.get_param("name", header="content-disposition") == "file"]
            if len(parts) != 1 or not parts[0].get_filename("").endswith(".ndjson"):
                record["ok"] = False
            else:
                lines = [json.loads(line) for line in parts[0].get_payload(decode=True).decode().splitlines() if line]
                record["count"] = len(lines)
                record["types"] = [o["type"] for o in lines]
        type(self).seen.append(record)
        status = 200 if record["ok"] and "overwrite=true" in self.path else 400
        payload = json.dumps({"success": status == 200, "successCount": record["count"], "errors": []}).encode()
        self.send_response(status)
        self.send_header("Content-Type", "application/json")
        self.send_header("Content-Length", str(len(payload)))
        self.end_headers()
        self.wfile.write(payload)

    def log_message(self, *args):
        pass


@pytest.fixture
def fake_kibana():
    _FakeKibana.seen = []
    server = ThreadingHTTPServer(("127.0.0.1", 0), _FakeKibana)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    yield f"http://127.0.0.1:{server.server_address[1]}", _FakeKibana.seen
    server.shutdown()
    server.server_close()


def test_kibana_import_posts_multipart_ndjson_with_xsrf_and_overwrite(fake_kibana, capsys):
    url, seen = fake_kibana
    rc = main(["kibana", "import", "--url", url, "--api-key", "abc123", "--space", "voc"])
    assert rc == 0, capsys.readouterr()
    assert len(seen) == 1
    req = seen[0]
    assert req["ok"]
    assert req["path"].startswith("/s/voc/api/saved_objects/_import?") and "overwrite=true" in req["path"]
    assert req["headers"]["Authorization"] == "ApiKey abc123"
    assert req["count"] == len(_objects())
    assert req["types"].index("index-pattern") < req["types"].index("lens") < req["types"].index("dashboard")
    assert "imported" in capsys.readouterr().out
