"""Kibana saved objects checked against something other than the generator that wrote them.

Each Lens visualization is read the way Kibana reads it (its columns, their order and sizes, its
KQL), its answer is computed here in plain Python from the indexed documents, and that answer must
be what the shipped query (`kibana/queries.json`) returns on the real node. The feedback panels
count customer feedback, as the API and reports do, so agent replies indexed next to it must not
move them. The ndjson files are checked against the shape Kibana's saved-objects import accepts."""
from __future__ import annotations

import json
import re
from collections import defaultdict
from dataclasses import replace
from datetime import datetime, timezone
from typing import Any, Callable

import pytest
from dashdata import index_units, load_demo

from dashboards.kibana_objects import FILES, KIBANA_DIR

ID = re.compile(r"^[A-Za-z0-9_-]+$")
LENS_TYPES = {"lnsXY", "lnsDatatable", "lnsPie", "lnsMetric"}
GRID_COLUMNS = 48  # a Kibana dashboard is 48 grid units wide


def _saved_objects() -> list[dict]:
    return [json.loads(line) for name in FILES for line in (KIBANA_DIR / name).read_text().splitlines()]


def _lenses() -> list[dict]:
    return [o for o in _saved_objects() if o["type"] == "lens"]


# ------------------------------------------------------------------ Kibana's import format
def test_ndjson_files_are_in_the_saved_objects_import_format():
    for name in FILES:
        text = (KIBANA_DIR / name).read_text()
        assert text.endswith("\n") and "\n\n" not in text, f"{name}: one object per line, no blank lines"
    known = {(o["type"], o["id"]) for o in _saved_objects()}
    for obj in _saved_objects():
        where = f"{obj.get('type')}/{obj.get('id')}"
        assert {"type", "id", "attributes", "references"} <= set(obj), where
        assert obj["type"] in {"index-pattern", "lens", "dashboard"} and ID.match(obj["id"]), where
        assert re.match(r"^\d+\.\d+\.\d+$", obj.get("coreMigrationVersion", "")), where
        for ref in obj["references"]:
            assert set(ref) == {"id", "name", "type"} and all(isinstance(v, str) and v for v in ref.values()), where
            assert (ref["type"], ref["id"]) in known, f"{where} references {ref}, which is not shipped"


def test_each_lens_is_a_well_formed_form_based_visualization():
    for lens in _lenses():
        attrs, where = lens["attributes"], lens["id"]
        assert attrs["visualizationType"] in LENS_TYPES and attrs["title"], where
        layers = attrs["state"]["datasourceStates"]["formBased"]["layers"]
        refs = {r["name"]: r for r in lens["references"]}
        for layer_id, layer in layers.items():
            # Lens finds a layer's data view by this reference name; without it the panel is blank
            ref = refs.get(f"indexpattern-datasource-layer-{layer_id}")
            assert ref and ref["type"] == "index-pattern", where
            assert sorted(layer["columnOrder"]) == sorted(layer["columns"]), where
        vis = attrs["state"]["visualization"]
        shown = set(re.findall(r'"(?:accessors|xAccessor|splitAccessor|columnId)": (?:\["|")(\w+)', json.dumps(vis)))
        shown |= {a for layer in vis.get("layers", []) for a in layer.get("accessors", [])}
        all_columns = {c for layer in layers.values() for c in layer["columns"]}
        assert shown and shown <= all_columns, f"{where} shows columns it does not define: {shown - all_columns}"
        assert {layer["layerId"] for layer in vis.get("layers", [vis])} <= set(layers), where
        assert attrs["state"]["query"]["language"] == "kuery", where


def test_dashboard_panels_fit_the_grid_and_resolve():
    for dash in (o for o in _saved_objects() if o["type"] == "dashboard"):
        attrs = dash["attributes"]
        panels = json.loads(attrs["panelsJSON"])
        json.loads(attrs["optionsJSON"])
        json.loads(attrs["kibanaSavedObjectMeta"]["searchSourceJSON"])
        refs = {r["name"] for r in dash["references"]}
        assert len({p["panelIndex"] for p in panels}) == len(panels), dash["id"]
        for p in panels:
            grid = p["gridData"]
            assert grid["i"] == p["panelIndex"] and 0 <= grid["x"] and grid["x"] + grid["w"] <= GRID_COLUMNS, dash["id"]
            assert grid["w"] > 0 and grid["h"] > 0 and p["panelRefName"] in refs, dash["id"]


# ------------------------------------------------------------------ what each panel shows
def _values(doc: dict, path: str) -> list:
    value: Any = doc
    for part in path.split("."):
        if isinstance(value, list):
            value = [v.get(part) for v in value if isinstance(v, dict)]
        elif isinstance(value, dict):
            value = value.get(part)
        else:
            return []
    if value is None:
        return []
    return [v for v in (value if isinstance(value, list) else [value]) if v is not None]


def kql_predicate(kql: str) -> Callable[[dict], bool]:
    """The KQL these objects use: `field : value` or `field : ("a" or "b")`, joined by `and`."""
    clauses = []
    for part in filter(None, (p.strip() for p in re.split(r"\s+and\s+", kql.strip()))):
        m = re.fullmatch(r'([\w.]+)\s*:\s*(\(.*\)|"[^"]*"|\S+)', part)
        assert m, f"KQL this test cannot read (extend it): {part!r}"
        field, raw = m.groups()
        options = re.split(r"\s+or\s+", raw[1:-1]) if raw.startswith("(") else [raw]
        wanted = {json.loads(o) if o[0] == '"' or o in ("true", "false") else o for o in options}
        clauses.append((field, wanted))
    return lambda doc: all(any(v in wanted for v in _values(doc, field)) for field, wanted in clauses)


def _day(value: str) -> int:
    when = datetime.fromisoformat(value.replace("Z", "+00:00")).astimezone(timezone.utc)
    return int(datetime(when.year, when.month, when.day, tzinfo=timezone.utc).timestamp() * 1000)


def _metric(col: dict, docs: list[dict]) -> float:
    op = col["operationType"]
    if op == "count":
        return len(docs)
    values = [v for d in docs for v in _values(d, col["sourceField"])]
    if op == "sum":
        return float(sum(values))
    if op == "unique_count":
        return len(set(values))
    if op == "average":
        return sum(values) / len(values) if values else None
    raise AssertionError(f"metric {op} unknown to this test")


def expected_answer(lens: dict, docs: list[dict]) -> dict:
    """What the panel shows, from the documents: {bucket key: {"count", metric ids..., "children"}},
    nested in column order; a terms column keeps its top `size` by its `orderBy` column."""
    (layer,) = lens["attributes"]["state"]["datasourceStates"]["formBased"]["layers"].values()
    cols = [dict(layer["columns"][cid], id=cid) for cid in layer["columnOrder"]]
    buckets = [c for c in cols if c["isBucketed"]]
    metrics = [c for c in cols if not c["isBucketed"]]
    docs = [d for d in docs if kql_predicate(lens["attributes"]["state"]["query"]["query"])(d)]

    def level(depth: int, members: list[dict]) -> dict:
        col = buckets[depth]
        groups: dict[Any, list[dict]] = defaultdict(list)
        for d in members:
            keys = [_day(v) for v in _values(d, col["sourceField"])] if col["operationType"] == "date_histogram" \
                else _values(d, col["sourceField"])
            for key in set(keys):
                groups[key].append(d)
        out = {}
        for key, group in groups.items():
            node = {"count": len(group), **{m["id"]: _metric(m, group) for m in metrics}}
            if depth + 1 < len(buckets):
                node["children"] = level(depth + 1, group)
            out[key] = node
        if col["operationType"] == "terms":
            order = col["params"]["orderBy"]
            assert order["type"] == "column", f"{lens['id']}: order {order} unknown to this test"
            out = {"top": col["params"]["size"], "order": order["columnId"], "groups": out}
        return out

    return level(0, docs)


def _actual(result_aggs: dict, depth: int, bucket_ids: list[str], metric_ids: list[str]) -> dict:
    out = {}
    for b in result_aggs[bucket_ids[depth]]["buckets"]:
        if not b["doc_count"]:
            continue  # an empty day of a date histogram: Lens draws nothing there either
        node = {"count": b["doc_count"], **{m: b[m]["value"] for m in metric_ids if m in b}}
        if depth + 1 < len(bucket_ids):
            node["children"] = _actual(b, depth + 1, bucket_ids, metric_ids)
        out[b["key"]] = node
    return out


def _compare(lens_id: str, want: dict, got: dict, metric_ids: list[str], innermost: bool) -> None:
    groups = want.get("groups", want) if "top" in want else want
    if "top" in want:
        # the top N by the order column; a tie at the cut may fall either way
        ranked = sorted((g[want["order"]] if want["order"] in g else g["count"] for g in groups.values()), reverse=True)
        cut = ranked[want["top"] - 1] if len(ranked) >= want["top"] else None
        assert len(got) == min(want["top"], len(groups)), (lens_id, sorted(got), sorted(groups))
        for key in got:
            value = groups[key][want["order"]] if want["order"] in groups[key] else groups[key]["count"]
            assert cut is None or value >= cut, (lens_id, key, value, cut)
    else:
        assert set(got) == set(groups), (lens_id, sorted(set(got) ^ set(groups))[:5])
    for key, node in got.items():
        exp = groups[key]
        assert node["count"] == exp["count"], (lens_id, key, node["count"], exp["count"])
        if "children" in exp:
            _compare(lens_id, exp["children"], node["children"], metric_ids, innermost)
        else:
            for m in metric_ids:
                assert node.get(m) == pytest.approx(exp[m]), (lens_id, key, m, node.get(m), exp[m])


@pytest.fixture(scope="module")
def indexed(es, base_settings):
    import uuid

    from voxindex.setup import drop_indices, setup_indices

    settings = replace(base_settings, index_prefix=f"vxt-kbi-{uuid.uuid4().hex[:6]}")
    setup_indices(es, settings.indices, kinds=("feedback", "alerts"))
    units, alerts = load_demo(es, settings)
    # agent replies in the same threads: indexed, never counted as customer feedback
    agents = [replace(u, unit_id=f"{u.unit_id}-agent", speaker_role="agent", is_customer_signal=False)
              for u in units[::3]]
    index_units(es, settings, agents)
    yield settings, units, agents
    drop_indices(es, settings.indices)


def _docs(es, index: str) -> list[dict]:
    es.indices.refresh(index=index)
    hits = es.search(index=index, size=10_000, query={"match_all": {}})["hits"]["hits"]
    return [h["_source"] for h in hits]


def test_each_panel_shows_what_its_lens_columns_compute_from_the_documents(es, indexed):
    settings, _, _ = indexed
    sidecar = json.loads((KIBANA_DIR / "queries.json").read_text())
    for lens in _lenses():
        entry = sidecar[lens["id"]]
        (layer,) = lens["attributes"]["state"]["datasourceStates"]["formBased"]["layers"].values()
        bucket_ids = [c for c in layer["columnOrder"] if layer["columns"][c]["isBucketed"]]
        metric_ids = [c for c in layer["columnOrder"] if not layer["columns"][c]["isBucketed"]
                      and layer["columns"][c]["operationType"] != "count"]
        index = settings.indices.alias(entry["index_kind"])
        want = expected_answer(lens, _docs(es, index))
        got = _actual(es.search(index=index, body=entry["request"])["aggregations"], 0, bucket_ids, metric_ids)
        assert got, f"{lens['id']} shows nothing on demo-like data"
        _compare(lens["id"], want, got, metric_ids, innermost=True)


def test_feedback_panels_count_customer_feedback_only(es, indexed):
    settings, units, agents = indexed
    assert agents
    docs = _docs(es, settings.indices.alias("feedback"))
    customer = [d for d in docs if d.get("is_customer_signal")]
    assert len(docs) == len(units) + len(agents) and len(customer) == len(units)
    for lens in _lenses():
        if lens["references"][0]["id"] != "vx-dv-feedback":
            continue
        assert expected_answer(lens, docs) == expected_answer(lens, customer), (
            f"{lens['id']} ({lens['attributes']['title']!r}) counts agent replies as feedback")
    volume = next(lens for lens in _lenses() if lens["id"] == "vx-lens-volume-by-theme")
    assert "customer" in volume["attributes"]["description"]
