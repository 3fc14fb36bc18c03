"""Flask app factory. Every endpoint goes through one wrapper: authenticate, rate-limit,
validate the declared params, call the view, answer JSON, write the audit record."""
from __future__ import annotations

import logging
import secrets
import threading
import time
from dataclasses import dataclass, field, fields
from typing import Any, Callable

import elasticsearch
from flask import Flask, g, jsonify, request
from werkzeug.exceptions import HTTPException

from dashboards.ui import bp as dashboards_bp
from indexer.enrich.build import model_stages, state_stages
from indexer.pipeline import Pipeline, Stage
from voxindex.access import AccessDenied
from voxindex.config import IndexNames, Settings, get_settings

from . import audit
from .auth import KeyStore, Principal, token_from_headers
from .bodies import parse_json, too_large
from .embedding import embed_query
from .errors import ApiError, error_body
from .hosts import allowed_hosts, host_allowed
from .openapi import build_document
from .ratelimit import TokenBucket
from .routes import build_registry
from .search import Searcher, SearchTuning
from .spec import Endpoint, Registry, validate

log = logging.getLogger("voxindex.api")
API_VERSION = "1.0.0"


def _setting(name: str):
    """A default taken from the configured Settings (voxindex/config.py documents each one); the
    setting's name stays on the field, so `from_settings` reads the same one."""
    return field(default_factory=lambda: getattr(get_settings(), name), metadata={"setting": name})


@dataclass(frozen=True)
class ApiOptions:
    """The API's limits; `from_settings` is what `create_app` uses, the constructor lets tests
    override a few and keep the configured rest."""

    rate_per_s: float = _setting("api_rate")
    burst: float = _setting("api_burst")
    cursor_secret: str | None = _setting("api_secret")
    # None: the per-key rate and burst
    address_rate_per_s: float | None = _setting("api_address_rate")
    address_burst: float | None = _setting("api_address_burst")
    max_body_bytes: int = _setting("api_max_body")
    tuning: SearchTuning = field(default_factory=SearchTuning)

    @classmethod
    def from_settings(cls, settings: Settings) -> "ApiOptions":
        return cls(**{f.name: getattr(settings, f.metadata["setting"]) for f in fields(cls) if "setting" in f.metadata})


def default_embed(settings: Settings) -> Callable[[str], list[float]]:
    """The query embedder; it keeps recent queries itself (`VOXINDEX_QUERY_CACHE`)."""

    def call(text: str) -> list[float]:
        return embed_query(text, settings)

    return call


@dataclass
class Services:
    settings: Settings
    es: elasticsearch.Elasticsearch
    names: IndexNames
    keys: KeyStore
    searcher: Searcher
    bucket: TokenBucket
    registry: Registry
    address_bucket: TokenBucket | None = None
    options: ApiOptions | None = None
    _openapi: dict | None = None
    _models: list[Stage] | None = None
    _models_lock: threading.Lock = field(default_factory=threading.Lock)

    def openapi(self) -> dict:
        if self._openapi is None:
            self._openapi = build_document(self.registry.endpoints, API_VERSION)
        return self._openapi

    def ingest_pipeline(self) -> Pipeline:
        """The pipeline for one `POST /v1/ingest`. Its model stages are built once per app, by the
        first request (the lock keeps two first requests from building them twice) and shared, as
        the models behind them always were; the stages that read the people and accounts indices
        are read afresh per request, so an erasure, an undone merge or a new account counts at once."""
        with self._models_lock:
            if self._models is None:
                self._models = model_stages(self.settings, self.es)
        return Pipeline(stages=state_stages(self.settings, self.es) + self._models)


def _json(body: Any, status: int = 200, headers: dict | None = None):
    resp = jsonify(body)
    resp.status_code = status
    for k, v in (headers or {}).items():
        resp.headers[k] = v
    return resp


def _raw_params(ep: Endpoint) -> dict[str, Any]:
    if request.method == "GET":
        return {k: request.args.getlist(k) for k in request.args}
    if request.args:
        raise ApiError(400, "invalid_parameter", "POST takes a JSON body, not query parameters",
                       {"param": next(iter(request.args))})
    if not request.data:
        return {}
    body = parse_json(request.get_data(cache=True))
    if not isinstance(body, dict):
        raise ApiError(400, "invalid_body", "the body must be a JSON object")
    return body


def _wrap(ep: Endpoint, services: Services):
    def handler(**path: str):
        started = time.perf_counter()
        g.principal, g.unit_ids, g.params = None, [], {}
        g.audit_action, g.audit_target = None, None
        status = 500
        try:
            resp = _handle(ep, services, path)
            status = resp.status_code
            return resp
        except AccessDenied as exc:
            status = 403
            return _json(ApiError(403, "forbidden", exc.message, {"param": exc.param} if exc.param else None).body(), 403)
        except ApiError as exc:
            status = exc.status
            headers = {"Retry-After": str(exc.details.get("retry_after"))} if exc.status == 429 else None
            if exc.status == 401:
                headers = {"WWW-Authenticate": 'Bearer realm="voxindex"'}
            return _json(exc.body(), exc.status, headers)
        except elasticsearch.NotFoundError as exc:
            if getattr(exc, "error", "") != "index_not_found_exception":
                raise
            status = 503
            return _json(error_body(503, "not_set_up", "the indices are missing: run `voxindex setup` (and ingest)"), 503)
        except elasticsearch.ConnectionError:
            status = 503
            return _json(error_body(503, "backend_unavailable", "Elasticsearch is not answering; retry shortly"), 503)
        except Exception:
            ref = secrets.token_hex(4)
            log.exception("unhandled error %s in %s %s", ref, request.method, request.path)
            return _json(error_body(500, "internal_error", f"internal error (ref {ref}); see the server log"), 500)
        finally:
            if ep.audited:
                p: Principal | None = g.principal
                params = {k: v for k, v in g.params.items() if k != "_body"}
                audit.write(services.es, services.names, audit.audit_doc(
                    actor=p.key_id if p else "anonymous", role=p.role if p else None, method=request.method,
                    path=request.path, params=params, status=status, unit_ids=[u for u in g.unit_ids if u],
                    action=g.audit_action or ep.view.__name__, target=g.audit_target or path.get("unit_id") or path.get("account_id"),
                    detail=f"{(time.perf_counter() - started) * 1000:.1f} ms" + _client_note(),
                    client=request.remote_addr, key_name=p.name if p else None,
                ))

    handler.__name__ = f"vx_{ep.view.__name__}"
    return handler


def _client_note() -> str:
    """`X-VoxIndex-Client` (e.g. mcp/search_feedback from `voxindex mcp`), kept short and plain in the audit."""
    client = "".join(c for c in request.headers.get("X-VoxIndex-Client", "")[:64] if c.isalnum() or c in "/_.:-")
    return f"; client={client}" if client else ""


def _before_auth(services: Services) -> None:
    """Limits that hold before any key is looked up: body size, then requests per client address."""
    opts = services.options or ApiOptions.from_settings(services.settings)
    big = too_large(request.content_length, opts.max_body_bytes)
    if big is not None:
        raise big
    if services.address_bucket is not None:
        wait = services.address_bucket.take(f"addr:{request.remote_addr}")
        if wait > 0:
            raise ApiError(429, "rate_limited", "too many requests from this address",
                           {"retry_after": max(1, int(wait + 0.999))})


def _handle(ep: Endpoint, services: Services, path: dict[str, str]):
    if ep.role is not None:
        _before_auth(services)
        token = token_from_headers(request.headers)
        if not token:
            raise ApiError(401, "unauthenticated", "send an API key: `Authorization: Bearer <key>` or `X-API-Key: <key>`")
        principal = services.keys.verify(token)
        if principal is None:
            raise ApiError(401, "unauthenticated", "unknown or revoked API key")
        g.principal = principal
        wait = services.bucket.take(principal.key_id)
        if wait > 0:
            raise ApiError(429, "rate_limited", "too many requests for this key", {"retry_after": max(1, int(wait + 0.999))})
        if not principal.allows(ep.role):
            raise ApiError(403, "forbidden", f"this needs the {ep.role} role; your key is {principal.role}")
    for p in ep.path_params:
        if len(path.get(p.name, "")) > p.max_length:
            raise ApiError(400, "invalid_parameter", f"{p.name}: longer than {p.max_length} characters", {"param": p.name})
    if ep.body_schema is not None:
        body = parse_json(request.get_data(cache=True)) if request.content_length != 0 else None
        args = {"_body": body}
        g.params = {"records": len(body.get("records") or []) if isinstance(body, dict) and isinstance(body.get("records"), list) else None,
                    "connector": body.get("connector") if isinstance(body, dict) else None}
    else:
        args = validate(ep.params, _raw_params(ep), "body" if request.method == "POST" else "query")
        g.params = args
    out = ep.view(args, **path)
    body, status = out if isinstance(out, tuple) else (out, 200)
    return _json(body, status)


def create_app(settings: Settings | None = None, es: elasticsearch.Elasticsearch | None = None,
               embed: Callable[[str], list[float]] | None = None, options: ApiOptions | None = None) -> Flask:
    """The API. `embed` (text -> 384 floats) defaults to MiniLM, loaded on the first vector query."""
    from voxindex.es import client

    settings = settings or get_settings()
    options = options or ApiOptions.from_settings(settings)
    es = es or client(settings)
    names = settings.indices
    secret = (options.cursor_secret or secrets.token_hex(16)).encode()
    registry = build_registry()
    services = Services(
        settings=settings, es=es, names=names, keys=KeyStore(es, names),
        searcher=Searcher(es, names, embed or default_embed(settings), secret, options.tuning),
        bucket=TokenBucket(options.rate_per_s, options.burst), registry=registry,
        address_bucket=TokenBucket(options.address_rate_per_s or options.rate_per_s, options.address_burst or options.burst),
        options=options,
    )
    app = Flask("voxindex")
    app.json.sort_keys = False
    app.config["MAX_CONTENT_LENGTH"] = options.max_body_bytes  # also bounds chunked bodies as they are read
    app.extensions["voxindex"] = services

    @app.before_request
    def _known_host():
        # DNS rebinding: a page on attacker.example that resolves to 127.0.0.1 still sends its own Host
        if not host_allowed(request.host, settings):
            return _json(error_body(400, "unknown_host", f"unknown Host {request.host[:100]!r}; allowed: "
                                    f"{', '.join(allowed_hosts(settings))} (VOXINDEX_ALLOWED_HOSTS adds more)"), 400)
        return None

    @app.after_request
    def _allow_header(resp):
        resp.headers.setdefault("X-Content-Type-Options", "nosniff")
        if resp.status_code == 405 and "Allow" not in resp.headers:
            methods = _methods_for(app, request.path)
            if methods:
                resp.headers["Allow"] = ", ".join(sorted(methods))
        return resp
    for ep in registry.endpoints:
        app.add_url_rule(ep.rule, endpoint=ep.view.__name__, view_func=_wrap(ep, services), methods=list(ep.methods))

    @app.errorhandler(HTTPException)
    def _http_error(exc: HTTPException):
        resp = _json(error_body(exc.code or 500, (exc.name or "error").lower().replace(" ", "_"), exc.description or exc.name), exc.code or 500)
        for key, value in exc.get_headers():
            if key.lower() == "allow":
                resp.headers["Allow"] = value
        return resp

    @app.errorhandler(Exception)
    def _any_error(exc: Exception):  # outside our views (e.g. a blueprint)
        log.exception("unhandled error in %s %s", request.method, request.path)
        return _json(error_body(500, "internal_error", "internal error; see the server log"), 500)

    app.register_blueprint(dashboards_bp)
    return app


def _methods_for(app: Flask, path: str) -> set[str]:
    adapter = app.url_map.bind("localhost")
    methods: set[str] = set()
    for method in ("GET", "POST", "PUT", "PATCH", "DELETE"):
        try:
            adapter.match(path, method=method)
            methods.add(method)
        except HTTPException:
            continue
    if "GET" in methods:
        methods |= {"HEAD", "OPTIONS"}
    return methods
