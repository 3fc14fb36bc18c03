"""The /ui web view: overview, search with facets, theme pages with a trend chart, unit pages with
their citation, and the alert queue (assign / acknowledge / fix with a ticket).

Server-rendered Jinja2, one small JS file, no CDN. Registered by `search_api.app.create_app`, whose
services (`app.extensions["voxindex"]`: settings, es, names) it reads; it also works on a bare
Flask app (`create_web_app`).

Auth: with VOXINDEX_WEB_API_KEY set, a session login asks for that key (compared in constant time)
and every page and form needs it. Without it the view is in *demo mode*: open, but only to requests
from the loopback address (127.0.0.1/::1); anyone else gets 403 and is told to set the key. Forms
carry a per-session CSRF token either way.
"""
from __future__ import annotations

import hmac
import ipaddress
import os
import secrets
from datetime import datetime, timedelta, timezone
from typing import Any

from flask import (Blueprint, Flask, abort, current_app, flash, redirect, render_template, request, session,
                   url_for)
from markupsafe import Markup

from voxindex.model import parse_time

from .charts import bar_trend
from .filters import TERM_FILTERS, Filters
from .report_data import alerts_in, breakdown, count, daily, distinct_accounts_arr

bp = Blueprint("ui", __name__, url_prefix="/ui", template_folder="templates", static_folder="static",
               static_url_path="/static")
FACETS = ("theme", "sub_theme", "intent", "sentiment", "severity", "source", "channel", "app_version", "segment")
PAGE_SIZE = 20
ACTIONS = ("ack", "assign", "fix", "resolve", "reopen")


@bp.record_once
def _setup(state) -> None:
    app = state.app
    if not app.secret_key:
        app.secret_key = os.environ.get("VOXINDEX_WEB_SECRET") or secrets.token_hex(32)


def create_web_app(settings=None, es=None) -> Flask:
    """A Flask app with only the web view (the search API's create_app also registers it)."""
    from voxindex.config import get_settings
    from voxindex.es import client

    app = Flask("voxindex-web")
    settings = settings or get_settings()
    app.config["VOXINDEX_SETTINGS"] = settings
    app.config["VOXINDEX_ES"] = es or client(settings)
    app.register_blueprint(bp)
    return app


def _services() -> tuple[Any, Any]:
    svc = current_app.extensions.get("voxindex")
    if svc is not None:
        return svc.es, svc.settings
    if "VOXINDEX_ES" not in current_app.config:
        from voxindex.config import get_settings
        from voxindex.es import client

        current_app.config["VOXINDEX_SETTINGS"] = get_settings()
        current_app.config["VOXINDEX_ES"] = client(current_app.config["VOXINDEX_SETTINGS"])
    return current_app.config["VOXINDEX_ES"], current_app.config["VOXINDEX_SETTINGS"]


# ---------------------------------------------------------------- auth and CSRF


def _web_key() -> str | None:
    return os.environ.get("VOXINDEX_WEB_API_KEY") or None


def _is_loopback(addr: str | None) -> bool:
    try:
        return ipaddress.ip_address((addr or "").split("%")[0]).is_loopback
    except ValueError:
        return False


@bp.before_request
def _guard():
    if request.endpoint in ("ui.login", "ui.static"):
        return None
    if _web_key():
        if not session.get("ui_user"):
            return redirect(url_for("ui.login", next=request.full_path))
    elif not _is_loopback(request.remote_addr):
        abort(403, description="The web view is in demo mode (open on 127.0.0.1 only). Set VOXINDEX_WEB_API_KEY "
                               "to serve it to other hosts with a login.")
    if request.method == "POST":
        sent = request.form.get("csrf", "")
        if not sent or not hmac.compare_digest(sent, session.get("csrf", "")):
            abort(400, description="form expired; reload the page and try again")
    return None


@bp.app_template_global("csrf_token")
def csrf_token() -> str:
    if "csrf" not in session:
        session["csrf"] = secrets.token_urlsafe(24)
    return session["csrf"]


@bp.route("/login", methods=["GET", "POST"])
def login():
    key = _web_key()
    if not key:
        return redirect(url_for("ui.overview"))
    error = None
    if request.method == "POST":
        if hmac.compare_digest(request.form.get("api_key", "").encode(), key.encode()):
            session.clear()
            session["ui_user"] = (request.form.get("name") or "web").strip()[:64] or "web"
            target = request.args.get("next") or ""
            return redirect(target if target.startswith("/ui") else url_for("ui.overview"))
        error = "That key is not valid."
    return render_template("ui/login.html", error=error), (401 if error else 200)


@bp.route("/logout", methods=["POST"])
def logout():
    session.clear()
    return redirect(url_for("ui.login") if _web_key() else url_for("ui.overview"))


def _actor() -> str:
    return session.get("ui_user") or "web-demo"


@bp.errorhandler(404)
@bp.errorhandler(400)
@bp.errorhandler(403)
def _error(exc):
    return render_template("ui/error.html", code=exc.code, message=exc.description), exc.code


# ---------------------------------------------------------------- helpers


def _latest(es, names) -> datetime:
    """The newest unit's day: pages anchor their windows on the data, so a demo dataset that ends in
    the past (or future) still shows its last weeks."""
    res = es.search(index=names.feedback, size=0, aggs={"m": {"max": {"field": "created_at"}}})
    value = res["aggregations"]["m"].get("value_as_string")
    end = parse_time(value) if value else datetime.now(timezone.utc)
    return end.replace(hour=0, minute=0, second=0, microsecond=0) + timedelta(days=1)


def _link(f: Filters) -> str:
    return f.ui_url()


@bp.app_template_filter("excerpt")
def _excerpt(text: str, n: int = 220) -> str:
    text = " ".join((text or "").split())
    return text if len(text) <= n else text[: n - 1] + "…"


@bp.app_template_filter("when")
def _when(value: Any) -> str:
    if not value:
        return "—"
    try:
        return parse_time(value).strftime("%Y-%m-%d %H:%M")
    except Exception:
        return str(value)


def _money(v: float | None) -> str:
    return "—" if v is None else f"${v:,.0f}"


# ---------------------------------------------------------------- pages


@bp.route("/")
def overview():
    from detectors.closed_loop import stage_summary

    es, settings = _services()
    names = settings.indices
    end = _latest(es, names)
    this = Filters(start=end - timedelta(days=7), end=end)
    last = Filters(start=end - timedelta(days=14), end=end - timedelta(days=7))
    month = Filters(start=end - timedelta(days=30), end=end)
    n, n_last = count(es, names, this), count(es, names, last)
    accounts, arr = distinct_accounts_arr(es, names, this)
    neg = count(es, names, this.with_(sentiment="negative"))
    themes = breakdown(es, names, this, "theme", 12, with_arr=True)
    prev = {r["key"]: r["units"] for r in breakdown(es, names, last, "theme", 50)}
    for r in themes:
        r["delta"] = r["units"] - prev.get(r["key"], 0)
        r["link"] = _link(this.with_(theme=r["key"]))
    chart = bar_trend(daily(es, names, month), lambda d: _link(month.with_(start=d, end=d + timedelta(days=1))))
    active = alerts_in(es, names, states=("open", "acknowledged", "assigned"), size=10)
    recent_alerts = alerts_in(es, names, end - timedelta(days=90), None, size=1000)
    return render_template(
        "ui/overview.html", end=end, period=f"{end - timedelta(days=7):%a %d %b} – {end - timedelta(days=1):%a %d %b %Y}", n=n, n_last=n_last, accounts=accounts, arr=_money(arr), neg=neg,
        themes=themes, chart=chart, active=active, stages=stage_summary(recent_alerts), money=_money,
        links={"week": _link(this), "neg": _link(this.with_(sentiment="negative")), "month": _link(month)},
    )


@bp.route("/search")
def search():
    es, settings = _services()
    names = settings.indices
    try:
        f = Filters.from_args(request.args)
    except ValueError as exc:
        abort(400, description=str(exc))
    page = max(1, request.args.get("page", 1, type=int) or 1)
    body: dict[str, Any] = {
        "query": f.to_query(), "size": PAGE_SIZE, "from": (page - 1) * PAGE_SIZE, "track_total_hits": True,
        "_source": {"excludes": ["embedding", "context"]},
        "aggs": {name: {"terms": {"field": TERM_FILTERS[name], "size": 12}} for name in FACETS},
    }
    if f.q:
        body["highlight"] = {"fields": {"text": {"fragment_size": 200, "number_of_fragments": 1}},
                             "pre_tags": ["<mark>"], "post_tags": ["</mark>"]}
    else:
        body["sort"] = [{"created_at": "desc"}]
    res = es.search(index=names.feedback, **body)
    total = res["hits"]["total"]["value"]
    hits = []
    for h in res["hits"]["hits"]:
        src = h["_source"]
        frag = (h.get("highlight") or {}).get("text")
        # highlight fragments come from ES with only our <mark> tags added; escape the rest
        src["_snippet"] = Markup(_safe_highlight(frag[0])) if frag else None
        hits.append(src)
    facets = {}
    for name in FACETS:
        chosen = set(getattr(f, name))
        facets[name] = [{"value": b["key"], "count": b["doc_count"], "active": b["key"] in chosen,
                         "href": _link(f.with_(**{name: sorted(chosen ^ {b["key"]})}))}
                        for b in res["aggregations"][name]["buckets"]]
    active = [(name, v, _link(f.with_(**{name: [x for x in getattr(f, name) if x != v]})))
              for name in TERM_FILTERS for v in getattr(f, name)]
    return render_template("ui/search.html", f=f, hits=hits, total=total, facets=facets, active=active, page=page,
                           pages=(total + PAGE_SIZE - 1) // PAGE_SIZE, api_url=f.api_url(), args=request.args,
                           page_link=lambda p: _link(f) + f"&page={p}")


def _safe_highlight(fragment: str) -> str:
    from html import escape

    return escape(fragment).replace("&lt;mark&gt;", "<mark>").replace("&lt;/mark&gt;", "</mark>")


@bp.route("/theme/<theme>")
def theme(theme: str):
    es, settings = _services()
    names = settings.indices
    days = min(max(request.args.get("days", 60, type=int) or 60, 7), 365)
    end = _latest(es, names)
    f = Filters(theme=(theme,), start=end - timedelta(days=days), end=end)
    total = count(es, names, f)
    if not total and not count(es, names, Filters(theme=(theme,))):
        abort(404, description=f"no feedback units with theme {theme!r}")
    chart = bar_trend(daily(es, names, f), lambda d: _link(f.with_(start=d, end=d + timedelta(days=1))),
                      label=f"{theme} units per day")
    subs = breakdown(es, names, f, "sub_theme", 20, with_arr=True)
    for r in subs:
        r["link"] = _link(f.with_(sub_theme=r["key"]))
    sentiments = breakdown(es, names, f, "sentiment", 3)
    for r in sentiments:
        r["link"] = _link(f.with_(sentiment=r["key"]))
    versions = breakdown(es, names, f, "app_version", 8)
    for r in versions:
        r["link"] = _link(f.with_(app_version=r["key"]))
    res = es.search(index=names.feedback, query=f.to_query(), size=8, sort=[{"created_at": "desc"}],
                    _source={"excludes": ["embedding", "context"]})
    alerts = [a for a in alerts_in(es, names, size=200) if a.get("theme") == theme]
    return render_template("ui/theme.html", theme=theme, days=days, total=total, chart=chart, subs=subs,
                           sentiments=sentiments, versions=versions, recent=[h["_source"] for h in res["hits"]["hits"]],
                           alerts=alerts, link=_link(f), money=_money)


@bp.route("/unit/<unit_id>")
def unit(unit_id: str):
    es, settings = _services()
    res = es.search(index=settings.indices.feedback, query={"term": {"unit_id": unit_id}}, size=1,
                    _source={"excludes": ["embedding"]})
    hits = res["hits"]["hits"]
    if not hits:
        abort(404, description=f"no feedback unit {unit_id!r}")
    u = hits[0]["_source"]
    citation = _citation(u)
    thread = []
    if u.get("thread_id"):
        t = es.search(index=settings.indices.feedback, query={"term": {"thread_id": u["thread_id"]}}, size=50,
                      sort=[{"position": "asc"}, {"segment_index": "asc"}], _source=["unit_id", "speaker_role", "text", "position"])
        thread = [h["_source"] for h in t["hits"]["hits"]]
    return render_template("ui/unit.html", u=u, citation=citation, thread=thread, money=_money)


def _citation(u: dict) -> str:
    """How to quote this unit: who (account), where (source, record, part), when."""
    prov = u.get("provenance") or {}
    acc = (u.get("account") or {}).get("name") or u.get("account_id") or "unknown account"
    where = f"{u.get('source')} {u.get('channel')} record {u.get('source_record_id')}"
    if prov.get("record_part"):
        where += f" ({prov['record_part']})"
    return f"“{_excerpt(u.get('text', ''), 300)}” — {acc}, {where}, {_when(u.get('created_at'))} UTC [unit {u['unit_id']}]"


@bp.route("/alerts")
def alerts():
    from detectors.closed_loop import loop_rows, stage_summary
    from detectors.lifecycle import STATES, list_alerts

    es, settings = _services()
    state = request.args.get("state") or None
    owner = request.args.get("owner") or None
    try:
        items = list_alerts(es, settings.indices, state=state, owner=owner, size=100)
    except ValueError as exc:
        abort(400, description=str(exc))
    owners = sorted({a.get("owner") for a in alerts_in(es, settings.indices, size=1000) if a.get("owner")})
    return render_template("ui/alerts.html", rows=loop_rows(items), states=STATES, state=state, owner=owner,
                           owners=owners, stages=stage_summary(items), evidence=_evidence_link)


def _evidence_link(alert: dict) -> str:
    f = Filters(theme=(alert["theme"],) if alert.get("theme") and not alert.get("sub_theme") else (),
                sub_theme=(alert["sub_theme"],) if alert.get("sub_theme") else (),
                start=parse_time(alert["window_start"]) if alert.get("window_start") else None,
                end=parse_time(alert["window_end"]) + timedelta(seconds=1) if alert.get("window_end") else None)
    return _link(f)


@bp.route("/alerts/<alert_id>")
def alert(alert_id: str):
    from detectors.closed_loop import loop_rows
    from detectors.lifecycle import get_alert

    es, settings = _services()
    a = get_alert(es, settings.indices, alert_id)
    if a is None:
        abort(404, description=f"no alert {alert_id!r}")
    return render_template("ui/alert.html", row=loop_rows([a])[0], a=a, evidence=_evidence_link(a))


@bp.route("/alerts/<alert_id>/transition", methods=["POST"])
def transition(alert_id: str):
    from detectors.lifecycle import AlertNotFound
    from detectors.lifecycle import transition as do_transition

    es, settings = _services()
    action = request.form.get("action", "")
    if action not in ACTIONS:
        abort(400, description=f"unknown action {action!r}")
    try:
        a = do_transition(es, settings.indices, alert_id, action, actor=_actor(),
                          assignee=(request.form.get("assignee") or "").strip() or None,
                          note=(request.form.get("note") or "").strip() or None,
                          external_ticket=(request.form.get("external_ticket") or "").strip() or None)
        flash(f"{a.get('title')}: {action} done — now {a.get('state')}" +
              (f", assigned to {a.get('assignee')}" if a.get("assignee") else ""), "ok")
    except AlertNotFound:
        abort(404, description=f"no alert {alert_id!r}")
    except ValueError as exc:
        flash(str(exc), "error")
    target = request.form.get("next") or url_for("ui.alerts")
    return redirect(target if target.startswith("/ui") else url_for("ui.alerts"))

from . import review_web  # noqa: E402,F401  (the review queue's routes, on this blueprint)
