"""Alerters deliver to real local servers (an HTTP receiver thread, a tiny SMTP server on a
socket); a failed delivery is recorded on the alert and retried by the next run, never lost."""
import json
import socketserver
import threading
from datetime import datetime, timedelta, timezone
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

import pytest

from detectors import alerters, lifecycle
from detectors.lifecycle import get_alert
from detectors.rules import parse_rule
from detectors.runner import run_once
from detectors.synthetic import index_units, scratch_settings, series

AT = datetime(2026, 3, 1, tzinfo=timezone.utc)
ALERT = {"alert_id": "a1", "title": "Spike: sub_theme=double-charge", "why": "15 units vs 2.3 expected", "rule": "r",
         "state": "open", "owner": "team-payments", "impact": {"score": 61.0, "accounts": 3, "arr": 250000.0,
                                                              "severity": 0.75, "trajectory": 6.5},
         "link": ["http://kibana/x", "http://api/v1/search?x=1"], "unit_ids": ["u1"]}
EVIDENCE = [{"unit_id": "u1", "text": "I was charged twice this month", "account": "Northwind", "created_at": "2026-03-01"}]


class Receiver:
    """HTTP server on 127.0.0.1 recording every request; `fail` makes it answer 500."""

    def __init__(self):
        self.requests, self.fail = [], 0
        outer = self

        class Handler(BaseHTTPRequestHandler):
            def do_POST(self):
                body = self.rfile.read(int(self.headers.get("Content-Length", 0)))
                outer.requests.append({"path": self.path, "body": json.loads(body), "auth": self.headers.get("Authorization")})
                if outer.fail:
                    outer.fail -= 1
                    self.send_response(500)
                    self.end_headers()
                    return
                reply = json.dumps({"id": "10001", "key": "VOX-1"}).encode() if "/rest/api/2/issue" in self.path else b"ok"
                self.send_response(201 if "/rest/api" in self.path else 200)
                self.send_header("Content-Length", str(len(reply)))
                self.end_headers()
                self.wfile.write(reply)

            def log_message(self, *a):
                pass

        self.server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.url = f"http://127.0.0.1:{self.server.server_address[1]}"
        threading.Thread(target=self.server.serve_forever, daemon=True).start()


class SMTPHandler(socketserver.StreamRequestHandler):
    """Just enough SMTP (RFC 5321) for smtplib: greet, EHLO, MAIL, RCPT, DATA, QUIT."""

    def reply(self, line):
        self.wfile.write((line + "\r\n").encode())

    def handle(self):
        self.reply("220 test ESMTP")
        rcpt = []
        while True:
            line = self.rfile.readline().decode().rstrip("\r\n")
            cmd = line[:4].upper()
            if cmd in ("EHLO", "HELO"):
                self.reply("250 test")
            elif cmd == "MAIL":
                self.reply("250 OK")
            elif cmd == "RCPT":
                rcpt.append(line.split(":", 1)[1].strip("<> "))
                self.reply("250 OK")
            elif cmd == "DATA":
                self.reply("354 end with .")
                lines = []
                while (l := self.rfile.readline().decode()) not in (".\r\n", ""):
                    lines.append(l)
                self.server.messages.append({"rcpt": rcpt, "data": "".join(lines)})
                self.reply("250 queued")
            elif cmd == "QUIT" or not line:
                self.reply("221 bye")
                return
            else:
                self.reply("250 OK")


@pytest.fixture
def receiver():
    r = Receiver()
    yield r
    r.server.shutdown()


@pytest.fixture
def smtp():
    server = socketserver.ThreadingTCPServer(("127.0.0.1", 0), SMTPHandler)
    server.messages = []
    threading.Thread(target=server.serve_forever, daemon=True).start()
    yield server
    server.shutdown()


def test_webhook_posts_the_alert_and_its_evidence(receiver):
    alert = dict(ALERT)
    alerters.dispatch(alert, EVIDENCE, [{"type": "webhook", "url": receiver.url + "/hook", "token": "s3cret"}])
    assert alert["deliveries"][0]["status"] == "delivered"
    req = receiver.requests[0]
    assert req["path"] == "/hook" and req["auth"] == "Bearer s3cret"
    assert req["body"]["alert"]["why"] == ALERT["why"] and req["body"]["evidence"][0]["unit_id"] == "u1"


def test_slack_message_has_blocks_with_impact_evidence_and_links(receiver):
    alerters.dispatch(dict(ALERT), EVIDENCE, [{"type": "slack", "webhook_url": receiver.url + "/slack"}])
    blocks = receiver.requests[0]["body"]["blocks"]
    text = json.dumps(blocks)
    assert blocks[0]["type"] == "header" and "charged twice this month" in text and "250,000" in text
    assert blocks[-1]["elements"][0]["url"] == "http://kibana/x"


def test_email_is_rendered_from_the_template_and_sent_over_smtp(smtp):
    alert = dict(ALERT)
    alerters.dispatch(alert, EVIDENCE, [{"type": "email", "host": "127.0.0.1", "port": smtp.server_address[1],
                                          "to": ["oncall@example.com"], "from": "vox@example.com"}])
    assert alert["deliveries"][0]["status"] == "delivered", alert["deliveries"]
    msg = smtp.messages[0]
    assert msg["rcpt"] == ["oncall@example.com"]
    assert "Subject: [VoxIndex] Spike: sub_theme=double-charge" in msg["data"]
    assert "I was charged twice this month" in msg["data"] and "ARR:        250,000" in msg["data"]


def test_jira_creates_an_issue_and_keeps_its_key_as_external_ticket(receiver, monkeypatch):
    monkeypatch.setenv("VOX_JIRA_TOKEN", "tok")
    alert = dict(ALERT)
    alerters.dispatch(alert, EVIDENCE, [{"type": "jira", "url": receiver.url, "project": "PAY", "user": "bot",
                                          "token_env": "VOX_JIRA_TOKEN"}])
    req = receiver.requests[0]
    assert req["path"] == "/rest/api/2/issue" and req["auth"].startswith("Basic ")
    assert req["body"]["fields"]["project"] == {"key": "PAY"} and "charged twice" in req["body"]["fields"]["description"]
    assert alert["external_ticket"] == "VOX-1"


@pytest.fixture(scope="module")
def settings(es, base_settings):
    yield from scratch_settings(es, base_settings)


def test_a_failed_delivery_is_recorded_and_retried_on_the_next_run(es, settings, receiver):
    index_units(es, settings.indices, series("charged twice", AT, [1, 1, 1, 1, 1, 1, 1, 12], theme="billing",
                                             sub_theme="double-charge"))
    rule = parse_rule({"type": "spike", "dimension": "sub_theme", "min_count": 5,
                       "alerts": [{"type": "webhook", "url": receiver.url, "retries": 2, "backoff": 0.01}]}, "r.yaml", "r")
    receiver.fail = 2  # both attempts of the first run fail
    first = run_once(es, settings, [rule], AT)
    stored = get_alert(es, settings.indices, first.created[0]["alert_id"])
    assert stored["deliveries"][0]["status"] == "failed" and "500" in stored["deliveries"][0]["last_error"]
    second = run_once(es, settings, [rule], AT + timedelta(hours=1))
    assert second.retried == 1 and not second.created
    stored = get_alert(es, settings.indices, stored["alert_id"])
    assert stored["deliveries"][0]["status"] == "delivered" and stored["deliveries"][0]["attempts"] == 3
    assert len(receiver.requests) == 3 and receiver.requests[-1]["body"]["evidence"]


def test_a_silenced_rule_records_alerts_but_calls_no_alerter(es, settings, receiver):
    at = AT + timedelta(days=30)
    index_units(es, settings.indices, series("app crashes", at, [1] * 7 + [12], theme="reliability", sub_theme="crash"))
    rule = parse_rule({"type": "spike", "dimension": "sub_theme", "min_count": 5,
                       "alerts": [{"type": "webhook", "url": receiver.url}]}, "q.yaml", "quiet")
    lifecycle.silence(es, settings.indices, rule="quiet", until=datetime.now(timezone.utc) + timedelta(days=1), actor="t")
    res = run_once(es, settings, [rule], at)
    assert len(res.created) == 1 and receiver.requests == []
    assert res.created[0]["history"][-1]["action"] == "suppressed"
