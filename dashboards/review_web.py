"""/ui/review: the taxonomy review queue in the web view, with a relabel form per unit.

Lives beside web.py on the same blueprint (same login, demo-mode and CSRF guard); a relabel
goes through `indexer.corrections.relabel`, exactly like `POST /v1/units/<id>/label`."""
from __future__ import annotations

from flask import abort, flash, redirect, render_template, request, url_for

from .web import _actor, _services, bp

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
    filters = [{"term": {"is_customer_signal": True}}, {"term": {"taxonomy.needs_review": True}}]
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
                           sub_themes=[(s.theme, s.name) for s in tax.sub_themes])


@bp.route("/review/<unit_id>/label", methods=["POST"])
def relabel_unit(unit_id: str):
    from indexer.corrections import relabel

    es, settings = _services()
    tax = _taxonomy(settings)
    sub_theme = request.form.get("sub_theme", "")
    if sub_theme not in {s.name for s in tax.sub_themes}:
        abort(400, description=f"sub_theme {sub_theme!r} is not in taxonomy {tax.version}")
    res = es.search(index=settings.indices.feedback, query={"term": {"unit_id": unit_id}}, size=1,
                    _source=["unit_id", "text", "taxonomy"])
    if not res["hits"]["hits"]:
        abort(404, description=f"no feedback unit {unit_id!r}")
    done = relabel(es, settings, res["hits"]["hits"][0], tax, sub_theme, _actor())
    flash(f"unit {unit_id}: {done['previous'] or 'unclassified'} → {sub_theme} (recorded for `taxonomy learn`)", "ok")
    return redirect(url_for("ui.review", kind=request.form.get("kind") or "all"))
