"""Email over SMTP (smtplib) rendered from a Jinja2 template (templates/alert_email.txt.j2,
or `template: path` in the alerter config)."""
from __future__ import annotations

import smtplib
from email.message import EmailMessage
from pathlib import Path

from jinja2 import Environment, FileSystemLoader

from .common import links, secret

TEMPLATES = Path(__file__).resolve().parent / "templates"


def render(alert: dict, evidence: list, template: str | None = None) -> str:
    path = Path(template) if template else TEMPLATES / "alert_email.txt.j2"
    env = Environment(loader=FileSystemLoader(str(path.parent)), autoescape=False)
    return env.get_template(path.name).render(alert=alert, impact=alert.get("impact") or {}, evidence=evidence, links=links(alert))


def send(alert: dict, evidence: list, config: dict) -> str:
    to = config["to"] if isinstance(config["to"], list) else [config["to"]]
    msg = EmailMessage()
    msg["Subject"] = f"[VoxIndex] {alert.get('title')}"
    msg["From"] = config.get("from", "voxindex@localhost")
    msg["To"] = ", ".join(to)
    msg.set_content(render(alert, evidence, config.get("template")))
    with smtplib.SMTP(config["host"], int(config.get("port", 25)), timeout=float(config.get("timeout", 10))) as smtp:
        if config.get("starttls"):
            smtp.starttls()
        password = secret(config, "password")
        if config.get("username") and password:
            smtp.login(config["username"], password)
        refused = smtp.send_message(msg)
    if refused:
        raise RuntimeError(f"recipients refused: {refused}")
    return f"sent to {', '.join(to)}"
