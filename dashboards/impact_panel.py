"""Impact on NPS and net sentiment per theme, for the web view and the reports.

A thin caller of `search_api.impact_api.compute` (the code behind `/v1/impact`), so the pages
show the API's numbers; only the links are rewritten to web-view searches."""
from __future__ import annotations

import logging
from datetime import datetime, timedelta
from functools import lru_cache
from typing import Any

from .filters import Filters

log = logging.getLogger("voxindex.web")

REPORT_PRINCIPAL = ("report", "report", "analyst")  # reports and the unscoped demo web view


def _principal():
    from flask import g, has_request_context

    from search_api.auth import Principal

    # the web view's own caller when its permission layer sets one; else an unscoped reader
    p = getattr(g, "principal", None) if has_request_context() else None
    return p if isinstance(p, Principal) else Principal(*REPORT_PRINCIPAL)


def impact_rows(es, names, end: datetime, days: int = 30, by: str = "theme", theme: str | None = None,
                metric: str = "nps", limit: int = 12, principal=None) -> dict[str, Any]:
    """{"metric", "population", "rows"}: rows carry impact, its interval, count, net sentiment,
    their change against the previous window, and a web-view link to the responses."""
    from search_api.impact_api import compute, impact_params

    params = {p.name: (list(p.default) if isinstance(p.default, (list, tuple)) else p.default) for p in impact_params()}
    params.update(metric=metric, by=by, days=days, to=end, limit=limit, min_count=3)
    if theme:  # a theme page: one row per sub-theme of that theme
        params["by"] = "sub_theme"
        params["sub_theme"] = sorted(_subs_of(theme))
    try:
        out = compute(es, names, params, principal or _principal())
    except Exception as exc:  # a page must still render when the impact cannot be computed; the log says why
        log.exception("impact for %s/%s failed", by, theme)
        return {"error": f"{type(exc).__name__}: {exc}", "rows": []}
    start = end - timedelta(days=days)
    rows = []
    for r in out["rows"]:
        label = r[out["by"]]
        f = Filters(start=start, end=end, source=("survey" if metric != "stars" else "appstore",), **{out["by"]: (label,)})
        rows.append({**r, "label": label, "ui_link": f.ui_url(), "ui_units": f.with_(source=()).ui_url()})
    return {"metric": out["metric"], "population": out["population"], "window": out["window"], "by": out["by"], "rows": rows}


def _subs_of(theme: str) -> frozenset[str]:
    """The theme's sub-themes in the configured taxonomy (the one units are labeled with)."""
    from voxindex.config import get_settings

    return _subs(str(get_settings().taxonomy_path or ""), theme)


@lru_cache(maxsize=64)
def _subs(taxonomy_path: str, theme: str) -> frozenset[str]:
    from indexer.enrich.taxonomy import load_taxonomy

    return frozenset(s.name for s in load_taxonomy(taxonomy_path or None).sub_themes if s.theme == theme)


def fmt(x: float | None, signed: bool = True) -> str:
    if x is None:
        return "—"
    return f"{x:+.1f}" if signed else f"{x:.1f}"
