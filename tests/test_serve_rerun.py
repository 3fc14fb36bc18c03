"""Re-runs are safe: a second `voxindex serve --background` (the second `make demo`) restarts
the API it started before, or reuses one it did not start, and says so; it never fails with
"already running"."""
import os
import socket
import subprocess
import sys

import pytest

from search_api import server
from search_api.cli import background_plan
from voxindex.cli import main


def test_our_running_server_is_restarted_a_foreign_one_reused_otherwise_one_started():
    assert background_plan(4242, port_answers=True) == "restart"
    assert background_plan(4242, port_answers=False) == "restart"
    assert background_plan(None, port_answers=True) == "reuse"
    assert background_plan(None, port_answers=False) == "start"


def test_a_pidfile_naming_another_program_or_a_dead_one_is_not_ours(tmp_path):
    pidfile = tmp_path / "api.pid"
    assert server.running_pid(pidfile) is None  # no pidfile
    other = subprocess.Popen([sys.executable, "-c", "import time; time.sleep(30)"])
    try:
        pidfile.write_text(str(other.pid))
        assert server.running_pid(pidfile) is None  # alive, but not a VoxIndex server: never killed
    finally:
        other.kill()
        other.wait()
    assert server.running_pid(pidfile) is None  # dead


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


@pytest.mark.slow
def test_serve_background_twice_restarts_instead_of_failing(make_settings, tmp_path, monkeypatch, capsys):
    settings = make_settings()
    port = _free_port()
    monkeypatch.setenv("VOXINDEX_INDEX_PREFIX", settings.index_prefix)
    monkeypatch.setenv("VOXINDEX_HOME", str(tmp_path))
    pidfile = tmp_path / "api.pid"
    argv = ["serve", "--background", "--port", str(port)]
    try:
        assert main(argv) == 0
        first = server.running_pid(pidfile)
        assert first and server.answers("127.0.0.1", port)
        capsys.readouterr()
        assert main(argv) == 0
        out = capsys.readouterr().out
        second = server.running_pid(pidfile)
        assert f"already running (pid {first}); restarting it" in out
        assert second and second != first and server.answers("127.0.0.1", port)
        # an API this home did not start (no pidfile here) is reused, not fought over
        other_home = tmp_path / "other"
        monkeypatch.setenv("VOXINDEX_HOME", str(other_home))
        assert main(argv) == 0
        assert "reusing it" in capsys.readouterr().out and not (other_home / "api.pid").exists()
    finally:
        monkeypatch.setenv("VOXINDEX_HOME", str(tmp_path))
        main(["serve", "stop"])
    assert server.running_pid(pidfile) is None and not os.path.exists(pidfile)
