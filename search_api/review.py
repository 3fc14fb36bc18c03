"""The taxonomy review queue: `GET /v1/review` lists units the taxonomy abstained on
(`unclassified`) or was unsure about (`needs_review`), with their counts; `POST
/v1/units/<unit_id>/label` relabels a unit's sub-theme.

The correction is applied to the indexed unit (so counts and the review queue reflect it at
once) and recorded as a training example for `voxindex taxonomy learn` (indexer.corrections).
Same registry, auth, scope and audit as every route: only a unit inside the caller's scope can be
relabelled, and only by an analyst or admin."""
from __future__ import annotations

from typing import Any

from flask import g

from .errors import ApiError
from .params import UNIT_ID
from .query import scope_clauses
from .redact import redact_unit, source_excludes
from .spec import Endpoint, Param, Registry

REVIEW_PARAMS = (
    Param("kind", "string", "unclassified (nothing fits), low_confidence (labelled but unsure) or all",
          default="all", enum=("all", "unclassified", "low_confidence")),
    Param("size", "integer", "units to return, newest first", default=20, minimum=1, maximum=100),
)
REVIEW_FIELDS = ["unit_id", "text", "source", "channel", "created_at", "taxonomy", "sentiment", "intent",
                 "account.account_id", "account.arr"]

LABEL_PARAMS = (
    Param("sub_theme", "string", "the correct sub-theme (a name from the deployment's taxonomy)", required=True,
          max_length=128),
)


def _svc():
    from flask import current_app

    return current_app.extensions["voxindex"]


def label_unit(args: dict, unit_id: str) -> Any:
    from indexer.corrections import relabel
    from indexer.enrich.taxonomy import load_taxonomy

    s = _svc()
    p = g.principal
    taxonomy = load_taxonomy(s.settings.taxonomy_path)
    sub_theme = args["sub_theme"]
    names = {st.name: st for st in taxonomy.sub_themes}
    if sub_theme not in names:
        raise ApiError(400, "invalid_parameter", f"sub_theme: {sub_theme!r} is not in taxonomy {taxonomy.version}",
                       {"param": "sub_theme", "allowed": sorted(names)})
    resp = s.es.search(index=s.names.feedback, size=1, _source=["unit_id", "text", "taxonomy"],
                       query={"bool": {"filter": [{"term": {"unit_id": unit_id}}, *scope_clauses(p)]}})
    hits = resp["hits"]["hits"]
    if not hits:
        raise ApiError(404, "not_found", f"no unit {unit_id!r} (or it is outside your key's scope)")
    done = relabel(s.es, s.settings, hits[0], taxonomy, sub_theme, p.name)
    g.unit_ids = [unit_id]
    g.audit_action, g.audit_target = "unit.label", unit_id
    return {"unit_id": unit_id, **done, "note": "recorded as a training example; run `voxindex taxonomy learn` to refit"}


def review_queue(args: dict) -> Any:
    s = _svc()
    p = g.principal
    base = [{"term": {"is_customer_signal": True}}, {"term": {"taxonomy.needs_review": True}}, *scope_clauses(p)]
    kinds = {"unclassified": {"term": {"taxonomy.unclassified": True}},
             "low_confidence": {"bool": {"must_not": [{"term": {"taxonomy.unclassified": True}}]}}}
    query = {"bool": {"filter": base + ([kinds[args["kind"]]] if args["kind"] in kinds else [])}}
    resp = s.es.search(index=s.names.feedback, query=query, size=args["size"], sort=[{"created_at": "desc"}],
                       _source={"includes": REVIEW_FIELDS, "excludes": source_excludes(p.sees_revenue)},
                       track_total_hits=True,
                       aggs={"unclassified": {"filter": kinds["unclassified"]}})
    counts = {"needs_review": resp["hits"]["total"]["value"] if args["kind"] == "all" else None,
              "unclassified": resp["aggregations"]["unclassified"]["doc_count"]}
    if args["kind"] != "all":
        counts["needs_review"] = s.es.count(index=s.names.feedback, query={"bool": {"filter": base}})["count"]
    units = [redact_unit(dict(h["_source"]), p.sees_revenue) for h in resp["hits"]["hits"]]
    g.unit_ids = [u.get("unit_id") for u in units]
    return {"counts": counts, "units": units}


def register(r: Registry) -> None:
    r.add(Endpoint("/v1/review", ("GET",), "The taxonomy review queue: unclassified and low-confidence units, with counts",
                   review_queue, role="analyst", params=REVIEW_PARAMS, tag="review"))
    r.add(Endpoint("/v1/units/<unit_id>/label", ("POST",), "Relabel a unit's sub-theme (a correction that trains the taxonomy)",
                   label_unit, role="analyst", params=LABEL_PARAMS, path_params=(UNIT_ID,), body_params=True,
                   tag="review"))
