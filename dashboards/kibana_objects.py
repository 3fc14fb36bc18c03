"""The Kibana 8.x saved objects VoxIndex ships, built from one small spec.

`voxindex kibana build` writes them to kibana/*.ndjson plus kibana/queries.json, the sidecar that
holds, for every visualization, the Elasticsearch aggregation request Lens would run. The NDJSON is
committed; this module exists so the objects stay regular and reviewable (one line per column here,
not hand-edited JSON blobs).

Limitation kept on purpose: Lens cannot sum ARR once per *account* (that needs a pipeline agg or a
script), so "ARR affected" in Kibana is summed over units; the reports compute the per-account figure.
"""
from __future__ import annotations

import json
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

KIBANA_DIR = Path(__file__).resolve().parent.parent / "kibana"
FILES = ("data_views.ndjson", "visualizations.ndjson", "dashboards.ndjson")
CORE_MIGRATION = "8.8.0"

DATA_VIEWS = {
    "vx-dv-feedback": {"title": "voxindex-feedback", "name": "VoxIndex feedback units", "time": "created_at", "kind": "feedback"},
    "vx-dv-alerts": {"title": "voxindex-alerts", "name": "VoxIndex alerts", "time": "created_at", "kind": "alerts"},
}
# the lifecycle's active states (detectors/lifecycle.py ACTIVE_STATES); silences are never active
OPEN_ALERTS_KQL = 'state : ("open" or "acknowledged" or "assigned")'
OPEN_ALERTS_ES = {"bool": {"filter": [{"terms": {"state": ["open", "acknowledged", "assigned"]}}]}}
# feedback panels count what customers said, as the API and reports do: agent and bot replies are
# indexed in the same threads (for context) but are not feedback
CUSTOMER_KQL = "is_customer_signal : true"
CUSTOMER_ES = {"bool": {"filter": [{"term": {"is_customer_signal": True}}]}}


@dataclass(frozen=True)
class Col:
    """One Lens column: a bucket (date_histogram/terms) or a metric (count/sum/unique_count/average)."""

    op: str
    field: str | None = None
    label: str | None = None
    size: int = 10


@dataclass(frozen=True)
class Vis:
    id: str
    title: str
    description: str
    data_view: str
    shape: str  # "xy" | "table"
    columns: tuple[Col, ...]
    kql: str = CUSTOMER_KQL
    es_query: dict = field(default_factory=lambda: CUSTOMER_ES)


VISUALIZATIONS: tuple[Vis, ...] = (
    Vis("vx-lens-volume-by-theme", "Feedback volume by theme over time",
        "Daily customer feedback units, split by primary theme.", "vx-dv-feedback", "xy",
        (Col("terms", "taxonomy.primary_theme", "Theme"), Col("date_histogram", "created_at"), Col("count", label="Units"))),
    Vis("vx-lens-sentiment-trend", "Sentiment trend",
        "Daily units by sentiment label; a widening red band is a worsening mood.", "vx-dv-feedback", "xy",
        (Col("terms", "sentiment.label", "Sentiment", 3), Col("date_histogram", "created_at"), Col("count", label="Units"))),
    Vis("vx-lens-themes-by-arr", "Top themes by ARR affected",
        "Primary themes ranked by ARR of the accounts behind each unit (summed over units; "
        "reports dedupe per account).", "vx-dv-feedback", "table",
        (Col("terms", "taxonomy.primary_theme", "Theme", 15), Col("sum", "account.arr", "ARR affected (per unit)"),
         Col("unique_count", "account.account_id", "Accounts"))),
    Vis("vx-lens-themes-by-accounts", "Top themes by distinct accounts",
        "Primary themes ranked by how many distinct accounts raised them.", "vx-dv-feedback", "table",
        (Col("terms", "taxonomy.primary_theme", "Theme", 15), Col("unique_count", "account.account_id", "Accounts"),
         Col("count", label="Units"))),
    Vis("vx-lens-source-channel", "Feedback by source and channel",
        "Where feedback comes from.", "vx-dv-feedback", "xy",
        (Col("terms", "source", "Source"), Col("terms", "channel", "Channel"), Col("count", label="Units"))),
    Vis("vx-lens-app-version", "Feedback by app version and intent",
        "Units per app version, split by intent; a new version with a tall bug bar is a regression.",
        "vx-dv-feedback", "xy",
        (Col("terms", "app_version", "App version", 10), Col("terms", "intent.label", "Intent", 6), Col("count", label="Units"))),
    Vis("vx-lens-alerts-by-owner", "Open alerts by owner",
        "Active alerts (open, acknowledged, assigned) per owner and state.", "vx-dv-alerts", "xy",
        (Col("terms", "owner", "Owner"), Col("terms", "state", "State", 8), Col("count", label="Alerts")),
        kql=OPEN_ALERTS_KQL, es_query=OPEN_ALERTS_ES),
)

DASHBOARDS = (
    ("vx-dash-support-lead", "Support lead overview",
     "Volume, mood, sources and the open alert queue for the support lead's morning check.",
     ("vx-lens-volume-by-theme", "vx-lens-sentiment-trend", "vx-lens-source-channel", "vx-lens-alerts-by-owner")),
    ("vx-dash-theme-drilldown", "Theme drill-down",
     "Which themes matter most by money and by breadth; filter by a theme to drill in.",
     ("vx-lens-themes-by-arr", "vx-lens-themes-by-accounts", "vx-lens-volume-by-theme", "vx-lens-sentiment-trend")),
    ("vx-dash-release-health", "Release health",
     "Feedback per app version and intent, and the mood around a release.",
     ("vx-lens-app-version", "vx-lens-sentiment-trend", "vx-lens-volume-by-theme")),
)

_LENS_OP = {"count": "count", "sum": "sum", "unique_count": "unique_count", "average": "average",
            "terms": "terms", "date_histogram": "date_histogram"}


def _column(col: Col, cid: str, order_by: str | None) -> dict[str, Any]:
    if col.op == "date_histogram":
        return {"label": col.label or col.field, "dataType": "date", "operationType": "date_histogram",
                "sourceField": col.field, "isBucketed": True, "scale": "interval",
                "params": {"interval": "d", "includeEmptyRows": True, "dropPartials": False}}
    if col.op == "terms":
        order = {"type": "column", "columnId": order_by} if order_by else {"type": "alphabetical"}
        return {"label": col.label or f"Top values of {col.field}", "dataType": "string", "operationType": "terms",
                "sourceField": col.field, "isBucketed": True, "scale": "ordinal",
                "params": {"size": col.size, "orderBy": order, "orderDirection": "desc", "otherBucket": True,
                           "missingBucket": False, "parentFormat": {"id": "terms"}}}
    if col.op == "count":
        return {"label": col.label or "Count of records", "dataType": "number", "operationType": "count",
                "sourceField": "___records___", "isBucketed": False, "scale": "ratio", "params": {"emptyAsNull": True}}
    return {"label": col.label or f"{col.op} of {col.field}", "dataType": "number", "operationType": _LENS_OP[col.op],
            "sourceField": col.field, "isBucketed": False, "scale": "ratio", "params": {"emptyAsNull": True}}


def lens_object(vis: Vis) -> dict[str, Any]:
    ids = [f"c{i}" for i in range(len(vis.columns))]
    metric_ids = [cid for cid, c in zip(ids, vis.columns) if c.op not in ("terms", "date_histogram")]
    first_metric = metric_ids[0] if metric_ids else None
    columns = {cid: _column(c, cid, first_metric) for cid, c in zip(ids, vis.columns)}
    buckets = [cid for cid, c in zip(ids, vis.columns) if c.op in ("terms", "date_histogram")]
    if vis.shape == "xy":
        x = next((cid for cid, c in zip(ids, vis.columns) if c.op == "date_histogram"), buckets[0])
        split = next((b for b in buckets if b != x), None)
        visualization = {
            "legend": {"isVisible": True, "position": "right"},
            "preferredSeriesType": "bar_stacked",
            "valueLabels": "hide",
            "layers": [{"layerId": "layer1", "layerType": "data", "seriesType": "bar_stacked", "xAccessor": x,
                        "accessors": metric_ids, **({"splitAccessor": split} if split else {})}],
        }
        vtype = "lnsXY"
    else:
        visualization = {"layerId": "layer1", "layerType": "data", "columns": [{"columnId": cid} for cid in ids]}
        vtype = "lnsDatatable"
    state = {
        "datasourceStates": {"formBased": {"layers": {"layer1": {"columnOrder": ids, "columns": columns, "incompleteColumns": {}}}}},
        "visualization": visualization,
        "query": {"language": "kuery", "query": vis.kql},
        "filters": [],
        "adHocDataViews": {},
        "internalReferences": [],
    }
    return {
        "type": "lens", "id": vis.id, "coreMigrationVersion": CORE_MIGRATION, "typeMigrationVersion": "8.9.0",
        "attributes": {"title": vis.title, "description": vis.description, "visualizationType": vtype, "state": state},
        "references": [{"type": "index-pattern", "id": vis.data_view, "name": "indexpattern-datasource-layer-layer1"}],
    }


def data_view_object(dv_id: str) -> dict[str, Any]:
    dv = DATA_VIEWS[dv_id]
    return {
        "type": "index-pattern", "id": dv_id, "coreMigrationVersion": CORE_MIGRATION, "typeMigrationVersion": "8.0.0",
        "attributes": {"title": dv["title"], "name": dv["name"], "timeFieldName": dv["time"], "allowNoIndex": True},
        "references": [],
    }


def dashboard_object(dash_id: str, title: str, description: str, vis_ids: tuple[str, ...]) -> dict[str, Any]:
    panels, refs = [], []
    for i, vid in enumerate(vis_ids):
        ref = f"panel_{i}"
        panels.append({"type": "lens", "panelIndex": f"p{i}", "panelRefName": ref, "embeddableConfig": {"enhancements": {}},
                       "gridData": {"x": (i % 2) * 24, "y": (i // 2) * 15, "w": 24, "h": 15, "i": f"p{i}"}})
        refs.append({"type": "lens", "id": vid, "name": ref})
    search_source = {"query": {"language": "kuery", "query": ""}, "filter": []}
    return {
        "type": "dashboard", "id": dash_id, "coreMigrationVersion": CORE_MIGRATION, "typeMigrationVersion": "8.9.0",
        "attributes": {
            "title": title, "description": description, "timeRestore": True, "timeFrom": "now-90d", "timeTo": "now",
            "refreshInterval": {"pause": True, "value": 0},
            "panelsJSON": json.dumps(panels), "optionsJSON": json.dumps({"useMargins": True, "syncColors": False, "hidePanelTitles": False}),
            "kibanaSavedObjectMeta": {"searchSourceJSON": json.dumps(search_source)},
        },
        "references": refs,
    }


def es_request(vis: Vis) -> dict[str, Any]:
    """The aggregation Lens runs for `vis`, as a plain search body (size 0): bucket columns nest in
    column order, metric columns sit in the innermost bucket; count is the bucket doc_count."""
    metrics = [(f"c{i}", c) for i, c in enumerate(vis.columns) if c.op not in ("terms", "date_histogram")]
    order_metric = next((cid for cid, c in metrics if c.op != "count"), None)
    metric_aggs = {cid: {{"sum": "sum", "unique_count": "cardinality", "average": "avg"}[c.op]: {"field": c.field}}
                   for cid, c in metrics if c.op != "count"}
    inner: dict[str, Any] = metric_aggs
    for i, col in reversed(list(enumerate(vis.columns))):
        if col.op == "terms":
            body: dict[str, Any] = {"terms": {"field": col.field, "size": col.size,
                                              "order": {order_metric or "_count": "desc"}}}
        elif col.op == "date_histogram":
            body = {"date_histogram": {"field": col.field, "calendar_interval": "1d", "min_doc_count": 0}}
        else:
            continue
        if inner:
            body["aggs"] = inner
        # an order by a metric needs that metric on the same level
        if col.op == "terms" and order_metric and order_metric not in (inner or {}):
            body["aggs"] = {**(inner or {}), **{order_metric: metric_aggs[order_metric]}}
        inner = {f"c{i}": body}
    return {"size": 0, "query": vis.es_query or {"match_all": {}}, "aggs": inner}


def build_all() -> dict[str, list[dict[str, Any]]]:
    return {
        "data_views.ndjson": [data_view_object(d) for d in DATA_VIEWS],
        "visualizations.ndjson": [lens_object(v) for v in VISUALIZATIONS],
        "dashboards.ndjson": [dashboard_object(*d) for d in DASHBOARDS],
    }


def sidecar() -> dict[str, Any]:
    return {
        v.id: {"title": v.title, "data_view": v.data_view, "index_kind": DATA_VIEWS[v.data_view]["kind"], "request": es_request(v)}
        for v in VISUALIZATIONS
    }


def write_all(out_dir: Path = KIBANA_DIR) -> list[Path]:
    out_dir.mkdir(parents=True, exist_ok=True)
    written = []
    for name, objects in build_all().items():
        path = out_dir / name
        path.write_text("".join(json.dumps(o, sort_keys=True) + "\n" for o in objects))
        written.append(path)
    path = out_dir / "queries.json"
    path.write_text(json.dumps(sidecar(), indent=2, sort_keys=True) + "\n")
    written.append(path)
    return written
