"""Links an alert carries: a Kibana Discover URL with the alert's filter, and the search API URL.

Kibana lives at Settings.kibana_url (VOXINDEX_KIBANA_URL, default http://127.0.0.1:5601) and the
data view id is Settings.kibana_data_view (VOXINDEX_KIBANA_DATA_VIEW, default `<prefix>-feedback`)."""
from __future__ import annotations

from datetime import datetime
from typing import Any
from urllib.parse import quote, urlencode

from voxindex.config import Settings, get_settings
from voxindex.model import iso

from .fields import es_field


def _kql_value(v: Any) -> str:
    return '"' + str(v).replace("\\", "\\\\").replace('"', '\\"') + '"'


def kql(conditions: dict[str, Any], query: str | None = None) -> str:
    parts = []
    for name, value in conditions.items():
        try:
            field = es_field(name)
        except KeyError:
            continue
        if isinstance(value, (list, tuple)):
            parts.append(f"{field}:(" + " or ".join(_kql_value(v) for v in value) + ")")
        else:
            parts.append(f"{field}:{_kql_value(value)}")
    if query:
        parts.append(f"({query})")
    return " and ".join(parts)


def _rison_str(s: str) -> str:
    return "'" + s.replace("!", "!!").replace("'", "!'") + "'"


def kibana_url(conditions: dict[str, Any], start: datetime, end: datetime, query: str | None = None,
               settings: Settings | None = None) -> str:
    settings = settings or get_settings()
    base = settings.kibana_url.rstrip("/")
    view = settings.kibana_data_view or settings.indices.feedback
    g = f"(time:(from:{_rison_str(iso(start))},to:{_rison_str(iso(end))}))"
    a = f"(dataSource:(dataViewId:{_rison_str(view)},type:dataView),query:(language:kuery,query:{_rison_str(kql(conditions, query))}))"
    return f"{base}/app/discover#/?_g={quote(g, safe='(),:!')}&_a={quote(a, safe='(),:!')}"


def api_url(conditions: dict[str, Any], start: datetime, end: datetime, query: str | None = None,
            settings: Settings | None = None) -> str:
    settings = settings or get_settings()
    params: list[tuple[str, str]] = []
    if query:
        params.append(("q", query))
    for name, value in conditions.items():
        for v in value if isinstance(value, (list, tuple)) else [value]:
            params.append((name, str(v)))
    params += [("from", iso(start)), ("to", iso(end))]
    return f"http://{settings.api_host}:{settings.api_port}/v1/search?{urlencode(params)}"
