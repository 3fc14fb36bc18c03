"""Weekly stakeholder reports: every audience renders as HTML, Markdown and email, every number links
to the units behind it (the link's filters count exactly that number), and reports can be emailed
and scheduled."""
from __future__ import annotations

import socketserver
import threading
from email import message_from_string, policy
from urllib.parse import parse_qs, urlparse

import pytest
from dashdata import demo_settings, run_cli

from dashboards.filters import Filters
from dashboards.report_data import AUDIENCES, count, gather
from dashboards.reports import cron_trigger, parse_week, render

WEEK = "2026-W47"
COUNT_COLUMNS = {"Units", "Bug units", "Questions", "Negative units", "Churn signals", "This week", "Last week",
                 "All units", "Escalations"}


@pytest.fixture(scope="module")
def demo(es, base_settings):
    settings, finalize = demo_settings(es, base_settings, "rep")
    yield settings
    finalize()


def test_iso_week_parsing():
    start = parse_week(WEEK)
    assert start.isoformat() == "2026-11-16T00:00:00+00:00"
    with pytest.raises(ValueError, match="ISO week"):
        parse_week("last week")


@pytest.mark.parametrize("audience", sorted(AUDIENCES))
def test_every_audience_renders_and_its_counts_match_their_links(es, demo, audience):
    data = gather(es, demo.indices, audience, parse_week(WEEK))
    assert data.week == WEEK and data.sections
    assert any(s.rows for s in data.sections), f"{audience} report is empty on demo data"
    checked = 0
    for section in data.sections:
        for row in section.rows:
            for column, cell in zip(section.columns, row):
                if column in COUNT_COLUMNS and cell.filters is not None:
                    assert count(es, demo.indices, cell.filters) == cell.value, (audience, section.title, column)
                    checked += 1
    for label, cell, _ in data.headline:
        if cell.fmt == "int" and cell.filters is not None and "Accounts" not in label:
            assert count(es, demo.indices, cell.filters) == cell.value, label
            checked += 1
    assert checked > 0
    for fmt in ("html", "md", "email"):
        out = render(data, fmt, "http://vox.example")
        body = out.body
        if fmt == "email":
            body = message_from_string(out.body, policy=policy.default).get_body(("html",)).get_content()
        assert data.title.split(":")[0] in body
        assert "http://vox.example/ui/search?" in body


def test_report_links_carry_the_same_filters_as_the_numbers(es, demo):
    data = gather(es, demo.indices, "engineering", parse_week(WEEK))
    versions = next(s for s in data.sections if s.title == "Version correlation")
    cell = next(row[1] for row in versions.rows if row[0].value == "4.8.2")
    url = urlparse(cell.filters.ui_url("http://vox.example"))
    params = parse_qs(url.query)
    assert url.path == "/ui/search"
    assert params["intent"] == ["bug"] and params["app_version"] == ["4.8.2"]
    assert params["from"] == ["2026-11-16T00:00:00Z"] and params["to"] == ["2026-11-23T00:00:00Z"]
    assert Filters.from_args({k: v[0] for k, v in params.items()}) == cell.filters
    assert urlparse(cell.filters.api_url()).path == "/v1/search"
    # the spike is what engineering should see first
    bugs = next(s for s in data.sections if s.title == "Bug reports by sub-theme")
    assert bugs.rows[0][0].value == "sync-failure"


def test_product_ranks_pain_by_arr_counted_once_per_account(es, demo):
    data = gather(es, demo.indices, "product", parse_week(WEEK))
    pain = data.sections[0]
    arrs = [row[1].value for row in pain.rows]
    assert arrs == sorted(arrs, reverse=True)
    total_arr = 150000 + 90000 + 12000 + 240000 + 60000 + 310000 + 180000 + 8000
    assert all(a <= total_arr for a in arrs)  # never more than every account's ARR once


def test_report_command_writes_markdown(es, demo, tmp_path, monkeypatch):
    monkeypatch.setenv("VOXINDEX_INDEX_PREFIX", demo.index_prefix)
    out = tmp_path / "leadership.md"
    assert run_cli(["report", "--audience", "leadership", "--week", WEEK, "--format", "md", "--out", str(out)]) == 0
    text = out.read_text()
    assert text.startswith("# Leadership") and "What changed vs last week" in text and "](http://" in text
    assert "Feedback-to-fix time per stage" in text


class _SMTP(socketserver.StreamRequestHandler):
    received: list[str] = []

    def handle(self):
        self.wfile.write(b"220 test ESMTP\r\n")
        data_mode, lines = False, []
        while True:
            line = self.rfile.readline()
            if not line:
                return
            if data_mode:
                if line in (b".\r\n", b".\n"):
                    type(self).received.append(b"".join(lines).decode())
                    data_mode = False
                    self.wfile.write(b"250 queued\r\n")
                else:
                    lines.append(line[1:] if line.startswith(b"..") else line)
                continue
            cmd = line.strip().upper()
            if cmd.startswith(b"EHLO") or cmd.startswith(b"HELO"):
                self.wfile.write(b"250 test\r\n")
            elif cmd.startswith(b"DATA"):
                data_mode = True
                self.wfile.write(b"354 go\r\n")
            elif cmd.startswith(b"QUIT"):
                self.wfile.write(b"221 bye\r\n")
                return
            else:
                self.wfile.write(b"250 ok\r\n")


def test_report_is_emailed_as_html_and_text(es, demo, monkeypatch, capsys):
    monkeypatch.setenv("VOXINDEX_INDEX_PREFIX", demo.index_prefix)
    _SMTP.received = []
    server = socketserver.ThreadingTCPServer(("127.0.0.1", 0), _SMTP)
    threading.Thread(target=server.serve_forever, daemon=True).start()
    try:
        rc = run_cli(["report", "--audience", "support", "--week", WEEK, "--format", "email",
                      "--send-to", "lead@example.com", "--smtp", f"127.0.0.1:{server.server_address[1]}"])
    finally:
        server.shutdown()
        server.server_close()
    assert rc == 0
    assert len(_SMTP.received) == 1
    msg = message_from_string(_SMTP.received[0], policy=policy.default)
    assert msg["To"] == "lead@example.com" and WEEK in msg["Subject"]
    assert {p.get_content_type() for p in msg.iter_parts()} == {"text/plain", "text/html"}
    assert "Knowledge-gap candidates" in msg.get_body(("html",)).get_content()


def test_schedules_accept_day_time_and_crontab():
    trig = cron_trigger("mon 8:00")
    assert "day_of_week='mon'" in str(trig) and "hour='8'" in str(trig)
    assert "minute='30'" in str(cron_trigger("30 7 * * fri"))
    with pytest.raises(ValueError):
        cron_trigger("every monday")
