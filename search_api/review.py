"""Review queue corrections: `POST /v1/units/<unit_id>/label` relabels a unit's sub-theme.

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
from .spec import Endpoint, Param, Registry

LABEL_PARAMS = (
    Param("sub_theme", "string", "the correct sub-theme (a name from the deployment's taxonomy)", required=True,
          max_length=128),
)


def _svc():
    from flask import current_app

    return current_app.extensions["voxindex"]


def label_unit(args: dict, unit_id: str) -> Any:
    from indexer.corrections import record
    from indexer.enrich.taxonomy import load_taxonomy

    s = _svc()
    p = g.principal
    taxonomy = load_taxonomy(s.settings.taxonomy_path)
    sub_theme = args["sub_theme"]
    names = {st.name: st for st in taxonomy.sub_themes}
    if sub_theme not in names:
        raise ApiError(400, "invalid_parameter", f"sub_theme: {sub_theme!r} is not in taxonomy {taxonomy.version}",
                       {"param": "sub_theme", "allowed": sorted(names)})
    resp = s.es.search(index=s.names.feedback, size=1, _source=["text", "taxonomy", "is_customer_signal"],
                       query={"bool": {"filter": [{"term": {"unit_id": unit_id}}, *scope_clauses(p)]}})
    hits = resp["hits"]["hits"]
    if not hits:
        raise ApiError(404, "not_found", f"no unit {unit_id!r} (or it is outside your key's scope)")
    hit = hits[0]
    previous = ((hit["_source"].get("taxonomy") or {}).get("primary_sub_theme"))
    theme = names[sub_theme].theme
    labels = {"version": taxonomy.version, "theme": [theme], "sub_theme": [sub_theme], "primary_theme": theme,
              "primary_sub_theme": sub_theme, "confidence": 1.0, "needs_review": False, "confident": True,
              "unclassified": False}
    s.es.update(index=hit["_index"], id=hit["_id"], doc={"taxonomy": labels}, refresh="wait_for")
    record(s.settings, unit_id, hit["_source"].get("text") or "", sub_theme, previous, taxonomy.version, p.name)
    g.unit_ids = [unit_id]
    g.audit_action, g.audit_target = "unit.label", unit_id
    return {"unit_id": unit_id, "previous": previous, "taxonomy": labels,
            "note": "recorded as a training example; run `voxindex taxonomy learn` to refit"}


def register(r: Registry) -> None:
    r.add(Endpoint("/v1/units/<unit_id>/label", ("POST",), "Relabel a unit's sub-theme (a correction that trains the taxonomy)",
                   label_unit, role="analyst", params=LABEL_PARAMS, path_params=(UNIT_ID,), body_params=True,
                   tag="review"))
