"""Render a gathered report (report_data) as HTML, Markdown or a MIME email; send and schedule it."""
from __future__ import annotations

import re
import smtplib
import sys
from dataclasses import dataclass
from datetime import date, datetime, timedelta, timezone
from email.message import EmailMessage
from pathlib import Path
from typing import Any

from jinja2 import Environment, FileSystemLoader, select_autoescape

from .report_data import Cell, ReportData, gather

TEMPLATES = Path(__file__).resolve().parent / "templates"


def parse_week(text: str) -> datetime:
    """'2026-W47' -> Monday 2026-11-16 00:00 UTC."""
    m = re.fullmatch(r"(\d{4})-?W(\d{1,2})", text.strip(), re.IGNORECASE)
    if not m:
        raise ValueError(f"--week {text!r}: use an ISO week like 2026-W47")
    day = date.fromisocalendar(int(m.group(1)), int(m.group(2)), 1)
    return datetime(day.year, day.month, day.day, tzinfo=timezone.utc)


def last_complete_week(now: datetime | None = None) -> datetime:
    now = now or datetime.now(timezone.utc)
    monday = (now - timedelta(days=now.weekday())).date()
    return datetime.combine(monday - timedelta(days=7), datetime.min.time(), tzinfo=timezone.utc)


def _env() -> Environment:
    env = Environment(loader=FileSystemLoader(str(TEMPLATES)), autoescape=select_autoescape(["html", "html.j2"]),
                      trim_blocks=True, lstrip_blocks=True)
    return env


@dataclass
class Rendered:
    audience: str
    week: str
    subject: str
    fmt: str
    body: str
    html: str | None = None
    text: str | None = None


def links_for(base: str):
    def ui(cell: Cell) -> str | None:
        if cell.href:
            return base + cell.href
        return cell.filters.ui_url(base) if cell.filters is not None else None

    def api(cell: Cell) -> str | None:
        return cell.filters.api_url(base) if cell.filters is not None else None

    return ui, api


def render(data: ReportData, fmt: str, base_url: str) -> Rendered:
    base = base_url.rstrip("/")
    ui, api = links_for(base)
    ctx: dict[str, Any] = {"r": data, "ui": ui, "api": api, "base": base,
                           "generated": datetime.now(timezone.utc).strftime("%Y-%m-%d %H:%M UTC"),
                           "period": f"{data.start:%a %d %b %Y} – {(data.end - timedelta(days=1)):%a %d %b %Y}"}
    subject = f"VoxIndex {data.week} — {data.title}"
    env = _env()
    html = env.get_template("report.html.j2").render(**ctx)
    text = env.get_template("report.md.j2").render(**ctx)
    if fmt == "html":
        return Rendered(data.audience, data.week, subject, fmt, html, html, text)
    if fmt == "md":
        return Rendered(data.audience, data.week, subject, fmt, text, html, text)
    msg = email_message(subject, html, text)
    return Rendered(data.audience, data.week, subject, fmt, msg.as_string(), html, text)


def email_message(subject: str, html: str, text: str, sender: str = "voxindex@localhost",
                  to: list[str] | None = None) -> EmailMessage:
    msg = EmailMessage()
    msg["Subject"] = subject
    msg["From"] = sender
    if to:
        msg["To"] = ", ".join(to)
    msg.set_content(text)
    msg.add_alternative(html, subtype="html")
    return msg


def default_base_url() -> str:
    from voxindex.config import get_settings

    s = get_settings()
    return f"http://{s.api_host}:{s.api_port}"


def produce(es, settings, audience: str, week_start: datetime | None = None, fmt: str = "html",
            base_url: str | None = None) -> Rendered:
    data = gather(es, settings.indices, audience, week_start or last_complete_week())
    return render(data, fmt, base_url or default_base_url())


def deliver(report: Rendered, to: list[str], smtp: str, sender: str = "voxindex@localhost") -> str:
    """Send through the detectors' email alerter's SMTP settings shape when it is there, smtplib otherwise.
    The alerter renders alerts (plain text), so the report's own multipart message is sent with the
    same connection handling."""
    host, _, port = smtp.rpartition(":") if ":" in smtp else (smtp, "", "25")
    msg = email_message(report.subject, report.html or report.body, report.text or report.body, sender, to)
    with smtplib.SMTP(host or "127.0.0.1", int(port or 25), timeout=15) as conn:
        refused = conn.send_message(msg)
    if refused:
        raise RuntimeError(f"recipients refused: {refused}")
    return f"smtp {host}:{port}"


# ---------------------------------------------------------------- scheduling

_DOW = ("mon", "tue", "wed", "thu", "fri", "sat", "sun")


def cron_trigger(expr: str, timezone_name: str = "UTC"):
    """'mon 8:00' (or 'mon,thu 08:30') or a 5-field crontab line -> an APScheduler CronTrigger."""
    from apscheduler.triggers.cron import CronTrigger

    m = re.fullmatch(r"\s*([a-z,\-]+)\s+(\d{1,2}):(\d{2})\s*", expr.lower())
    if m:
        days = m.group(1)
        if not all(d in _DOW for d in re.split(r"[,\-]", days)):
            raise ValueError(f"--cron {expr!r}: day must be one of {', '.join(_DOW)}")
        return CronTrigger(day_of_week=days, hour=int(m.group(2)), minute=int(m.group(3)), timezone=timezone_name)
    if len(expr.split()) == 5:
        return CronTrigger.from_crontab(expr, timezone=timezone_name)
    raise ValueError(f"--cron {expr!r}: use 'mon 8:00' or a crontab line like '0 8 * * mon'")


def scheduled_job(audiences: list[str], fmt: str, send_to: list[str] | None, smtp: str, sender: str,
                  out_dir: Path | None, base_url: str | None) -> None:
    from voxindex.config import get_settings
    from voxindex.es import client

    settings = get_settings()
    es = client(settings)
    for audience in audiences:
        report = produce(es, settings, audience, fmt=fmt, base_url=base_url)
        if out_dir:
            out_dir.mkdir(parents=True, exist_ok=True)
            ext = {"html": "html", "md": "md", "email": "eml"}[fmt]
            (out_dir / f"{report.week}-{audience}.{ext}").write_text(report.body)
        if send_to:
            deliver(report, send_to, smtp, sender)
        print(f"{datetime.now(timezone.utc):%Y-%m-%d %H:%M} report {audience} {report.week} done", file=sys.stderr)


def run_schedule(args) -> None:
    from apscheduler.schedulers.blocking import BlockingScheduler

    trigger = cron_trigger(args.cron, args.timezone)
    if not args.send_to and not args.out_dir:
        raise ValueError("a scheduled report needs somewhere to go: --send-to EMAIL and/or --out-dir DIR")
    sched = BlockingScheduler(timezone=args.timezone)
    sched.add_job(scheduled_job, trigger, kwargs=dict(audiences=args.audience, fmt=args.format, send_to=args.send_to,
                                                      smtp=args.smtp, sender=args.sender, out_dir=args.out_dir,
                                                      base_url=args.base_url), name="voxindex-report")
    print(f"scheduled {', '.join(args.audience)} report(s) on '{args.cron}' ({args.timezone}); next run "
          f"{trigger.get_next_fire_time(None, datetime.now(timezone.utc))}. Ctrl-C to stop.", file=sys.stderr)
    try:
        sched.start()
    except (KeyboardInterrupt, SystemExit):
        pass
