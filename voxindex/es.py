"""The one place that builds an Elasticsearch client and waits for the cluster."""
from __future__ import annotations

import time

import orjson
from elasticsearch import Elasticsearch
from elasticsearch.serializer import JsonSerializer, NdjsonSerializer

from .config import Settings, get_settings


class _Orjson:
    """orjson first, the client's stdlib json where orjson refuses (a lone surrogate from a badly
    decoded export, a non-string key, an integer over 64 bits): speed never costs a record.
    Python's json spent 4.4 % of an ingest's CPU here, on the writer thread, holding the GIL the
    encoder's threads need."""

    def json_dumps(self, data) -> bytes:
        try:
            return orjson.dumps(data, default=self.default, option=orjson.OPT_SERIALIZE_NUMPY)  # type: ignore[attr-defined]
        except TypeError:  # orjson.JSONEncodeError is a TypeError
            return super().json_dumps(data)  # type: ignore[misc]

    def json_loads(self, data: bytes):
        return orjson.loads(data)


class FastJsonSerializer(_Orjson, JsonSerializer):
    pass


class FastNdjsonSerializer(_Orjson, NdjsonSerializer):
    """Bulk and msearch bodies (the client's own orjson option covers JSON bodies only)."""


SERIALIZERS = {"application/json": FastJsonSerializer(), "application/x-ndjson": FastNdjsonSerializer()}


class ElasticsearchUnavailable(RuntimeError):
    pass


def client(settings: Settings | None = None) -> Elasticsearch:
    s = settings or get_settings()
    kwargs: dict = {
        "request_timeout": s.es_request_timeout,
        "retry_on_timeout": True,
        "max_retries": 3,
        "serializers": SERIALIZERS,
    }
    if s.es_api_key:
        kwargs["api_key"] = s.es_api_key
    elif s.es_username:
        kwargs["basic_auth"] = (s.es_username, s.es_password or "")
    if s.es_ca_certs:
        kwargs["ca_certs"] = s.es_ca_certs
    return Elasticsearch(s.es_url, **kwargs)


def ping(es: Elasticsearch) -> bool:
    # GET / is served by the optional `rest-root` module, absent from the integ-test-zip,
    # so health is the portable "is it up" call.
    try:
        es.cluster.health(timeout="1s")
        return True
    except Exception:
        return False


def wait_until_up(es: Elasticsearch, timeout: float = 120.0, status: str = "yellow") -> None:
    deadline = time.monotonic() + timeout
    last: Exception | None = None
    while time.monotonic() < deadline:
        try:
            es.options(request_timeout=5).cluster.health(wait_for_status=status, timeout="5s")
            return
        except Exception as exc:  # connection refused while the JVM boots
            last = exc
            time.sleep(1.0)
    raise ElasticsearchUnavailable(
        f"Elasticsearch did not answer within {timeout:.0f}s ({last}). "
        "Start it with `voxindex es start`, or set VOXINDEX_ES_URL to a running cluster."
    )


def installed_modules(es: Elasticsearch) -> set[str]:
    """Names of server modules and plugins, used to pick engines (e.g. the percolator)."""
    info = es.nodes.info(metric="plugins")
    names: set[str] = set()
    for node in info["nodes"].values():
        names.update(m["name"] for m in node.get("modules", []))
        names.update(p["name"] for p in node.get("plugins", []))
    return names


def has_percolator(es: Elasticsearch) -> bool:
    return "percolator" in installed_modules(es)
