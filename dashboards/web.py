"""The /ui web view: overview, search with facets, theme pages with a trend chart, unit pages with
their citation, and the alert queue (assign / acknowledge / fix with a ticket).

Server-rendered Jinja2, one small JS file, no CDN. `dashboards.ui` assembles this blueprint with
the review queue's routes (review_web.py); `search_api.app.create_app` registers it, and the web
view reads its services (`app.extensions["voxindex"]`: settings, es, names, keys); it also works
on a bare Flask app (`dashboards.ui.create_web_app`).

Auth is the API's: sign in with an API key; the session (HttpOnly, SameSite=Strict cookie) holds
only the key id, re-checked against the key store (so a revocation ends it), and every page is built
through the access layer (voxindex.access) under that key's role and scopes. Every POST carries the
session's CSRF token; alert actions need the admin role, as on the API. Every request is written to
the audit index by the API's audit code. Unknown Host headers are refused. A keyless demo mode
exists only with VOXINDEX_WEB_DEMO=1, only for loopback clients, as a read-only viewer.
"""
from __future__ import annotations

import hmac
import ipaddress
import secrets
import time
from datetime import datetime, timedelta, timezone
from typing import Any

from flask import Blueprint, abort, current_app, flash, g, redirect, render_template, request, session, url_for
from markupsafe import Markup

from voxindex.access import alerts as alert_access
from voxindex.access import redact_unit, safe_url, scoped_query, sees_revenue, source_excludes
from voxindex.access.policy import allows
from voxindex.config import get_settings
from voxindex.model import parse_time

from .charts import bar_trend
from .filters import TERM_FILTERS, Filters
from .impact_panel import impact_rows
from .report_data import alerts_in, breakdown, count, daily, distinct_accounts_arr

bp = Blueprint("ui", __name__, url_prefix="/ui", template_folder="templates", static_folder="static",
               static_url_path="/static")
FACETS = ("theme", "sub_theme", "intent", "sentiment", "severity", "source", "channel", "app_version", "segment")
PAGE_SIZE = 20
MAX_WINDOW = 10_000  # Elasticsearch's index.max_result_window: from + size beyond it is refused
MAX_PAGE = MAX_WINDOW // PAGE_SIZE
ACTIONS = ("ack", "assign", "fix", "resolve", "reopen")


@bp.record_once
def _setup(state) -> None:
    app = state.app
    if not app.secret_key:
        app.secret_key = get_settings().web_secret or secrets.token_hex(32)
    app.config.update(SESSION_COOKIE_HTTPONLY=True, SESSION_COOKIE_SAMESITE="Strict",
                      SESSION_COOKIE_NAME="voxindex_session")


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


def _keys():
    svc = current_app.extensions.get("voxindex")
    if svc is not None:
        return svc.keys
    if "VOXINDEX_KEYS" not in current_app.config:
        from search_api.auth import KeyStore

        es, settings = _services()
        current_app.config["VOXINDEX_KEYS"] = KeyStore(es, settings.indices)
    return current_app.config["VOXINDEX_KEYS"]


# ---------------------------------------------------------------- auth, CSRF, audit


def _demo_caller():
    from search_api.auth import Principal

    return Principal(key_id="web-demo", name="web-demo (keyless, loopback)", role="viewer")


def _is_loopback(addr: str | None) -> bool:
    try:
        return ipaddress.ip_address((addr or "").split("%")[0]).is_loopback
    except ValueError:
        return False


def _caller():
    return g.get("caller")


@bp.before_request
def _guard():
    from search_api.hosts import allowed_hosts, host_allowed

    es, settings = _services()
    g.ui_started, g.caller, g.ui_unit_ids, g.ui_action, g.ui_target = time.perf_counter(), None, [], None, None
    if not host_allowed(request.host, settings):
        abort(400, description=f"unknown Host; allowed: {', '.join(allowed_hosts(settings))}")
    if request.endpoint == "ui.static":
        return None
    if request.method == "POST":
        sent = request.form.get("csrf", "")
        if not sent or not hmac.compare_digest(sent, session.get("csrf", "")):
            abort(400, description="form expired; reload the page and try again")
    if request.endpoint == "ui.login":
        return None
    key_id = session.get("key_id")
    if key_id:
        g.caller = _keys().by_id(key_id)
        if g.caller is None:  # revoked since sign-in
            session.clear()
    elif settings.web_demo and _is_loopback(request.remote_addr):
        g.caller = _demo_caller()
    if g.caller is None:
        if request.method == "POST":
            abort(401, description="sign in first")
        return redirect(url_for("ui.login", next=request.full_path if request.method == "GET" else None))
    return None


# stored customer text is escaped by the templates; these make a slip harmless (no inline script,
# no framing, no sniffing, no cross-site referrers carrying search terms)
SECURITY_HEADERS = {
    "Content-Security-Policy": "default-src 'self'; script-src 'self'; style-src 'self' 'unsafe-inline'; "
                               "img-src 'self' data:; object-src 'none'; base-uri 'none'; form-action 'self'; "
                               "frame-ancestors 'none'",
    "X-Frame-Options": "DENY",
    "X-Content-Type-Options": "nosniff",
    "Referrer-Policy": "same-origin",
    "Cache-Control": "no-store",
}


@bp.after_request
def _audit(resp):
    for key, value in SECURITY_HEADERS.items():
        resp.headers.setdefault(key, value)
    if request.endpoint == "ui.static":
        resp.headers.pop("Cache-Control", None)
        return resp
    from search_api import audit

    es, settings = _services()
    p = g.get("caller")
    params: dict[str, Any] = {k: (v if len(vs) == 1 else vs) for k, vs in request.args.lists() for v in vs[:1]}
    if request.method == "POST":
        params.update({k: v for k, v in request.form.items() if k in ("action", "assignee", "external_ticket", "note")})
    audit.write(es, settings.indices, audit.audit_doc(
        actor=p.key_id if p else "anonymous", role=p.role if p else None, method=request.method, path=request.path,
        params=params, status=resp.status_code, unit_ids=[u for u in g.get("ui_unit_ids") or [] if u],
        action=g.get("ui_action") or f"ui.{(request.endpoint or 'unknown').split('.')[-1]}",
        target=g.get("ui_target"), detail=f"{(time.perf_counter() - g.get('ui_started', time.perf_counter())) * 1000:.1f} ms",
        client=request.remote_addr, key_name=p.name if p else None,
    ))
    return resp


@bp.app_template_global("csrf_token")
def csrf_token() -> str:
    if "csrf" not in session:
        session["csrf"] = secrets.token_urlsafe(24)
    return session["csrf"]


@bp.app_template_global("ui_caller")
def ui_caller():
    return g.get("caller")


@bp.route("/login", methods=["GET", "POST"])
def login():
    error = None
    if request.method == "POST":
        svc = current_app.extensions.get("voxindex")
        bucket = getattr(svc, "address_bucket", None)
        if bucket is not None and bucket.take(f"addr:{request.remote_addr}") > 0:
            abort(429, description="too many sign-in attempts from this address; wait a moment")
        principal = _keys().verify(request.form.get("api_key", "").strip())
        if principal is not None:
            session.clear()
            session["key_id"] = principal.key_id
            session["csrf"] = secrets.token_urlsafe(24)  # a new session, a new token
            g.caller, g.ui_action = principal, "ui.sign_in"
            target = request.args.get("next") or ""
            ok = target.startswith("/ui") and not target.startswith("//")
            return redirect(target if ok else url_for("ui.overview"))
        error = "That key is not valid (or it was revoked)."
        g.ui_action = "ui.sign_in_refused"
    return render_template("ui/login.html", error=error, demo=_services()[1].web_demo), (401 if error else 200)


@bp.route("/logout", methods=["POST"])
def logout():
    session.clear()
    return redirect(url_for("ui.login"))


def _actor() -> str:
    return _caller().name


@bp.errorhandler(404)
@bp.errorhandler(400)
@bp.errorhandler(401)
@bp.errorhandler(403)
@bp.errorhandler(429)
def _error(exc):
    return render_template("ui/error.html", code=exc.code, message=exc.description), exc.code


# ---------------------------------------------------------------- helpers


def _latest(es, names) -> datetime:
    """The newest unit's day in the caller's scope: pages anchor their windows on the data, so a demo
    dataset that ends in the past (or future) still shows its last weeks."""
    res = es.search(index=names.feedback, size=0, query=scoped_query(Filters(dedupe=False), _caller()),
                    aggs={"m": {"max": {"field": "created_at"}}})
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
    """Revenue only for callers who may see it; '—' (never a figure) for everyone else."""
    if v is None or not sees_revenue(_caller()):
        return "—"
    return f"${v:,.0f}"


def _visible_alerts(items: list[dict]) -> list[dict]:
    es, settings = _services()
    shown = alert_access.visible(es, settings.indices.feedback, items, _caller())
    g.ui_unit_ids = [*g.get("ui_unit_ids", []), *(u for a in shown for u in a.get("unit_ids") or [])]
    return shown


# ---------------------------------------------------------------- pages


@bp.route("/")
def overview():
    from detectors.closed_loop import stage_summary

    es, settings = _services()
    names, caller = settings.indices, _caller()
    end = _latest(es, names)
    this = Filters(start=end - timedelta(days=7), end=end)
    last = Filters(start=end - timedelta(days=14), end=end - timedelta(days=7))
    month = Filters(start=end - timedelta(days=30), end=end)
    n, n_last = count(es, names, this, caller), count(es, names, last, caller)
    accounts, arr = distinct_accounts_arr(es, names, this, caller)
    neg = count(es, names, this.with_(sentiment="negative"), caller)
    themes = breakdown(es, names, this, "theme", 12, with_arr=True, caller=caller)
    prev = {r["key"]: r["units"] for r in breakdown(es, names, last, "theme", 50, caller=caller)}
    for r in themes:
        r["delta"] = r["units"] - prev.get(r["key"], 0)
        r["link"] = _link(this.with_(theme=r["key"]))
    chart = bar_trend(daily(es, names, month, caller), lambda d: _link(month.with_(start=d, end=d + timedelta(days=1))))
    active = alerts_in(es, names, states=("open", "acknowledged", "assigned"), size=10, caller=caller)
    recent_alerts = alerts_in(es, names, end - timedelta(days=90), None, size=1000, caller=caller)
    g.ui_unit_ids = [u for a in active for u in a.get("unit_ids") or []]
    return render_template(
        "ui/overview.html", end=end, period=f"{end - timedelta(days=7):%a %d %b} – {end - timedelta(days=1):%a %d %b %Y}",
        n=n, n_last=n_last, accounts=accounts, arr=_money(arr), neg=neg,
        themes=themes, chart=chart, active=active, stages=stage_summary(recent_alerts), money=_money,
        impact=impact_rows(es, names, end, days=30, principal=caller),
        show_revenue=sees_revenue(caller),
        links={"week": _link(this), "neg": _link(this.with_(sentiment="negative")), "month": _link(month)},
    )


@bp.route("/search")
def search():
    es, settings = _services()
    names, caller = settings.indices, _caller()
    try:
        f = Filters.from_args(request.args)
    except ValueError as exc:
        abort(400, description=str(exc))
    page = request.args.get("page", 1, type=int) or 1
    if not 1 <= page <= MAX_PAGE:
        abort(400, description=f"page: 1-{MAX_PAGE} (the first {MAX_WINDOW:,} results); narrow the search to see further")
    body: dict[str, Any] = {
        "query": scoped_query(f, caller), "size": PAGE_SIZE, "from": (page - 1) * PAGE_SIZE, "track_total_hits": True,
        "_source": {"excludes": [*source_excludes(caller), "context"]},
        "aggs": {name: {"terms": {"field": TERM_FILTERS[name], "size": 12}} for name in FACETS},
    }
    if f.q:
        # encoder=html: Elasticsearch escapes the text and adds only our <mark> tags
        body["highlight"] = {"fields": {"text": {"fragment_size": 200, "number_of_fragments": 1}},
                             "pre_tags": ["<mark>"], "post_tags": ["</mark>"], "encoder": "html"}
    else:
        body["sort"] = [{"created_at": "desc"}]
    res = es.search(index=names.feedback, **body)
    total = res["hits"]["total"]["value"]
    hits = []
    for h in res["hits"]["hits"]:
        src = redact_unit(h["_source"], caller)
        frag = (h.get("highlight") or {}).get("text")
        src["_snippet"] = Markup(_safe_highlight(frag[0])) if frag else None
        hits.append(src)
    g.ui_unit_ids = [u.get("unit_id") for u in hits]
    facets = {}
    for name in FACETS:
        chosen = set(getattr(f, name))
        facets[name] = [{"value": b["key"], "count": b["doc_count"], "active": b["key"] in chosen,
                         "href": _link(f.with_(**{name: sorted(chosen ^ {b["key"]})}))}
                        for b in res["aggregations"][name]["buckets"]]
    active = [(name, v, _link(f.with_(**{name: [x for x in getattr(f, name) if x != v]})))
              for name in TERM_FILTERS for v in getattr(f, name)]
    pages = min((total + PAGE_SIZE - 1) // PAGE_SIZE, MAX_PAGE)
    return render_template("ui/search.html", f=f, hits=hits, total=total, facets=facets, active=active, page=page,
                           pages=pages, api_url=f.api_url(), args=request.args,
                           page_link=lambda p: _link(f) + f"&page={p}")


def _safe_highlight(fragment: str) -> str:
    """The fragment is already HTML-escaped by Elasticsearch (encoder=html) except our <mark> tags;
    anything else that looks like a tag is escaped again (defence in depth)."""
    import re

    return re.sub(r"<(?!/?mark>)", "&lt;", fragment)


@bp.route("/theme/<theme>")
def theme(theme: str):
    es, settings = _services()
    names, caller = settings.indices, _caller()
    days = min(max(request.args.get("days", 60, type=int) or 60, 7), 365)
    end = _latest(es, names)
    f = Filters(theme=(theme,), start=end - timedelta(days=days), end=end)
    total = count(es, names, f, caller)
    if not total and not count(es, names, Filters(theme=(theme,)), caller):
        abort(404, description=f"no feedback units with theme {theme!r}")
    chart = bar_trend(daily(es, names, f, caller), lambda d: _link(f.with_(start=d, end=d + timedelta(days=1))),
                      label=f"{theme} units per day")
    subs = breakdown(es, names, f, "sub_theme", 20, with_arr=True, caller=caller)
    for r in subs:
        r["link"] = _link(f.with_(sub_theme=r["key"]))
    sentiments = breakdown(es, names, f, "sentiment", 3, caller=caller)
    for r in sentiments:
        r["link"] = _link(f.with_(sentiment=r["key"]))
    versions = breakdown(es, names, f, "app_version", 8, caller=caller)
    for r in versions:
        r["link"] = _link(f.with_(app_version=r["key"]))
    res = es.search(index=names.feedback, query=scoped_query(f, caller), size=8, sort=[{"created_at": "desc"}],
                    _source={"excludes": [*source_excludes(caller), "context"]})
    recent = [redact_unit(h["_source"], caller) for h in res["hits"]["hits"]]
    g.ui_unit_ids = [u.get("unit_id") for u in recent]
    alerts = [a for a in alerts_in(es, names, size=200, caller=caller) if a.get("theme") == theme]
    return render_template("ui/theme.html", theme=theme, days=days, total=total, chart=chart, subs=subs,
                           sentiments=sentiments, versions=versions, recent=recent,
                           alerts=alerts, link=_link(f), money=_money, show_revenue=sees_revenue(caller),
                           impact=impact_rows(es, names, end, days, theme=theme, principal=caller))


@bp.route("/unit/<unit_id>")
def unit(unit_id: str):
    es, settings = _services()
    caller = _caller()
    # viewers read customer units only (agent/internal turns are analyst data), as on the API
    scoped = Filters(customer_only=not sees_revenue(caller), dedupe=False)
    res = es.search(index=settings.indices.feedback, size=1, _source={"excludes": source_excludes(caller)},
                    query={"bool": {"filter": [{"term": {"unit_id": unit_id[:128]}}, scoped_query(scoped, caller)]}})
    hits = res["hits"]["hits"]
    if not hits:
        abort(404, description=f"no feedback unit {unit_id!r} (or it is outside your key's scope)")
    u = redact_unit(hits[0]["_source"], caller)
    citation = _citation(u)
    thread = []
    if u.get("thread_id"):
        t = es.search(index=settings.indices.feedback, size=50,
                      query={"bool": {"filter": [{"term": {"thread_id": u["thread_id"]}}, scoped_query(scoped, caller)]}},
                      sort=[{"position": "asc"}, {"segment_index": "asc"}], _source=["unit_id", "speaker_role", "text", "position"])
        thread = [h["_source"] for h in t["hits"]["hits"]]
    g.ui_unit_ids = [u["unit_id"], *(t.get("unit_id") for t in thread if t.get("unit_id") != u["unit_id"])]
    g.ui_target = u["unit_id"]
    return render_template("ui/unit.html", u=u, citation=citation, thread=thread, money=_money,
                           source_url=safe_url((u.get("provenance") or {}).get("source_url")),
                           show_revenue=sees_revenue(caller))


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
    owner = (request.args.get("owner") or "")[:128] or None
    try:
        items = _visible_alerts(list_alerts(es, settings.indices, state=state, owner=owner, size=100))
    except ValueError as exc:
        abort(400, description=str(exc))
    owners = sorted({a.get("owner") for a in alerts_in(es, settings.indices, size=1000, caller=_caller()) if a.get("owner")})
    return render_template("ui/alerts.html", rows=loop_rows(items), states=STATES, state=state, owner=owner,
                           owners=owners, stages=stage_summary(items), evidence=_evidence_link,
                           can_act=allows(_caller(), "admin"))


def _evidence_link(alert: dict) -> str:
    f = Filters(theme=(alert["theme"],) if alert.get("theme") and not alert.get("sub_theme") else (),
                sub_theme=(alert["sub_theme"],) if alert.get("sub_theme") else (),
                start=parse_time(alert["window_start"]) if alert.get("window_start") else None,
                end=parse_time(alert["window_end"]) + timedelta(seconds=1) if alert.get("window_end") else None)
    return _link(f)


def _scoped_alert(alert_id: str) -> dict:
    from detectors.lifecycle import get_alert

    es, settings = _services()
    a = get_alert(es, settings.indices, alert_id[:128])
    shown = _visible_alerts([a]) if a is not None else []
    if not shown:
        abort(404, description=f"no alert {alert_id!r}")
    g.ui_target = alert_id
    return shown[0]


@bp.route("/alerts/<alert_id>")
def alert(alert_id: str):
    from detectors.closed_loop import loop_rows

    a = _scoped_alert(alert_id)
    return render_template("ui/alert.html", row=loop_rows([a])[0], a=a, evidence=_evidence_link(a),
                           can_act=allows(_caller(), "admin"), show_revenue=sees_revenue(_caller()), money=_money)


@bp.route("/alerts/<alert_id>/transition", methods=["POST"])
def transition(alert_id: str):
    from detectors.lifecycle import AlertNotFound
    from detectors.lifecycle import transition as do_transition

    es, settings = _services()
    action = request.form.get("action", "")
    if action not in ACTIONS:
        abort(400, description=f"unknown action {action!r}")
    if not allows(_caller(), "admin"):
        abort(403, description=f"acting on alerts needs the admin role; your key is {_caller().role}")
    _scoped_alert(alert_id)
    g.ui_action = f"alert.{action}"
    try:
        a = do_transition(es, settings.indices, alert_id, action, actor=_actor(),
                          assignee=(request.form.get("assignee") or "").strip()[:128] or None,
                          note=(request.form.get("note") or "").strip()[:2000] or None,
                          external_ticket=(request.form.get("external_ticket") or "").strip()[:128] or None)
        flash(f"{a.get('title')}: {action} done — now {a.get('state')}" +
              (f", assigned to {a.get('assignee')}" if a.get("assignee") else ""), "ok")
    except AlertNotFound:
        abort(404, description=f"no alert {alert_id!r}")
    except ValueError as exc:
        flash(str(exc), "error")
    target = request.form.get("next") or url_for("ui.alerts")
    return redirect(target if target.startswith("/ui") and not target.startswith("//") else url_for("ui.alerts"))
