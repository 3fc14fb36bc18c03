"""Endpoint declarations and their views. A view gets the validated params and returns a JSON-able
body (or (body, status)); auth, rate limits, validation, errors and audit live in `app.py`."""
from __future__ import annotations

import dataclasses
import json
from typing import Any

from flask import g

from detectors import lifecycle
from indexer.ingest import ingest_records

from . import analytics
from .errors import ApiError
from .params import (
    ACCOUNT_ID, ACCOUNT_PARAMS, ALERT_ID, ALERT_LIST_PARAMS, INGEST_BODY, MAX_INGEST_RECORDS, TRANSITION_PARAMS,
    UNIT_ID, search_params, themes_params, trends_params,
)
from voxindex.access import alerts as alert_access
from voxindex.access import safe_url
from voxindex.access.policy import customer_only

from .query import scope_clauses
from .redact import redact_unit, source_excludes
from .spec import Endpoint, Registry


def svc():
    from flask import current_app

    return current_app.extensions["voxindex"]


MAX_RECORD_CHARS = 256 * 1024  # the largest real ticket/transcript is far below; one record, not a batch

# ------------------------------------------------------------------------- views
def healthz(args: dict) -> Any:
    s = svc()
    try:
        health = s.es.cluster.health(timeout="2s")
    except Exception as exc:
        return {"status": "unavailable", "elasticsearch": f"{type(exc).__name__}"}, 503
    ok = health["status"] in ("green", "yellow")
    from .embedding import models_loaded  # which encoders this process holds (`serve` warms them first)

    return {"status": "ok" if ok else "degraded", "elasticsearch": health["status"], "models": models_loaded()}, 200 if ok else 503


def openapi_json(args: dict) -> Any:
    return svc().openapi()


def search(args: dict) -> Any:
    s = svc()
    out = s.searcher.search(args, g.principal)
    g.unit_ids = [u.get("unit_id") for u in out["results"]]
    return out


def get_unit(args: dict, unit_id: str) -> Any:
    s = svc()
    p = g.principal
    query = {"bool": {"filter": [{"term": {"unit_id": unit_id}}, *scope_clauses(p), *customer_only(p)]}}
    resp = s.es.search(index=s.names.feedback, query=query, size=1, _source={"excludes": source_excludes(p.sees_revenue)})
    hits = resp["hits"]["hits"]
    if not hits:
        raise ApiError(404, "not_found", f"no unit {unit_id!r} (or it is outside your key's scope)")
    unit = redact_unit(dict(hits[0]["_source"]), p.sees_revenue)
    thread = []
    record_id = unit.get("source_record_id")
    if record_id:
        # the other units of the same raw record, in order, so the citation reads in context
        siblings = s.es.search(
            index=s.names.feedback, size=100,
            query={"bool": {"filter": [{"term": {"source": unit["source"]}}, {"term": {"source_record_id": record_id}},
                                       *scope_clauses(p), *customer_only(p)]}},
            sort=[{"position": "asc"}, {"segment_index": "asc"}, {"unit_id": "asc"}],
            _source=["unit_id", "speaker_role", "position", "segment_index", "provenance.record_part", "text",
                     "created_at", "is_customer_signal"],
        )
        thread = [h["_source"] for h in siblings["hits"]["hits"]]
    prov = unit.get("provenance") or {}
    g.unit_ids = [unit_id, *(t.get("unit_id") for t in thread if t.get("unit_id") != unit_id)]
    return {
        "unit": unit,
        "citation": {
            "source": unit.get("source"),
            "connector": unit.get("connector"),
            "source_record_id": record_id,
            "raw_ref": prov.get("raw_ref"),
            "record_part": prov.get("record_part"),
            "source_url": safe_url(prov.get("source_url")),
            "raw_hash": prov.get("raw_hash"),
            "thread_id": unit.get("thread_id"),
            "speaker_role": unit.get("speaker_role"),
        },
        "context": unit.get("context") or [],
        "thread": thread,
    }


def themes(args: dict) -> Any:
    s = svc()
    return analytics.themes(s.es, s.names, args, g.principal)


def trends(args: dict) -> Any:
    s = svc()
    days = int(args["window"][:-1])
    if not 1 <= days <= 365:
        raise ApiError(400, "invalid_parameter", "window: between 1d and 365d", {"param": "window"})
    args = {**args, "window_days": days}
    return analytics.trends(s.es, s.names, args, g.principal)


def get_account(args: dict, account_id: str) -> Any:
    s = svc()
    out = analytics.account(s.es, s.names, account_id, args, g.principal)
    if out is None:
        raise ApiError(404, "not_found", f"no feedback for account {account_id!r} (or it is outside your key's scope)")
    g.unit_ids = [u.get("unit_id") for u in out["recent_units"]]
    return out


def _jsonable(obj: Any) -> Any:
    if dataclasses.is_dataclass(obj) and not isinstance(obj, type):
        from voxindex.model import to_jsonable

        return to_jsonable(obj)
    if isinstance(obj, list):
        return [_jsonable(o) for o in obj]
    return obj


def list_alerts(args: dict) -> Any:
    s = svc()
    try:
        alerts = _jsonable(lifecycle.list_alerts(s.es, s.names, state=args.get("state") or None, owner=args.get("owner"),
                                          size=args["size"]))
    except ValueError as exc:  # an unknown state
        raise ApiError(400, "invalid_parameter", str(exc), {"param": "state"}) from None
    alerts = alert_access.visible(s.es, s.names.feedback, alerts, g.principal)
    g.unit_ids = [u for a in alerts for u in a.get("unit_ids") or []]
    return {"alerts": alerts, "count": len(alerts)}


def _transition(action: str, args: dict, alert_id: str) -> Any:
    s = svc()
    if action == "assign" and not args.get("assignee"):
        raise ApiError(400, "invalid_parameter", "assignee: required to assign", {"param": "assignee"})
    alert = _jsonable(lifecycle.get_alert(s.es, s.names, alert_id))
    if not alert or not alert_access.in_scope(alert, g.principal):
        raise ApiError(404, "not_found", f"no alert {alert_id!r}")
    try:
        result = lifecycle.transition(s.es, s.names, alert_id, action, actor=g.principal.name, assignee=args.get("assignee"),
                               note=args.get("note"), external_ticket=args.get("external_ticket"))
    except (KeyError, LookupError) as exc:
        raise ApiError(404, "not_found", str(exc)) from None
    except ValueError as exc:  # e.g. resolving an alert that is already resolved
        raise ApiError(409, "invalid_transition", str(exc)) from None
    g.audit_action, g.audit_target = f"alert.{action}", alert_id
    shown = alert_access.visible(s.es, s.names.feedback, [_jsonable(result) or {}], g.principal)
    g.unit_ids = list(shown[0].get("unit_ids") or []) if shown else []
    return {"alert": shown[0] if shown else {}}


def ack_alert(args: dict, alert_id: str) -> Any:
    return _transition("ack", args, alert_id)


def assign_alert(args: dict, alert_id: str) -> Any:
    return _transition("assign", args, alert_id)


def resolve_alert(args: dict, alert_id: str) -> Any:
    return _transition("resolve", args, alert_id)


def ingest(args: dict) -> Any:
    s = svc()
    body = args["_body"]
    if not isinstance(body, dict) or set(body) - {"connector", "records"}:
        raise ApiError(400, "invalid_body", "body: a JSON object {connector, records}")
    connector, records = body.get("connector"), body.get("records")
    if connector not in INGEST_BODY["properties"]["connector"]["enum"]:
        raise ApiError(400, "invalid_parameter", f"connector: one of {INGEST_BODY['properties']['connector']['enum']}",
                       {"param": "connector"})
    if not isinstance(records, list) or not 1 <= len(records) <= MAX_INGEST_RECORDS:
        raise ApiError(400, "invalid_parameter", f"records: a list of 1-{MAX_INGEST_RECORDS} objects", {"param": "records"})
    if not all(isinstance(r, dict) for r in records):
        raise ApiError(400, "invalid_parameter", "records: every record must be a JSON object", {"param": "records"})
    oversized = [i for i, r in enumerate(records) if len(json.dumps(r, ensure_ascii=False)) > MAX_RECORD_CHARS]
    if oversized:
        # refused whole, before anything is indexed: a huge record would otherwise live on as a huge dead letter
        raise ApiError(413, "record_too_large", f"records {oversized[:20]} are over {MAX_RECORD_CHARS:,} characters each; "
                       "nothing was ingested", {"param": "records", "rejected": oversized[:100], "limit": MAX_RECORD_CHARS})
    try:
        summary = _jsonable(ingest_records(s.es, s.settings, connector, records, pipeline=s.ingest_pipeline()))
    except ValueError as exc:  # the runner refuses the request as a whole (e.g. a connector it lacks)
        raise ApiError(400, "invalid_parameter", str(exc), {"param": "connector"}) from None
    summary = summary if isinstance(summary, dict) else {"summary": summary}
    g.audit_action, g.audit_target = "ingest", connector
    bad = _bad_records(summary)
    if bad:
        rejected = _rejected(s, summary.get("run_id"), connector)
        return {"error": {"status": 422, "code": "invalid_records",
                          "message": f"{bad} of {len(records)} records were rejected and dead-lettered; the rest were indexed"
                                     + ("; rejected: " + ", ".join(f"#{r['index']} ({r['reason']})" for r in rejected[:5])
                                        if rejected else ""),
                          "details": {**summary, "rejected": rejected}}}, 422
    return {"ingested": summary}


def _rejected(s, run_id: str | None, connector: str) -> list[dict]:
    """Which records (index in the request) were dead-lettered and why, from this run's dead letters."""
    if not run_id:
        return []
    prefix = f"api:{connector}#"
    try:
        s.es.indices.refresh(index=s.names.deadletter)
        res = s.es.search(index=s.names.deadletter, size=MAX_INGEST_RECORDS, _source=["raw_ref", "reason", "stage"],
                          query={"term": {"run_id": run_id}})
    except Exception:  # the summary still says how many; never fail an ingest over its explanation
        return []
    out = []
    for h in res["hits"]["hits"]:
        src = h["_source"]
        ref = str(src.get("raw_ref") or "")
        if ref.startswith(prefix) and ref[len(prefix):].isdigit():
            out.append({"index": int(ref[len(prefix):]), "reason": src.get("reason"), "stage": src.get("stage")})
    return sorted(out, key=lambda r: r["index"])


def _bad_records(summary: dict) -> int:
    for key in ("dead_lettered", "deadlettered", "malformed", "rejected", "failed"):
        value = summary.get(key)
        if isinstance(value, int):
            return value
        if isinstance(value, list):
            return len(value)
    return 0


# ------------------------------------------------------------------------- declarations
def build_registry() -> Registry:
    r = Registry()
    add = r.add
    add(Endpoint("/healthz", ("GET",), "Liveness: is Elasticsearch answering", healthz, role=None, tag="meta", audited=False))
    add(Endpoint("/openapi.json", ("GET",), "This OpenAPI 3 document", openapi_json, role=None, tag="meta", audited=False))
    add(Endpoint("/v1/search", ("GET", "POST"), "Search feedback units (hybrid, keyword or vector)", search,
                 params=search_params(), body_params=True,
                 description="Customer-signal units only unless include_non_customer=true. Page with `next`."))
    add(Endpoint("/v1/units/<unit_id>", ("GET",), "One unit with its provenance (the citation to the raw record)",
                 get_unit, path_params=(UNIT_ID,)))
    add(Endpoint("/v1/themes", ("GET",), "Per theme: counts, distinct accounts, ARR affected, sentiment mix, daily trend and slope",
                 themes, params=themes_params(), tag="analytics"))
    from . import impact_api  # theme impact on NPS/CSAT/stars; its own module, registered like /v1/themes

    add(Endpoint("/v1/impact", ("GET",), "Per theme: impact on NPS, CSAT or stars (score with and without the theme, "
                 "95% interval), net sentiment, this window against the previous one", impact_api.impact,
                 params=impact_api.impact_params(), tag="analytics",
                 description="impact = score(all responses) - score(responses not mentioning the theme). "
                             "Each row links to the search that lists the units behind it."))
    add(Endpoint("/v1/trends", ("GET",), "Risers and fallers: this window against the previous one, with a Poisson z-test",
                 trends, params=trends_params(), tag="analytics"))
    add(Endpoint("/v1/accounts/<account_id>", ("GET",), "An account's feedback summary, sentiment mix, top themes, recent units and risk",
                 get_account, params=ACCOUNT_PARAMS, path_params=(ACCOUNT_ID,), tag="analytics"))
    add(Endpoint("/v1/alerts", ("GET",), "Alerts, filtered by state and owner", list_alerts, params=ALERT_LIST_PARAMS, tag="alerts"))
    for action, view in (("ack", ack_alert), ("assign", assign_alert), ("resolve", resolve_alert)):
        add(Endpoint(f"/v1/alerts/<alert_id>/{action}", ("POST",), f"{action.capitalize()} an alert", view, role="admin",
                     params=TRANSITION_PARAMS, path_params=(ALERT_ID,), body_params=True, tag="alerts"))
    add(Endpoint("/v1/ingest", ("POST",), "Ingest records through the indexing pipeline (bad records: 422 and dead-lettered)",
                 ingest, role="admin", body_schema=INGEST_BODY, tag="ingest"))
    from . import review

    review.register(r)
    return r

