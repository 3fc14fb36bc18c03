"""/ui/review: the taxonomy review queue in the web view, with a relabel form per unit.

Lives beside web.py on the same blueprint (same login, demo-mode and CSRF guard). Reads go through
the access layer (the caller's scope, customer units only); relabelling needs the analyst role, as
`POST /v1/units/<id>/label` does, and goes through the same `indexer.corrections.relabel`."""
from __future__ import annotations

from flask import abort, flash, redirect, render_template, request, url_for

from voxindex.access.policy import allows, customer_only, scope_clauses

from .web import _actor, _caller, _services, bp

KINDS = ("all", "unclassified", "low_confidence")


def _taxonomy(settings):
    from indexer.enrich.taxonomy import load_taxonomy

    return load_taxonomy(settings.taxonomy_path)


@bp.route("/review")
def review():
    es, settings = _services()
    kind = request.args.get("kind", "all")
    if kind not in KINDS:
        abort(400, description=f"kind: one of {', '.join(KINDS)}")
    caller = _caller()
    filters = [{"term": {"is_customer_signal": True}}, {"term": {"taxonomy.needs_review": True}},
               *scope_clauses(caller)]
    if kind == "unclassified":
        filters.append({"term": {"taxonomy.unclassified": True}})
    elif kind == "low_confidence":
        filters.append({"bool": {"must_not": [{"term": {"taxonomy.unclassified": True}}]}})
    res = es.search(index=settings.indices.feedback, query={"bool": {"filter": filters}}, size=50,
                    sort=[{"created_at": "desc"}], track_total_hits=True,
                    _source=["unit_id", "text", "source", "created_at", "taxonomy"],
                    aggs={"unclassified": {"filter": {"term": {"taxonomy.unclassified": True}}}})
    tax = _taxonomy(settings)
    return render_template("ui/review.html", units=[h["_source"] for h in res["hits"]["hits"]], kind=kind,
                           kinds=KINDS, total=res["hits"]["total"]["value"],
                           unclassified=res["aggregations"]["unclassified"]["doc_count"],
                           sub_themes=[(s.theme, s.name) for s in tax.sub_themes], can_relabel=allows(caller, "analyst"))


@bp.route("/review/<unit_id>/label", methods=["POST"])
def relabel_unit(unit_id: str):
    from indexer.corrections import relabel

    caller = _caller()
    if not allows(caller, "analyst"):
        abort(403, description=f"relabelling needs the analyst role; your key is {caller.role}")
    es, settings = _services()
    tax = _taxonomy(settings)
    sub_theme = request.form.get("sub_theme", "")
    if sub_theme not in {s.name for s in tax.sub_themes}:
        abort(400, description=f"sub_theme {sub_theme!r} is not in taxonomy {tax.version}")
    res = es.search(index=settings.indices.feedback, size=1,
                    query={"bool": {"filter": [{"term": {"unit_id": unit_id}}, *scope_clauses(caller), *customer_only(caller)]}},
                    _source=["unit_id", "text", "taxonomy"])
    if not res["hits"]["hits"]:
        abort(404, description=f"no feedback unit {unit_id!r}")
    done = relabel(es, settings, res["hits"]["hits"][0], tax, sub_theme, _actor())
    flash(f"unit {unit_id}: {done['previous'] or 'unclassified'} → {sub_theme} (recorded for `taxonomy learn`)", "ok")
    return redirect(url_for("ui.review", kind=request.form.get("kind") or "all"))
